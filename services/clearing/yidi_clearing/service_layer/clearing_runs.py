"""Clearing runs: take what their stage has not settled, apply the domain formulas, store the statement,
record each claim version settled and post the entry.

A period's first run is numbered 0; running a stored period again with claims or deductions it has not
settled makes a supplementary run (1, 2, …) for the difference, with its own statement and entry; with
nothing new it returns the last stored statement and changes nothing. Once a region's year is cleared,
its monthly runs are closed and late lists, corrections and deductions of that year are settled by
annual adjustments (POST the annual run again).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from yidi_common.claims import ClaimScope, claim_scope
from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import ANNUAL_CLEARED
from yidi_common.events.v1 import AnnualCleared, PoolClearingResult
from yidi_common.money import to_fen
from yidi_common.regional_config import PoolKey, ProvinceConfig
from yidi_common.unit_of_work import Transaction

from ..domain.adjustment import annual_adjustment
from ..domain.annual import HospitalAdjustments, PoolClearing, annual_clearing
from ..domain.cases import ClearingCases, yuan
from ..domain.cross_region import cross_region_statements
from ..domain.deductions import ConfirmedDeduction, per_hospital
from ..domain.guarantee import AssessmentMissing, release_share
from ..domain.ledger import (
    advance_entry,
    annual_adjustment_entry,
    annual_entry,
    cross_province_entry,
    cross_region_entry,
    monthly_entry,
    prepayment_entry,
)
from ..domain.monthly import monthly_presettlement
from ..domain.settlement import Settled, Stage, stage_amounts, unsettled
from ..domain.year_statement import paid_per_hospital, year_lines
from .repository import ClearingRepository

ZERO = Decimal("0.00")
PROVINCE = "province"


class YearClosed(Exception):
    """A monthly run of a year whose annual clearing is stored."""


class NothingToDo(Exception):
    """A prepayment or advance with no basis: the message says what is missing."""


@dataclass(frozen=True, slots=True)
class RunResult:
    statement: dict
    ran: bool


def run_key(kind: str, book: str, period: str, seq: int) -> str:
    return f"{kind}/{book}/{period}#{seq}"


async def _latest(tx: Transaction[ClearingRepository], kind: str, book: str, period: str) -> tuple[int, dict | None]:
    runs = await tx.repo.stored_runs(kind, book, period)
    return len(runs), (runs[-1] if runs else None)


# ---------------------------------------------------------------- monthly


async def run_monthly(tx: Transaction[ClearingRepository], config: ProvinceConfig, region: str,
                      month: str) -> RunResult:
    year = int(month[:4])
    seq, last = await _latest(tx, "monthly", region, month)
    if await tx.repo.stored_runs("annual", region, str(year)):
        if last is not None:
            return RunResult(last, False)
        raise YearClosed(f"{region}'s {year} is cleared: settle late lists and corrections by an annual adjustment")
    cases = await tx.repo.cases(treatment_region=region, year=year, until=month)
    settled = await tx.repo.settled(Stage.MONTHLY, year=year, treatment_region=region)
    differences = unsettled(Stage.MONTHLY, cases, settled)
    deductions = [d for d in await tx.repo.deductions(treatment_region=region, year=year, unapplied="settlement")
                  if d.period <= month]
    if last is not None and not differences and not deductions:
        return RunResult(last, False)
    key = run_key("monthly", region, month, seq)
    result = monthly_presettlement(config, region, month, differences, per_hospital(deductions), key)
    statement = {"kind": "monthly", "region": region, "month": month, "run": seq,
                 "supplementary": seq > 0, "lines": [_plain(l) for l in result.lines],
                 "periods": [_plain(p) for p in result.periods],
                 "totals": _totals(result.lines, ("cases", "corrections", "fund_due", "per_item", "deductions",
                                                  "payable", "withheld", "paid")),
                 "deductions_applied": [d.flag_id for d in deductions]}
    if not await tx.repo.store_run("monthly", region, month, seq, statement):
        return RunResult((await tx.repo.stored_runs("monthly", region, month))[-1], False)
    await tx.repo.record_settled(result.settled)
    await tx.repo.mark_deductions([d.flag_id for d in deductions], "settlement", key)
    await tx.repo.post([monthly_entry(region, month, seq, result.lines)])
    return RunResult(statement, True)


# ---------------------------------------------------------------- annual


async def run_annual(tx: Transaction[ClearingRepository], config: ProvinceConfig, region: str, year: int) -> RunResult:
    seq, last = await _latest(tx, "annual", region, str(year))
    if last is not None:
        return await _annual_adjustment(tx, region, year, seq, last)
    cases = await tx.repo.cases(treatment_region=region, year=year)
    all_deductions = await tx.repo.deductions(treatment_region=region, year=year)
    unapplied = await tx.repo.deductions(treatment_region=region, year=year, unapplied="settlement")
    monthly = await tx.repo.statements("monthly", region, year)
    paid, withheld = _monthly_sums(monthly, "paid"), _monthly_sums(monthly, "withheld")
    prepaid = await _prepayments(tx.repo, region, year)
    amounts = {c.claim_id: stage_amounts(Stage.ANNUAL, c) for c in cases}  # (provisional FundDue, per item)
    per_item: dict[str, Decimal] = {}
    for case in cases:
        per_item[case.hospital_code] = per_item.get(case.hospital_code, ZERO) + amounts[case.claim_id][1]
    shares = await _release_shares(tx.repo, config, region, year, [h for h, w in withheld.items() if w])
    deducted = per_hospital(all_deductions)
    hospitals = deducted.keys() | paid.keys() | withheld.keys() | prepaid.keys() | per_item.keys()
    adjustments = {h: HospitalAdjustments(deductions=deducted.get(h, ZERO), paid_monthly=paid.get(h, ZERO),
                                          withheld=withheld.get(h, ZERO), release_share=shares.get(h, Decimal(1)),
                                          prepayment=prepaid.get(h, ZERO), per_item=per_item.get(h, ZERO))
                   for h in hospitals}
    pool_cases = [c for c in cases if c.pool is not None]
    result = annual_clearing(ClearingCases.of(pool_cases), config, adjustments,
                             await _clearing_totals(tx.repo, region, range(year - 3, year)))
    key = run_key("annual", region, str(year), 0)
    final = dict(zip((c.claim_id for c in pool_cases), result.fund_due_final_fen))
    settled = [Settled(Stage.ANNUAL, c.claim_id, c.version, key, c.period, c.hospital_code, c.treatment_region,
                       c.insured_region, yuan(final[c.claim_id]) if c.pool is not None else ZERO,
                       amounts[c.claim_id][1], amounts[c.claim_id][0], c.pool) for c in cases]
    statement = {"kind": "annual", "region": region, "year": year, "run": 0,
                 "pools": [_plain(p) for p in result.pools], "lines": [_plain(l) for l in result.lines],
                 "hospitals": [{**_plain(h), "paid_over_year": h.paid_over_year} for h in result.hospitals],
                 "assessment_shares": {h: str(s) for h, s in sorted(shares.items())},
                 "totals": _totals(result.hospitals, ("fund_due_final", "per_item", "overrun_paid", "deductions",
                                                      "withheld", "released", "forfeited", "prepayment",
                                                      "paid_monthly", "balance")),
                 "deductions_applied": [d.flag_id for d in unapplied]}
    if not await tx.repo.store_run("annual", region, str(year), 0, statement):
        return RunResult((await tx.repo.stored_runs("annual", region, str(year)))[-1], False)
    await tx.repo.record_settled(settled)
    await tx.repo.mark_deductions([d.flag_id for d in unapplied], "settlement", key)
    await tx.repo.post([annual_entry(region, str(year), result.lines, result.hospitals, per_hospital(unapplied))])
    tx.emit(_annual_cleared(region, year, result.pools))
    return RunResult(statement, True)


async def _annual_adjustment(tx: Transaction[ClearingRepository], region: str, year: int, seq: int,
                             last: dict) -> RunResult:
    cases = await tx.repo.cases(treatment_region=region, year=year)
    settled = await tx.repo.settled(Stage.ANNUAL, year=year, treatment_region=region)
    differences = unsettled(Stage.ANNUAL, cases, settled)
    deductions = await tx.repo.deductions(treatment_region=region, year=year, unapplied="settlement")
    if not differences and not deductions:
        return RunResult(last, False)
    first = (await tx.repo.stored_runs("annual", region, str(year)))[0]
    rates = {p["pool"]: (Decimal(str(p["provisional_rate"])),
                         None if p["final_rate"] is None else Decimal(str(p["final_rate"]))) for p in first["pools"]}
    key = run_key("annual", region, str(year), seq)
    result = annual_adjustment(differences, rates, per_hospital(deductions), key)
    statement = {"kind": "annual-adjustment", "region": region, "year": year, "run": seq, "supplementary": True,
                 "lines": [_plain(l) for l in result.lines],
                 "totals": _totals(result.lines, ("cases", "fund_due_provisional", "fund_due_final", "per_item",
                                                  "deductions", "balance")),
                 "deductions_applied": [d.flag_id for d in deductions]}
    if not await tx.repo.store_run("annual", region, str(year), seq, statement):
        return RunResult((await tx.repo.stored_runs("annual", region, str(year)))[-1], False)
    await tx.repo.record_settled(result.settled)
    await tx.repo.mark_deductions([d.flag_id for d in deductions], "settlement", key)
    await tx.repo.post([annual_adjustment_entry(region, str(year), seq, result.lines)])
    return RunResult(statement, True)


async def _release_shares(repo: ClearingRepository, config: ProvinceConfig, region: str, year: int,
                          hospitals: list[str]) -> dict[str, Decimal]:
    policy = config.region_year(region, year).policy.guarantee_release
    scores = await repo.assessments(region, year)
    shares = {h: release_share(scores.get(h), policy) for h in hospitals}
    missing = sorted(h for h, share in shares.items() if share is None)
    if missing:
        raise AssessmentMissing(missing)
    return shares


# ---------------------------------------------------------------- cross-region and cross-province


async def run_cross_region(tx: Transaction[ClearingRepository], config: ProvinceConfig, month: str) -> RunResult:
    return await _interregional(tx, config, Stage.CROSS_REGION, month)


async def run_cross_province(tx: Transaction[ClearingRepository], config: ProvinceConfig, month: str) -> RunResult:
    return await _interregional(tx, config, Stage.CROSS_PROVINCE, month)


async def _interregional(tx: Transaction[ClearingRepository], config: ProvinceConfig, stage: Stage,
                         month: str) -> RunResult:
    kind = stage.value
    year = int(month[:4])
    seq, last = await _latest(tx, kind, PROVINCE, month)
    cases = await tx.repo.cases(year=year, until=month)
    settled = await tx.repo.settled(stage, year=year)
    differences = unsettled(stage, cases, settled)
    scope = ClaimScope.CROSS_REGION if stage is Stage.CROSS_REGION else ClaimScope.CROSS_PROVINCE
    deductions = [d for d in await tx.repo.deductions(year=year, unapplied="clearing")
                  if d.period <= month and claim_scope(insured_region=d.insured_region,
                                                       treatment_region=d.treatment_region) is scope]
    advances = await _advances_to_offset(tx.repo, year) if stage is Stage.CROSS_REGION and month[5:] == "12" else {}
    if last is not None and not differences and not deductions and not advances:
        return RunResult(last, False)
    key = run_key(kind, PROVINCE, month, seq)
    clearing = cross_region_statements(differences, deductions, stage, key)
    statement = {"kind": kind, "month": month, "run": seq, "supplementary": seq > 0,
                 "lines": [_plain(l) for l in clearing.lines], "remittances": [_plain(r) for r in clearing.remittances],
                 "payments": [_plain(p) for p in clearing.payments], "total": clearing.total,
                 "advances_offset": dict(sorted(advances.items())),
                 "deductions_applied": [d.flag_id for d in deductions]}
    if not await tx.repo.store_run(kind, PROVINCE, month, seq, statement):
        return RunResult((await tx.repo.stored_runs(kind, PROVINCE, month))[-1], False)
    await tx.repo.record_settled(clearing.settled)
    await tx.repo.mark_deductions([d.flag_id for d in deductions], "clearing", key)
    entry = (cross_region_entry(month, seq, clearing, deductions, advances) if stage is Stage.CROSS_REGION
             else cross_province_entry(month, seq, clearing, deductions))
    await tx.repo.post([entry])
    return RunResult(statement, True)


async def _advances_to_offset(repo: ClearingRepository, year: int) -> dict[str, Decimal]:
    """The year's advances no December run has offset yet."""
    advanced = await repo.stored_runs("advance", PROVINCE, str(year))
    if not advanced:
        return {}
    offset: dict[str, Decimal] = {}
    for run in await repo.stored_runs("cross-region", PROVINCE, f"{year}-12"):
        for region, amount in (run.get("advances_offset") or {}).items():
            offset[region] = offset.get(region, ZERO) + Decimal(str(amount))
    amounts = {r: Decimal(str(a)) for r, a in advanced[0]["amounts"].items()}
    return {r: a - offset.get(r, ZERO) for r, a in amounts.items() if a - offset.get(r, ZERO)}


# ---------------------------------------------------------------- prepayments and advances


async def run_prepayment(tx: Transaction[ClearingRepository], config: ProvinceConfig, region: str, year: int,
                         amounts: dict[str, Decimal] | None = None) -> RunResult:
    """Year-start prepayment per hospital: the amounts given, or policy.prepayment.months × the hospital's
    average monthly payment of the previous year as the system paid it (monthly runs and annual balance)."""
    if await tx.repo.stored_runs("annual", region, str(year)):
        raise YearClosed(f"{region}'s {year} is cleared: a prepayment now could never be offset")
    seq, last = await _latest(tx, "prepayment", region, str(year))
    if last is not None:
        return RunResult(last, False)
    basis = "given"
    if amounts is None:
        basis = f"{year - 1} payments"
        months = config.region_year(region, year).policy.prepayment.months
        paid = await _paid_in_year(tx.repo, region, year - 1)
        if not paid:
            raise NothingToDo(f"{region} has no cleared {year - 1} to base a prepayment on: give the amounts")
        amounts = {h: to_fen(p / 12 * months) for h, p in paid.items() if p > 0}
    amounts = {h: a for h, a in sorted(amounts.items()) if a}
    statement = {"kind": "prepayment", "region": region, "year": year, "run": 0, "basis": basis,
                 "amounts": amounts, "total": sum(amounts.values(), ZERO)}
    if not await tx.repo.store_run("prepayment", region, str(year), 0, statement):
        return RunResult((await tx.repo.stored_runs("prepayment", region, str(year)))[0], False)
    await tx.repo.post([prepayment_entry(region, year, amounts)])
    return RunResult(statement, True)


async def run_advance(tx: Transaction[ClearingRepository], config: ProvinceConfig, year: int,
                      amounts: dict[str, Decimal] | None = None) -> RunResult:
    """Each insured region's advance to the province: the amounts given, or policy.advance.share × its
    configured cross-region budget for the year."""
    seq, last = await _latest(tx, "advance", PROVINCE, str(year))
    if last is not None:
        return RunResult(last, False)
    basis = "given"
    if amounts is None:
        basis = "insured budgets"
        amounts = {b.region: to_fen(b.budget * config.policy.advance.share)
                   for b in config.insured_budgets.values() if b.year == year}
        if not amounts:
            raise NothingToDo(f"no insured region has a {year} cross-region budget configured: give the amounts")
    amounts = {r: a for r, a in sorted(amounts.items()) if a}
    statement = {"kind": "advance", "year": year, "run": 0, "basis": basis, "amounts": amounts,
                 "total": sum(amounts.values(), ZERO)}
    if not await tx.repo.store_run("advance", PROVINCE, str(year), 0, statement):
        return RunResult((await tx.repo.stored_runs("advance", PROVINCE, str(year)))[0], False)
    await tx.repo.post([advance_entry(year, amounts)])
    return RunResult(statement, True)


async def record_assessments(tx: Transaction[ClearingRepository], config: ProvinceConfig, region: str, year: int,
                             scores: dict[str, Decimal], source: str) -> dict:
    """Hospitals' assessment scores (0-100) for a year; a later result for a hospital replaces the earlier
    one until the annual run has used them."""
    if await tx.repo.stored_runs("annual", region, str(year)):
        raise YearClosed(f"{region}'s {year} is cleared: its assessment results are final")
    unknown = sorted(h for h in scores if h not in config.hospitals or config.hospitals[h].region != region)
    if unknown:
        raise KeyError(f"not a hospital of {region}: {', '.join(unknown)}")
    await tx.repo.store_assessments(region, year, scores, source)
    policy = config.region_year(region, year).policy.guarantee_release
    return {"region": region, "year": year, "results": [
        {"hospital": h, "score": str(s), "release_share": str(release_share(s, policy))} for h, s in sorted(scores.items())]}


# ---------------------------------------------------------------- helpers


def _monthly_sums(statements: list[dict], field: str) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for statement in statements:
        for line in statement["lines"]:
            sums[line["hospital"]] = sums.get(line["hospital"], ZERO) + Decimal(str(line[field]))
    return sums


async def _clearing_totals(repo: ClearingRepository, region: str, years: range) -> dict[str, Decimal]:
    """Per pool label of earlier cleared years: Σ FundDue final (adjustments included) + overrun paid."""
    totals: dict[str, Decimal] = {}
    for year in years:
        runs = await repo.stored_runs("annual", region, str(year))
        for pool in runs[0]["pools"] if runs else ():
            totals[pool["pool"]] = Decimal(str(pool["fund_due_final"])) + Decimal(str(pool["overrun_paid"]))
        for adjustment in runs[1:]:
            for line in adjustment["lines"]:
                if line["pool"] is not None:
                    totals[line["pool"]] = totals.get(line["pool"], ZERO) + Decimal(str(line["fund_due_final"]))
    return totals


async def _prepayments(repo: ClearingRepository, region: str, year: int) -> dict[str, Decimal]:
    runs = await repo.stored_runs("prepayment", region, str(year))
    return {h: Decimal(str(a)) for h, a in runs[0]["amounts"].items()} if runs else {}


async def _paid_in_year(repo: ClearingRepository, region: str, year: int) -> dict[str, Decimal]:
    """What the runs paid each hospital over a cleared year (prepayment, monthly, annual, adjustments)."""
    annual = await repo.stored_runs("annual", region, str(year))
    if not annual:
        return {}
    prepayment = await repo.stored_runs("prepayment", region, str(year))
    return paid_per_hospital(year_lines(prepayment[0] if prepayment else None,
                                        await repo.statements("monthly", region, year), annual))


def _annual_cleared(region: str, year: int, pools: list[PoolClearing]) -> Envelope:
    payload = AnnualCleared(region=region, year=year, pools=[
        PoolClearingResult(pool=p.pool.label, final_rate=p.final_rate, distributable=p.distributable,
                           fund_due_final=p.fund_due_final, residue=p.residue, reserve=p.reserve,
                           overrun_paid=p.overrun_paid) for p in pools])
    return new_event(type=ANNUAL_CLEARED, source="/yidi/clearing", subject=f"{region}-{year}", payload=payload,
                     correlationid=f"annual-{region}-{year}",
                     event_id=deterministic_event_id(ANNUAL_CLEARED, region, str(year)))


def _plain(obj) -> dict:
    return {k: (v.label if isinstance(v, PoolKey) else v) for k, v in asdict(obj).items()}


def _totals(lines, fields: tuple[str, ...]) -> dict:
    return {f: sum((getattr(l, f) for l in lines), 0 if f in ("cases", "corrections") else ZERO) for f in fields}


__all__ = ["AssessmentMissing", "ConfirmedDeduction", "NothingToDo", "RunResult", "YearClosed", "record_assessments",
           "run_advance", "run_annual", "run_cross_province", "run_cross_region", "run_monthly", "run_prepayment"]
