"""Monthly pre-settlement, annual clearing and two-level cross-region clearing (DOMAIN.md §7).

POST runs a clearing (idempotent: a second run returns the stored statement and changes nothing);
GET reads the statement as JSON, CSV (?format=csv&table=...) or XLSX (?format=xlsx).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

import orjson
from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from yidi_common.config_api import configured_region_year
from yidi_common.unit_of_work import transaction

from ..adapters.repository import PostgresClearingRepository
from ..adapters.statements import to_csv, to_xlsx
from ..service_layer import clearing_runs
from ..service_layer.recovered_funds import Recovery, post_recovered

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


def _transaction(request: Request):
    runtime = request.app.state.runtime
    return transaction(runtime.engine, PostgresClearingRepository, runtime.relay)


async def _stored(request: Request, kind: str, book: str, period: str) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        statement = await PostgresClearingRepository(conn).stored_run(kind, book, period)
    if statement is None:
        raise HTTPException(404, detail={"title": f"no {kind} clearing run for {book} {period}"})
    return statement


Format = Query("json", pattern="^(json|csv|xlsx)$")


@router.post("/monthly/{region}/{month}", summary="Run monthly pre-settlement for a treatment region")
async def monthly(request: Request, region: str = Region, month: str = Month) -> dict:
    # a run is final once stored: one for a region-year without configuration would stand empty for good
    configured_region_year(request, region, int(month[:4]))
    async with _transaction(request) as tx:
        statement, ran = await clearing_runs.run_monthly(tx, request.app.state.config.current, region, month)
    return {"ran": ran, **_json(statement)}


@router.get("/monthly/{region}/{month}", summary="A monthly pre-settlement statement")
async def monthly_statement(request: Request, region: str = Region, month: str = Month, format: str = Format,
                            table: str | None = None):
    return _render(await _stored(request, "monthly", region, month), format, table, f"monthly-{region}-{month}")


@router.post("/annual/{region}/{year}", summary="Run annual clearing with final rates, deductions and overrun sharing")
async def annual(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100)) -> dict:
    configured_region_year(request, region, year)
    try:
        async with _transaction(request) as tx:
            statement, ran = await clearing_runs.run_annual(tx, request.app.state.config.current, region, year)
    except KeyError as e:
        raise HTTPException(404, detail={"title": str(e.args[0])}) from None
    return {"ran": ran, **_json(statement)}


@router.get("/annual/{region}/{year}", summary="An annual clearing statement")
async def annual_statement(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100),
                           format: str = Format, table: Literal["hospitals", "pools", "lines"] | None = None):
    return _render(await _stored(request, "annual", region, str(year)), format, table, f"annual-{region}-{year}")


@router.post("/cross-region/{month}", summary="Run two-level cross-region clearing for the province")
async def cross_region(request: Request, month: str = Month) -> dict:
    async with _transaction(request) as tx:
        statement, ran = await clearing_runs.run_cross_region(tx, month)
    return {"ran": ran, **_json(statement)}


@router.get("/cross-region/{month}", summary="Remittances per insured region, payments per treatment region")
async def cross_region_statement(request: Request, month: str = Month, format: str = Format,
                                 table: Literal["remittances", "payments", "lines"] | None = None):
    return _render(await _stored(request, "cross-region", "province", month), format, table, f"cross-region-{month}")


class RecoveryBody(BaseModel):
    recovery_id: str = Field(min_length=1, description="the supervision case's reference; posting it twice changes nothing")
    treatment_region: str = Field(pattern=r"^\d{6}$")
    insured_region: str = Field(pattern=r"^\d{6}$")
    amount: Decimal = Field(gt=0, decimal_places=2)
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


@router.post("/recovered", summary="Split recovered funds 40/40/20 (treatment, insured, province) and post them")
async def recovered(body: RecoveryBody, request: Request) -> dict:
    async with _transaction(request) as tx:
        result = await post_recovered(tx, request.app.state.config.current.policy.recovered_split,
                                      Recovery(**body.model_dump()))
    shares = result.shares
    return {"recovery_id": body.recovery_id, "posted": result.posted, "amount": str(shares.amount),
            "treatment_region": str(shares.treatment_region), "insured_region": str(shares.insured_region),
            "province": str(shares.province), "entry_id": result.entry_id}
