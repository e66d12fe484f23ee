"""Monthly pre-settlement, annual clearing and two-level cross-region clearing (DOMAIN.md §7).

POST runs a clearing (idempotent: a second run returns the stored statement and changes nothing);
GET reads the statement as JSON, CSV (?format=csv&table=...) or XLSX (?format=xlsx).
"""
from __future__ import annotations

from typing import Literal

import orjson
from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response

from ..adapters import cases_repository as repo
from ..adapters.statements import to_csv, to_xlsx
from ..service_layer import clearing_runs

router = APIRouter(prefix="/v1/clearing", tags=["clearing"])
Region = Path(pattern=r"^\d{6}$")
Month = Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


def _json(statement: dict) -> dict:
    return orjson.loads(orjson.dumps(statement, default=str))


def _render(statement: dict, fmt: str, table: str | None, name: str) -> Response | dict:
    if fmt == "csv":
        return Response(to_csv(statement, table), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "xlsx":
        return Response(to_xlsx(statement),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return statement


async def _stored(request: Request, kind: str, scope: str, period: str) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        statement = await repo.stored_run(conn, kind, scope, period)
    if statement is None:
        raise HTTPException(404, detail={"title": f"no {kind} clearing run for {scope} {period}"})
    return statement


Format = Query("json", pattern="^(json|csv|xlsx)$")


@router.post("/monthly/{region}/{month}", summary="Run monthly pre-settlement for a treatment region")
async def monthly(request: Request, region: str = Region, month: str = Month) -> dict:
    statement, ran = await clearing_runs.run_monthly(request.app.state.runtime.engine, request.app.state.config.current,
                                                     region, month)
    return {"ran": ran, **_json(statement)}


@router.get("/monthly/{region}/{month}", summary="A monthly pre-settlement statement")
async def monthly_statement(request: Request, region: str = Region, month: str = Month, format: str = Format,
                            table: str | None = None):
    return _render(await _stored(request, "monthly", region, month), format, table, f"monthly-{region}-{month}")


@router.post("/annual/{region}/{year}", summary="Run annual clearing with final rates, deductions and overrun sharing")
async def annual(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100)) -> dict:
    try:
        statement, ran = await clearing_runs.run_annual(request.app.state.runtime.engine,
                                                        request.app.state.config.current, region, year)
    except KeyError as e:
        raise HTTPException(404, detail={"title": str(e.args[0])}) from None
    return {"ran": ran, **_json(statement)}


@router.get("/annual/{region}/{year}", summary="An annual clearing statement")
async def annual_statement(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100),
                           format: str = Format, table: Literal["hospitals", "pools", "lines"] | None = None):
    return _render(await _stored(request, "annual", region, str(year)), format, table, f"annual-{region}-{year}")


@router.post("/cross-region/{month}", summary="Run two-level cross-region clearing for the province")
async def cross_region(request: Request, month: str = Month) -> dict:
    statement, ran = await clearing_runs.run_cross_region(request.app.state.runtime.engine, month)
    return {"ran": ran, **_json(statement)}


@router.get("/cross-region/{month}", summary="Remittances per insured region, payments per treatment region")
async def cross_region_statement(request: Request, month: str = Month, format: str = Format,
                                 table: Literal["remittances", "payments", "lines"] | None = None):
    return _render(await _stored(request, "cross-region", "province", month), format, table, f"cross-region-{month}")
