"""Operations: run the report calendar now; rebuild the indicators read model by replay and compare."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from yidi_common.auth import Principal, Role, authorize
from yidi_common.unit_of_work import transaction

from ..adapters.render import render_all
from ..adapters.replay import rebuild_and_compare
from ..adapters.repository import PostgresReportsRepository
from ..consumers.handlers import make_handlers
from ..service_layer.reports import run_schedule
from .scope import problems

router = APIRouter(tags=["operations"])
_rebuilding = asyncio.Lock()  # one replay at a time: each drops and refills the same schema


@router.post("/v1/ops/reports/schedule", summary="Generate every report the calendar has made due")
async def schedule_now(request: Request, _: Principal = Depends(authorize(Role.OPS))) -> Response:
    made = await run_scheduled(request.app)
    return Response(orjson.dumps({"generated": [r.id for r in made]}), media_type="application/json")


async def run_scheduled(app, now: datetime | None = None) -> list:
    async with transaction(app.state.runtime.engine, PostgresReportsRepository) as tx:
        if not await tx.repo.try_lock_schedule():
            return []  # another process of the service is running it
        return await run_schedule(tx, now=now or datetime.now(timezone.utc),
                                  config_version=app.state.config.current.version, render=render_all,
                                  limit=app.state.reports_settings.schedule_batch, norms=app.state.group_norms)


@router.post("/v1/ops/indicators/rebuild", summary="Replay every consumed topic into a fresh schema and compare the figures")
async def rebuild(request: Request, _: Principal = Depends(authorize(Role.OPS))) -> Response:
    """The live read model is left as it is; the answer says whether the replay gives identical figures
    (every level, every month, quarter and year with lists) and names the first differences."""
    if _rebuilding.locked():
        raise problems(409, [{"field": "(path)", "rule": "rebuild-running", "message": "a rebuild is running"}])
    async with _rebuilding:
        result = await rebuild_and_compare(request.app.state.runtime.engine, make_handlers(),
                                           norms=request.app.state.group_norms)
    return Response(orjson.dumps(result, default=str), media_type="application/json")
