"""GET /v1/indicators (JSON or CSV), /v1/indicators/series and /v1/indicators/coverage."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from yidi_common.auth import Principal, Role, authorize, forbid_out_of_scope
from yidi_common.unit_of_work import transaction

from ..adapters.repository import PostgresReportsRepository
from ..domain.disclosure import suppressed
from ..domain.indicators import SERIES_METRICS, Indicators
from ..domain.periods import InvalidPeriod, Period
from ..service_layer import indicators as use_cases
from .scope import hospital_region, indicator_scope, problems

router = APIRouter(tags=["indicators"])

FIELDS = ("period", "level", "region", "hospital", "group", "origin", "cases", "persons", "person_time_ratio",
          "avg_cost", "grouping_rate", "cmi", "time_index", "cost_index", "self_pay_share", "readmission_15d",
          "outlier_share", "special_case_share", "flags", "deductions_amount")
REGION = r"^\d{6}$"


def _text(value):
    return str(value) if isinstance(value, Decimal) else value


def item(row: Indicators) -> dict:
    """One row as the API answers it: Decimals as strings, hospital and group only where the level has them."""
    out = {name: _text(getattr(row, name)) for name in FIELDS}
    if row.level != "hospital" and row.hospital is None:
        out.pop("hospital")
    if row.level != "group":
        out.pop("group")
    return out


def _period(text: str, field: str = "period") -> Period:
    try:
        return Period.parse(text)
    except InvalidPeriod as e:
        raise problems(422, [{"field": field, "rule": "period", "message": str(e)}]) from None


@router.get("/v1/indicators", summary="Indicators per hospital, region or group and period, local and cross-region")
async def list_indicators(
        request: Request,
        level: Literal["hospital", "region", "group"] = "hospital",
        period: str = Query(..., description="2026-03, 2026-Q1 or 2026", max_length=10),
        region: str | None = Query(None, pattern=REGION, description="treatment region"),
        hospital: str | None = Query(None, max_length=30),
        insured_region: str | None = Query(None, pattern=REGION, description="only claims of people insured here"),
        format: Literal["json", "csv"] = "json",
        caller: Principal = Depends(authorize(Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> Response:
    """Formulas: domain/indicators.py and the README. A hospital sees its own rows (hospital and group levels),
    a bureau its region's (or, with insured_region = its own, its people's treated elsewhere), the province
    and analysts every region's, analysts without the figures of rows of fewer than REPORTS_ANALYST_MIN_CELL
    cases (domain/disclosure.py)."""
    wanted = _period(period)
    region, hospital, insured_region = indicator_scope(caller, region, hospital, insured_region, level)
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        rows = await use_cases.indicator_rows(tx, level=level, period=wanted, regions=(region,) if region else None,
                                              hospital=hospital, insured_region=insured_region,
                                              norms=request.app.state.group_norms)
    items = _as_seen_by(caller, request, [item(r) for r in rows])
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=FIELDS + ("suppressed",) * (caller.role is Role.ANALYST),
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(items)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="indicators-{level}-{wanted.label}.csv"'})
    return Response(_json({"items": items}), media_type="application/json")


@router.get("/v1/indicators/series", summary="Monthly points of CMI or a consumption index, local and cross-region")
async def indicator_series(
        request: Request,
        metric: Literal["cmi", "time_index", "cost_index"] = "cmi",
        region: str | None = Query(None, pattern=REGION),
        hospital: str | None = Query(None, max_length=30),
        first: str = Query(..., alias="from", max_length=7, description="yyyy-mm"),
        last: str = Query(..., alias="to", max_length=7, description="yyyy-mm"),
        caller: Principal = Depends(authorize(Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> Response:
    """For charts: one point per month and origin. A hospital gets its own series, a bureau its region's."""
    assert metric in SERIES_METRICS
    start, stop = _period(first, "from"), _period(last, "to")
    if start.months != 1 or stop.months != 1 or stop < start or (stop.year - start.year) > 5:
        raise problems(422, [{"field": "from", "rule": "month-range",
                              "message": "from and to are months (yyyy-mm), from ≤ to, at most five years apart"}])
    if caller.role is Role.HOSPITAL:
        forbid_out_of_scope(hospital in (None, caller.hospital), f"hospital {hospital}'s indicators")
        hospital = caller.hospital
        region = hospital_region(request, hospital) or region
    elif caller.role is Role.BUREAU:
        forbid_out_of_scope(region in (None, caller.region), f"region {region}'s indicators")
        region = caller.region
    if region is None:
        raise problems(422, [{"field": "region", "rule": "required", "message": "region is required"}])
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        points = await use_cases.series(tx, region=region, hospital=hospital, metric=metric, first=start.label,
                                        last=stop.label, norms=request.app.state.group_norms)
    return Response(_json({"region": region, "hospital": hospital, "metric": metric,
                           "points": _as_seen_by(caller, request, [{k: _text(v) for k, v in p.items()} for p in points])}),
                    media_type="application/json")


@router.get("/v1/indicators/coverage", summary="Seed 000 五(二) coverage: pools, hospitals, groups, fund")
async def indicator_coverage(
        request: Request,
        year: int = Query(..., ge=2000, le=2100),
        region: str | None = Query(None, pattern=r"^(\d{6}|all)$", description="a region, or all (the province)"),
        caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> Response:
    """A bureau sees its own region's coverage; the province and analysts any region's or the province's."""
    if caller.role is Role.BUREAU:
        forbid_out_of_scope(region in (None, caller.region), f"region {region}'s coverage")
        region = caller.region
    region = region or "all"
    config = request.app.state.config.current
    known = {ry.region for ry in config.region_years.values()}
    configured = {ry.region for ry in config.region_years.values() if ry.year == year}
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        found = await use_cases.coverage_of(tx, region=region, year=year, configured_regions=configured,
                                            known_regions=known)
    return Response(_json({"region": found.region, "year": found.year, "pools": _text(found.pools),
                           "hospitals": _text(found.hospitals), "groups": _text(found.groups),
                           "fund": _text(found.fund), "targets": {k: _text(v) for k, v in found.targets.items()},
                           "met": found.met}), media_type="application/json")


def _as_seen_by(caller: Principal, request: Request, rows: list[dict]) -> list[dict]:
    if caller.role is not Role.ANALYST:
        return rows
    return [suppressed(r, request.app.state.reports_settings.analyst_min_cell) for r in rows]


def _json(content: dict) -> bytes:
    import orjson

    return orjson.dumps(content, default=str)
