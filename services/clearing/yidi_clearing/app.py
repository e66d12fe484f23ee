"""The clearing service: fund ledger, monthly pre-settlement, annual and two-level clearing."""
from yidi_common.runtime import create_service_app

from .api.ledger import router as ledger_router
from .consumers.handlers import HANDLERS

app = create_service_app(
    "clearing",
    handlers=HANDLERS,
    routers=[ledger_router],
    title="Yidi clearing: fund ledger and clearing",
    description="Double-entry, append-only fund ledger; monthly pre-settlement; annual and cross-region clearing.",
)
