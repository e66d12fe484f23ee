"""Clearing runs: load the period's cases, apply the domain formulas, store the statement and post it.

Each run is stored once per (kind, scope, period): running it again returns the stored statement and
changes nothing.
"""
from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy.ext.asyncio import AsyncEngine

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import ANNUAL_CLEARED
from yidi_common.events.v1 import AnnualCleared, PoolClearingResult
from yidi_common.messaging import write_outbox
from yidi_common.regional_config import Origin, PoolKey, ProvinceConfig, Scheme
from yidi_common.settlement_list import InsuranceType
from yidi_pricing.domain import CaseInputs

from ..adapters import cases_repository as repo
from ..adapters import ledger_repository as ledger
from ..domain.annual import HospitalAdjustments, annual_clearing
from ..domain.cases import ClearingCases, fen
from ..domain.cross_region import ConfirmedDeduction, cross_region_statements
from ..domain.ledger import annual_entry, cross_region_entry, monthly_entry
from ..domain.monthly import monthly_presettlement

ZERO = Decimal("0.00")


def pool_key(label: str) -> PoolKey:
    region, year, scheme, insutype, origin = label.split("-")
    return PoolKey(region=region, year=int(year), scheme=Scheme(scheme),
                   insutype=None if insutype == "all" else InsuranceType(insutype),
                   origin=None if origin == "all" else Origin(origin))


def _inputs(row) -> CaseInputs:
    return CaseInputs(setl_id=row.setl_id, hospital_code=row.hospital_code, treatment_region=row.treat_admdvs,
                      insured_region=row.insu_admdvs, year=row.year, insutype=InsuranceType(row.insutype),
                      total_cost=row.total_cost, basic_fund_payment=row.basic_fund, other_fund_payments=row.other_funds,
                      cross_province=row.cross_province, settlement_month=row.period)


def _priced_view(row):
    """What monthly pre-settlement reads of a priced case."""
    return SimpleNamespace(pool=row.pool, fund_due=row.fund_due,
                           inputs=SimpleNamespace(settlement_month=row.period, hospital_code=row.hospital_code))


def _plain(obj) -> dict:
    d = asdict(obj)
    return {k: (v.label if isinstance(v, PoolKey) else v) for k, v in d.items()}


async def run_monthly(engine: AsyncEngine, config: ProvinceConfig, region: str, month: str) -> tuple[dict, bool]:
    async with engine.begin() as conn:
        stored = await repo.stored_run(conn, "monthly", region, month)
        if stored is not None:
            return stored, False
        rows = await repo.cases(conn, treat=region, period=month)
        found = await repo.deductions(conn, treat=region, month=month)
        per_hospital: dict[str, Decimal] = {}
        for d in found:
            per_hospital[d.hospital_code] = per_hospital.get(d.hospital_code, ZERO) + d.amount
        lines = monthly_presettlement(config, [_priced_view(r) for r in rows], month, per_hospital)
        statement = {"kind": "monthly", "region": region, "month": month, "lines": [_plain(l) for l in lines],
                     "totals": _totals(lines, ("cases", "fund_due", "deductions", "payable", "withheld", "paid")),
                     "deductions_applied": [d.flag_id for d in found]}
        if await repo.store_run(conn, "monthly", region, month, statement):
            await repo.mark_deductions_applied(conn, [d.flag_id for d in found], month)
            await ledger.post(conn, [monthly_entry(region, month, lines)])
    return statement, True


async def run_annual(engine: AsyncEngine, config: ProvinceConfig, region: str, year: int) -> tuple[dict, bool]:
    async with engine.begin() as conn:
        stored = await repo.stored_run(conn, "annual", region, str(year))
        if stored is not None:
            return stored, False
        rows = await repo.cases(conn, treat=region, year=year)
        columns = ClearingCases()
        for r in rows:
            if r.pool is not None:
                columns.add(pool_key(r.pool), r.hospital_code, fen(r.total_cost), fen(r.basic_fund), fen(r.payment),
                            fen(r.fund_due), r.payment_exact)
        adjustments: dict[str, list[Decimal]] = {}
        for d in await repo.deductions(conn, treat=region, year=year):
            adjustments.setdefault(d.hospital_code, [ZERO, ZERO])[0] += d.amount
        for run in await _monthly_runs(conn, region, year):
            for line in run["lines"]:
                adjustments.setdefault(line["hospital"], [ZERO, ZERO])[1] += Decimal(str(line["paid"]))
        result = annual_clearing(columns, config, {h: HospitalAdjustments(deductions=a[0], paid_monthly=a[1])
                                                   for h, a in adjustments.items()})
        statement = {"kind": "annual", "region": region, "year": year,
                     "pools": [_plain(p) for p in result.pools], "lines": [_plain(l) for l in result.lines],
                     "hospitals": [_plain(h) for h in result.hospitals],
                     "totals": _totals(result.hospitals, ("fund_due_final", "overrun_paid", "deductions",
                                                          "paid_monthly", "balance"))}
        if await repo.store_run(conn, "annual", region, str(year), statement):
            await ledger.post(conn, [annual_entry(region, str(year), result.lines, result.hospitals)])
            await write_outbox(conn, [_annual_cleared(region, year, result.pools)])
    return statement, True


async def run_cross_region(engine: AsyncEngine, month: str) -> tuple[dict, bool]:
    async with engine.begin() as conn:
        stored = await repo.stored_run(conn, "cross-region", "province", month)
        if stored is not None:
            return stored, False
        rows = await repo.cases(conn, period=month)
        found = await repo.deductions(conn, month=month)
        clearing = cross_region_statements(
            [_inputs(r) for r in rows],
            [ConfirmedDeduction(d.setl_id, d.insu_admdvs, d.treat_admdvs, d.amount) for d in found],
        )
        statement = {"kind": "cross-region", "month": month, "lines": [_plain(l) for l in clearing.lines],
                     "remittances": [_plain(r) for r in clearing.remittances],
                     "payments": [_plain(p) for p in clearing.payments], "total": clearing.total}
        if await repo.store_run(conn, "cross-region", "province", month, statement):
            await ledger.post(conn, [cross_region_entry(month, clearing)])
    return statement, True


def _annual_cleared(region: str, year: int, pools) -> Envelope:
    payload = AnnualCleared(region=region, year=year, pools=[
        PoolClearingResult(pool=p.pool.label, final_rate=p.final_rate, distributable=p.distributable,
                           fund_due_final=p.fund_due_final, residue=p.residue, reserve=p.reserve) for p in pools])
    return new_event(type=ANNUAL_CLEARED, source="/yidi/clearing", subject=f"{region}-{year}", payload=payload,
                     correlationid=f"annual-{region}-{year}", event_id=deterministic_event_id(ANNUAL_CLEARED, region, str(year)))


async def _monthly_runs(conn, region: str, year: int) -> list[dict]:
    out = []
    for m in range(1, 13):
        run = await repo.stored_run(conn, "monthly", region, f"{year}-{m:02d}")
        if run:
            out.append(run)
    return out


def _totals(lines, fields: tuple[str, ...]) -> dict:
    return {f: sum((getattr(l, f) for l in lines), 0 if f == "cases" else ZERO) for f in fields}
