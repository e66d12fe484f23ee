"""The clearing service: fund ledger, monthly pre-settlement, annual and cross-region clearing."""
from yidi_common.config_provider import ConfigProvider
from yidi_common.runtime import create_service_app
from yidi_common.settings import get_settings

from .api.clearing import router as clearing_router
from .api.ledger import router as ledger_router
from .consumers.handlers import make_handlers

config = ConfigProvider.load(get_settings().yidi_config_dir)

app = create_service_app(
    "clearing",
    handlers=make_handlers(),
    routers=[ledger_router, clearing_router],
    title="Yidi clearing: fund ledger and clearing",
    config=config,
    description="Double-entry, append-only fund ledger; monthly pre-settlement; annual and cross-region clearing.",
)
