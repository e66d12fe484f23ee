"""The reports service: indicators read model, the seed 004 reports, objections and feedback rounds."""
import asyncio
from pathlib import Path

import structlog

from yidi_common.config_provider import ConfigProvider
from yidi_common.runtime import ServiceRuntime, create_service_app
from yidi_common.settings import get_settings

from .adapters.norms import load_norms
from .adapters.settings import ReportsSettings
from .api.feedback import router as feedback_router
from .api.indicators import router as indicators_router
from .api.objections import router as objections_router
from .api.ops import router as ops_router
from .api.ops import run_scheduled
from .api.reports import router as reports_router
from .api.scope import install_refusal_handler
from .consumers.handlers import make_handlers

config = ConfigProvider.load(get_settings().yidi_config_dir)
settings = ReportsSettings.from_env()


async def report_calendar(runtime: ServiceRuntime) -> None:
    """Every REPORTS_SCHEDULE_SECONDS: generate the reports the seed 004 calendar has made due."""
    if settings.schedule_seconds <= 0:
        return
    while True:
        await asyncio.sleep(settings.schedule_seconds)
        try:
            made = await run_scheduled(app)
            if made:
                structlog.get_logger().info("reports generated on schedule", reports=[r.id for r in made])
        except Exception as exc:  # noqa: BLE001 - retried at the next tick; the service keeps serving
            structlog.get_logger().error("report calendar failed", error=repr(exc))


app = create_service_app(
    "reports",
    handlers=make_handlers(),
    routers=[indicators_router, reports_router, objections_router, feedback_router, ops_router],
    title="Yidi reports",
    description="indicators read model, the seed 004 reports, objections and feedback rounds",
    config=config,
    background=(report_calendar,),
)
app.state.reports_settings = settings
app.state.group_norms = load_norms(Path(settings.group_norms)) if settings.group_norms else {}
install_refusal_handler(app)
