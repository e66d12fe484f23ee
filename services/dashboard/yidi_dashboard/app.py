"""The dashboard service: the browser dashboard for bureaus, hospitals and the province."""
from yidi_common.runtime import create_service_app

from .consumers.handlers import make_handlers

app = create_service_app("dashboard", handlers=make_handlers(), routers=[], title="Yidi dashboard", description="the browser dashboard for bureaus, hospitals and the province")
