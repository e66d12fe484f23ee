"""The budget service: pool and insured-region budget execution, risk warnings (DOMAIN.md §6)."""
from yidi_common.runtime import create_service_app
from yidi_common.settings import get_settings
from yidi_common.config_provider import ConfigProvider

from .api.budgets import router
from .consumers.handlers import make_handlers

config = ConfigProvider.load(get_settings().yidi_config_dir)

app = create_service_app(
    "budget",
    handlers=make_handlers(lambda: config.current),
    routers=[router],
    title="Yidi budget: pools, budgets and risk warnings",
    config=config,
    description="Consumption per pool at the provisional rate; alerts at 80/90/100 % once per budget and period.",
)
