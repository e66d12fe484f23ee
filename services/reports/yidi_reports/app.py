"""The reports service: indicators read model, the seed 004 reports and objections."""
from yidi_common.runtime import create_service_app

from .consumers.handlers import make_handlers

app = create_service_app("reports", handlers=make_handlers(), routers=[], title="Yidi reports", description="indicators read model, the seed 004 reports and objections")
