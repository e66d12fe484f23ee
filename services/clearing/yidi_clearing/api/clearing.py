"""Monthly pre-settlement, annual clearing and adjustments, two-level cross-region and cross-province
clearing, prepayments, advances and assessments (DOMAIN.md §7).

POST runs a clearing: what its stage has not settled, as a numbered supplementary run when the period
has one already; with nothing new it returns the last stored statement and changes nothing.
GET reads a statement (?run=n, default the last) as JSON, CSV (?format=csv&table=...) or XLSX.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError, field_validator

from yidi_common.auth import Principal, Role, authorize, forbid_out_of_scope
from yidi_common.config_api import configured_region_year
from yidi_common.regional_config import BudgetHistoryError
from yidi_common.unit_of_work import transaction

from ..adapters.repository import PostgresClearingRepository
from ..adapters.statements import read_assessments, to_csv, to_xlsx
from ..domain.guarantee import AssessmentMissing
from ..domain.year_statement import year_lines
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


async def _stored(request: Request, kind: str, book: str, period: str, run: int | None = None) -> dict:
    """The run numbered `run`, or the period's last run."""
    async with request.app.state.runtime.engine.connect() as conn:
        runs = await PostgresClearingRepository(conn).stored_runs(kind, book, period)
    if not runs or (run is not None and run >= len(runs)):
        raise HTTPException(404, detail={"title": f"no {kind} run {'' if run is None else run} for {book} {period}"})
    return runs[-1 if run is None else run]


Format = Query("json", pattern="^(json|csv|xlsx)$")


def _within(statement: dict, caller: Principal) -> dict:
    """A province-wide statement cut to a bureau's region: its lines (as insured or treatment region),
    its remittance and its payment; the province-wide total is left out."""
    if caller.province_wide:
        return statement
    region = caller.region
    return {**statement, "total": None,
            "lines": [l for l in statement["lines"] if region in (l["insured_region"], l["treatment_region"])],
            "remittances": [r for r in statement["remittances"] if r["region"] == region],
            "payments": [p for p in statement["payments"] if p["region"] == region],
            "advances_offset": {r: a for r, a in (statement.get("advances_offset") or {}).items() if r == region}}


def _answer(result: clearing_runs.RunResult) -> dict:
    return {"ran": result.ran, **_json(result.statement)}


async def _run(request: Request, use_case, *args) -> dict:
    config = request.app.state.config.current
    try:
        async with _transaction(request) as tx:
            return _answer(await use_case(tx, config, *args))
    except clearing_runs.YearClosed as e:
        raise HTTPException(409, detail={"title": str(e)}) from None
    except AssessmentMissing as e:
        raise HTTPException(409, detail={"title": str(e), "hospitals": e.hospitals,
                                         "fix": "POST /v1/clearing/assessments/{region}/{year} or add the region's "
                                                "assessments CSV to the configuration"}) from None
    except (clearing_runs.NothingToDo, BudgetHistoryError) as e:
        raise HTTPException(409, detail={"title": str(e)}) from None
    except KeyError as e:
        raise HTTPException(404, detail={"title": str(e.args[0])}) from None


@router.post("/monthly/{region}/{month}", summary="Run monthly pre-settlement for a treatment region")
async def monthly(request: Request, region: str = Region, month: str = Month,
        caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE))) -> dict:
    """Settles every claim version of the region's year up to the month that no monthly run settled. Run
    again after late lists or corrections: a numbered supplementary run for the difference."""
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    configured_region_year(request, region, int(month[:4]))
    return await _run(request, clearing_runs.run_monthly, region, month)


@router.get("/monthly/{region}/{month}", summary="A monthly pre-settlement statement")
async def monthly_statement(request: Request, region: str = Region, month: str = Month, format: str = Format,
                            table: Literal["lines", "periods"] | None = None, run: int | None = Query(None, ge=0),
                            caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))):
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    return _render(await _stored(request, "monthly", region, month, run), format, table, f"monthly-{region}-{month}")


@router.post("/annual/{region}/{year}", summary="Run annual clearing with final rates, deductions and overrun sharing")
async def annual(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100),
        caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE))) -> dict:
    """The first run clears the year; later runs are annual adjustments for what it has not settled."""
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    configured_region_year(request, region, year)
    await _assessments_from_configuration(request, region, year)
    return await _run(request, clearing_runs.run_annual, region, year)


@router.get("/annual/{region}/{year}", summary="An annual clearing statement (run 0) or an adjustment (run ≥ 1)")
async def annual_statement(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100),
                           format: str = Format, table: Literal["hospitals", "pools", "lines"] | None = None,
                           run: int | None = Query(None, ge=0),
                           caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))):
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    return _render(await _stored(request, "annual", region, str(year), 0 if run is None else run), format, table,
                   f"annual-{region}-{year}")


@router.post("/cross-region/{month}", summary="Run two-level cross-region clearing for the province")
async def cross_region(request: Request, month: str = Month,
        _: Principal = Depends(authorize(Role.PROVINCE))) -> dict:
    return await _run(request, clearing_runs.run_cross_region, month)


@router.get("/cross-region/{month}", summary="Remittances per insured region, payments per treatment region")
async def cross_region_statement(request: Request, month: str = Month, format: str = Format,
                                 table: Literal["remittances", "payments", "lines"] | None = None,
                                 run: int | None = Query(None, ge=0),
                                 caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))):
    """A bureau sees the lines, remittance and payment of its own region."""
    return _render(_within(await _stored(request, "cross-region", "province", month, run), caller), format, table,
                   f"cross-region-{month}")


@router.post("/cross-province/{month}", summary="Settle cross-province claims' receivable through the national platform")
async def cross_province(request: Request, month: str = Month,
        _: Principal = Depends(authorize(Role.PROVINCE))) -> dict:
    return await _run(request, clearing_runs.run_cross_province, month)


@router.get("/cross-province/{month}", summary="Cross-province claims per insured and treatment region")
async def cross_province_statement(request: Request, month: str = Month, format: str = Format,
                                   table: Literal["remittances", "payments", "lines"] | None = None,
                                   run: int | None = Query(None, ge=0),
                                   caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))):
    """A bureau sees the lines, remittance and payment of its own region."""
    return _render(_within(await _stored(request, "cross-province", "province", month, run), caller), format, table,
                   f"cross-province-{month}")


@router.get("/year/{region}/{year}", summary="Each hospital's year run by run, reconciling line by line")
async def year_statement(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100),
                         format: str = Format,
                         caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))):
    """One line per hospital and run (prepayment, monthly and supplementary runs, annual, adjustments) with
    paid = fund_due + per_item + overrun + released − deductions − withheld + prepayment, and a total per
    hospital (yidi_clearing.domain.year_statement)."""
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    async with request.app.state.runtime.engine.connect() as conn:
        repo = PostgresClearingRepository(conn)
        prepayment = await repo.stored_runs("prepayment", region, str(year))
        lines = year_lines(prepayment[0] if prepayment else None, await repo.statements("monthly", region, year),
                           await repo.stored_runs("annual", region, str(year)))
    statement = _json({"kind": "year", "region": region, "year": year, "lines": lines})
    return _render(statement, format, None, f"year-{region}-{year}")


class AmountsBody(BaseModel):
    amounts: dict[str, Decimal] | None = Field(
        None, description="per hospital (prepayment) or insured region (advance); omitted: computed by the policy")

    @field_validator("amounts")
    @classmethod
    def _in_fen(cls, amounts: dict[str, Decimal] | None) -> dict[str, Decimal] | None:
        bad = [k for k, v in (amounts or {}).items() if v < 0 or v != v.quantize(Decimal("0.01"))]
        if bad:
            raise ValueError(f"amounts must be non-negative and in fen: {', '.join(bad)}")
        return amounts


@router.post("/prepayments/{region}/{year}", summary="Year-start prepayment to the region's hospitals (预拨周转金)")
async def prepayment(request: Request, body: AmountsBody | None = None, region: str = Region,
                     year: int = Path(ge=2000, le=2100),
        caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE))) -> dict:
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    configured_region_year(request, region, year)
    return await _run(request, clearing_runs.run_prepayment, region, year, body.amounts if body else None)


@router.get("/prepayments/{region}/{year}", summary="A year's prepayments")
async def prepayment_statement(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100),
        caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> dict:
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    return await _stored(request, "prepayment", region, str(year), 0)


@router.post("/advances/{year}", summary="Insured regions' advances to the province (上解预付金)")
async def advance(request: Request, body: AmountsBody | None = None, year: int = Path(ge=2000, le=2100),
        _: Principal = Depends(authorize(Role.PROVINCE))) -> dict:
    return await _run(request, clearing_runs.run_advance, year, body.amounts if body else None)


@router.get("/advances/{year}", summary="A year's advances")
async def advance_statement(request: Request, year: int = Path(ge=2000, le=2100),
                            caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> dict:
    """A bureau sees its own region's advance."""
    statement = await _stored(request, "advance", "province", str(year), 0)
    if caller.province_wide:
        return statement
    mine = {r: a for r, a in statement["amounts"].items() if r == caller.region}
    return {**statement, "amounts": mine, "total": sum((Decimal(str(a)) for a in mine.values()), Decimal("0.00"))}


class AssessmentsBody(BaseModel):
    results: dict[str, Decimal] = Field(description="assessment score 0-100 per hospital code", min_length=1)

    @field_validator("results")
    @classmethod
    def _scores(cls, results: dict[str, Decimal]) -> dict[str, Decimal]:
        bad = [h for h, s in results.items() if not 0 <= s <= 100]
        if bad:
            raise ValueError(f"scores must lie in 0-100: {', '.join(bad)}")
        return results


@router.post("/assessments/{region}/{year}", summary="Hospitals' annual assessment results (考核评价), JSON or CSV")
async def assessments(request: Request, region: str = Region, year: int = Path(ge=2000, le=2100),
        caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE))) -> dict:
    """JSON `{"results": {"<hospital>": score}}`, or text/csv with columns hospital_code, score."""
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    configured_region_year(request, region, year)
    if request.headers.get("content-type", "").startswith("text/csv"):
        try:
            scores, source = read_assessments((await request.body()).decode("utf-8-sig")), "csv upload"
        except ValueError as e:
            raise HTTPException(422, detail=[{"loc": ["body"], "msg": str(e), "type": "value_error"}]) from None
    else:
        try:
            scores, source = AssessmentsBody.model_validate_json(await request.body()).results, "api"
        except ValidationError as e:
            raise HTTPException(422, detail=e.errors(include_url=False, include_context=False, include_input=False)) from None
    try:
        async with _transaction(request) as tx:
            return await clearing_runs.record_assessments(tx, request.app.state.config.current, region, year,
                                                          scores, source)
    except clearing_runs.YearClosed as e:
        raise HTTPException(409, detail={"title": str(e)}) from None
    except KeyError as e:
        raise HTTPException(422, detail=[{"loc": ["body", "results"], "msg": str(e.args[0]),
                                          "type": "value_error"}]) from None


async def _assessments_from_configuration(request: Request, region: str, year: int) -> None:
    """The configuration's `assessments/<region>-<year>.csv`, when there is one, for hospitals without a result."""
    config = request.app.state.config.current
    path = config.source_dir / "assessments" / f"{region}-{year}.csv"
    if not path.is_file():
        return
    scores = read_assessments(path.read_text(encoding="utf-8-sig"))
    async with _transaction(request) as tx:
        known = await tx.repo.assessments(region, year)
        missing = {h: s for h, s in scores.items() if h not in known}
        if missing and not await tx.repo.stored_runs("annual", region, str(year)):
            await clearing_runs.record_assessments(tx, config, region, year, missing, str(path))


class RecoveryBody(BaseModel):
    recovery_id: str = Field(min_length=1, description="the supervision case's reference; posting it twice changes nothing")
    treatment_region: str = Field(pattern=r"^\d{6}$")
    insured_region: str = Field(pattern=r"^\d{6}$")
    amount: Decimal = Field(gt=0, lt=Decimal("1E16"), decimal_places=2)  # numeric(18,2)
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


@router.post("/recovered", summary="Split recovered funds 40/40/20 (treatment, insured, province) and post them")
async def recovered(body: RecoveryBody, request: Request,
        _: Principal = Depends(authorize(Role.PROVINCE))) -> dict:
    async with _transaction(request) as tx:
        result = await post_recovered(tx, request.app.state.config.current.policy.recovered_split,
                                      Recovery(**body.model_dump()))
    shares = result.shares
    return {"recovery_id": body.recovery_id, "posted": result.posted, "amount": str(shares.amount),
            "treatment_region": str(shares.treatment_region), "insured_region": str(shares.insured_region),
            "province": str(shares.province), "entry_id": result.entry_id}
