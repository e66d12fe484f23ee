"""The pricing service: prices every grouped claim by its treatment region's rules (DOMAIN.md §5)."""
from yidi_common.runtime import create_service_app
from yidi_common.settings import get_settings

from yidi_common.config_provider import ConfigProvider
from .api.pricing import router
from .consumers.handlers import make_handlers

config = ConfigProvider.load(get_settings().yidi_config_dir)

app = create_service_app(
    "pricing",
    handlers=make_handlers(config),
    routers=[router],
    title="Yidi pricing: DRG/DIP payment per case",
    config=config,
    description="Payment and FundDue per case with every input that produced them; simulation endpoint for hospitals.",
)
