"""The subscriptions service: bureaus' and hospitals' webhooks and pull feed of the events of their scope."""
from yidi_common.runtime import create_service_app

from .consumers.handlers import make_handlers

app = create_service_app("subscriptions", handlers=make_handlers(), routers=[], title="Yidi subscriptions", description="bureaus' and hospitals' webhooks and pull feed of the events of their scope")
