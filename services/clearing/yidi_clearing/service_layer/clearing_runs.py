"""Clearing runs: load the period's cases, apply the domain formulas, store the statement and post it.

Each run is stored once per (kind, book, period), the book being the region it clears or `province`:
running it again returns the stored statement and changes nothing.
"""
from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import ANNUAL_CLEARED
from yidi_common.events.v1 import AnnualCleared, PoolClearingResult
from yidi_common.regional_config import PoolKey, ProvinceConfig
from yidi_common.unit_of_work import Transaction

from ..domain.annual import HospitalAdjustments, PoolClearing, annual_clearing
from ..domain.cases import ClearingCases
from ..domain.cross_region import cross_region_statements
from ..domain.deductions import per_hospital
from ..domain.ledger import annual_entry, cross_region_entry, monthly_entry
from ..domain.monthly import monthly_presettlement
from .repository import ClearingRepository

ZERO = Decimal("0.00")
PROVINCE = "province"


async def run_monthly(tx: Transaction[ClearingRepository], config: ProvinceConfig, region: str,
                      month: str) -> tuple[dict, bool]:
    stored = await tx.repo.stored_run("monthly", region, month)
    if stored is not None:
        return stored, False
    cases = await tx.repo.cases(treatment_region=region, period=month)
    deductions = await tx.repo.deductions(treatment_region=region, month=month)
    lines = monthly_presettlement(config, cases, month, per_hospital(deductions))
    applied = [d.flag_id for d in deductions]
    statement = {"kind": "monthly", "region": region, "month": month, "lines": [_plain(l) for l in lines],
                 "totals": _totals(lines, ("cases", "fund_due", "deductions", "payable", "withheld", "paid")),
                 "deductions_applied": applied}
    if await tx.repo.store_run("monthly", region, month, statement):
        await tx.repo.mark_deductions_applied(applied, month)
        await tx.repo.post([monthly_entry(region, month, lines)])
    return statement, True


async def run_annual(tx: Transaction[ClearingRepository], config: ProvinceConfig, region: str,
                     year: int) -> tuple[dict, bool]:
    stored = await tx.repo.stored_run("annual", region, str(year))
    if stored is not None:
        return stored, False
    cases = ClearingCases.of(await tx.repo.cases(treatment_region=region, year=year))
    deducted = per_hospital(await tx.repo.deductions(treatment_region=region, year=year))
    paid = await _paid_monthly(tx.repo, region, year)
    adjustments = {hospital: HospitalAdjustments(deductions=deducted.get(hospital, ZERO),
                                                 paid_monthly=paid.get(hospital, ZERO))
                   for hospital in deducted.keys() | paid.keys()}
    result = annual_clearing(cases, config, adjustments)
    statement = {"kind": "annual", "region": region, "year": year,
                 "pools": [_plain(p) for p in result.pools], "lines": [_plain(l) for l in result.lines],
                 "hospitals": [_plain(h) for h in result.hospitals],
                 "totals": _totals(result.hospitals, ("fund_due_final", "overrun_paid", "deductions",
                                                      "paid_monthly", "balance"))}
    if await tx.repo.store_run("annual", region, str(year), statement):
        await tx.repo.post([annual_entry(region, str(year), result.lines, result.hospitals)])
        tx.emit(_annual_cleared(region, year, result.pools))
    return statement, True


async def run_cross_region(tx: Transaction[ClearingRepository], month: str) -> tuple[dict, bool]:
    stored = await tx.repo.stored_run("cross-region", PROVINCE, month)
    if stored is not None:
        return stored, False
    clearing = cross_region_statements(await tx.repo.cases(period=month), await tx.repo.deductions(month=month))
    statement = {"kind": "cross-region", "month": month, "lines": [_plain(l) for l in clearing.lines],
                 "remittances": [_plain(r) for r in clearing.remittances],
                 "payments": [_plain(p) for p in clearing.payments], "total": clearing.total}
    if await tx.repo.store_run("cross-region", PROVINCE, month, statement):
        await tx.repo.post([cross_region_entry(month, clearing)])
    return statement, True


async def _paid_monthly(repo: ClearingRepository, region: str, year: int) -> dict[str, Decimal]:
    """Σ paid per hospital by the year's stored monthly runs."""
    paid: dict[str, Decimal] = {}
    for month in range(1, 13):
        run = await repo.stored_run("monthly", region, f"{year}-{month:02d}")
        for line in run["lines"] if run else ():
            paid[line["hospital"]] = paid.get(line["hospital"], ZERO) + Decimal(str(line["paid"]))
    return paid


def _annual_cleared(region: str, year: int, pools: list[PoolClearing]) -> Envelope:
    payload = AnnualCleared(region=region, year=year, pools=[
        PoolClearingResult(pool=p.pool.label, final_rate=p.final_rate, distributable=p.distributable,
                           fund_due_final=p.fund_due_final, residue=p.residue, reserve=p.reserve) for p in pools])
    return new_event(type=ANNUAL_CLEARED, source="/yidi/clearing", subject=f"{region}-{year}", payload=payload,
                     correlationid=f"annual-{region}-{year}",
                     event_id=deterministic_event_id(ANNUAL_CLEARED, region, str(year)))


def _plain(obj) -> dict:
    return {k: (v.label if isinstance(v, PoolKey) else v) for k, v in asdict(obj).items()}


def _totals(lines, fields: tuple[str, ...]) -> dict:
    return {f: sum((getattr(l, f) for l in lines), 0 if f == "cases" else ZERO) for f in fields}
