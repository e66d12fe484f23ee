"""The grouper service: HIS intake (REST), settlement-list QC and DRG/DIP grouping (Kafka)."""
from yidi_common.http import publish_schemas
from yidi_common.runtime import create_service_app
from yidi_common.settings import get_settings
from yidi_common.settlement_list import SettlementList

from .adapters.grouping_engine import GroupingEngine
from .api.settlement_lists import IntakeFastPath, router as settlement_lists_router
from .api.dip_catalogues import router as dip_catalogues_router
from .api.simulation import router as simulation_router
from .adapters.data_keys import data_keys
from .adapters.intake_writer import IntakeWriter
from .consumers.handlers import make_handlers

engine = GroupingEngine.from_settings(get_settings())


async def run_intake_writer(runtime) -> None:
    data_keys()  # the keys sealing stored personal data, read (or the development key made) before any list
    writer = IntakeWriter(runtime.engine, runtime.relay)
    runtime.extras["intake"] = writer
    await writer.run()


app = create_service_app(
    "grouper",
    handlers=make_handlers(engine),
    routers=[settlement_lists_router, simulation_router, dip_catalogues_router],
    background=(run_intake_writer,),
    config=engine.config,
    title="Yidi grouper: HIS intake and DRG/DIP grouping",
    description="Hospitals post settlement lists (医保结算清单) here; each is quality-checked and grouped.",
)
app.state.grouping_engine = engine
app.add_middleware(IntakeFastPath)
publish_schemas(app, SettlementList)
