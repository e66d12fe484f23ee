"""The close check of a region's settlement year: each business invariant with its figure and whether it holds.

After every monthly run, every cross-region and cross-province run and the annual run (and its
adjustments) of a treatment region's year:

1. hospital-payable: every `<region>:hospital-payable:*` account is zero over the year's entries;
2. guarantee: every `<region>:guarantee-withheld:*` is zero (released or forfeited);
3. prepayment: every `<region>:prepayment-receivable:*` is zero (offset);
4. hospital payments: each hospital's payments over the year (prepayment + monthly + annual balance +
   adjustments, as the statements paid them) = Σ FundDue final + Σ per item − deductions + overrun
   shares − forfeited guarantee, the right side from the claims, the confirmed deductions and the
   annual statement, to the fen;
5. claims settled once: every current claim version of the year is settled by the annual stage at its
   current version, and no (stage, claim, version) twice; cross-region and cross-province claims also
   by their interregional stage;
6. deductions once: every confirmed deduction of the year is taken from the hospital, and those of
   cross-region / cross-province claims from the remittance;
7. province: the province's accounts with the region and the region's accounts with the province and
   the national platform net to zero;
8. pool residue: each pool's residue = A_p − Σ FundDue final of its current claims.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from yidi_common.claims import ClaimScope, claim_scope

from .cases import ClearingCase
from .deductions import ConfirmedDeduction
from .settlement import Settled, Stage, stage_amounts
from .year_statement import paid_per_hospital, year_lines

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Invariant:
    name: str
    holds: bool
    figure: str  # the amount or count the check is about
    detail: list[str] = field(default_factory=list)  # what breaks it, when it does (at most 20 items)


@dataclass(frozen=True, slots=True)
class YearData:
    region: str
    year: int
    cases: list[ClearingCase]  # current versions of the region's year
    settlements: dict[Stage, list[Settled]]  # every settlement of each stage, the region's claims of the year
    deductions: list[ConfirmedDeduction]  # confirmed, of the year
    applied: set[str]  # flag ids taken from the hospital
    cleared: set[str]  # flag ids taken from a remittance
    annual: list[dict]  # the annual statement, then its adjustments
    monthly: list[dict]  # every monthly statement of the year
    prepayment: dict | None
    region_accounts: dict[str, Decimal]  # balances of `<region>:` accounts over the year's entries
    province_accounts: dict[str, Decimal]  # balances of `province:` accounts with the region


def close_check(data: YearData) -> list[Invariant]:
    if not data.annual:
        return [Invariant("annual run", False, "0", [f"{data.region}'s {data.year} has no annual run"])]
    r = data.region
    return [
        _zero_accounts("hospital-payable zero", data.region_accounts, f"{r}:hospital-payable:"),
        _zero_accounts("guarantee released or forfeited", data.region_accounts, f"{r}:guarantee-withheld:"),
        _zero_accounts("prepayments offset", data.region_accounts, f"{r}:prepayment-receivable:"),
        _hospital_payments(data),
        _settled_once(data),
        _deductions_once(data),
        _province_nets_zero(data),
        _pool_residues(data),
    ]


def _zero_accounts(name: str, balances: dict[str, Decimal], prefix: str) -> Invariant:
    open_ = {a: b for a, b in balances.items() if a.startswith(prefix) and b}
    return Invariant(name, not open_, str(sum((abs(b) for b in open_.values()), ZERO)),
                     [f"{a}: {b}" for a, b in sorted(open_.items())][:20])


def _hospital_payments(data: YearData) -> Invariant:
    paid = Counter(paid_per_hospital(year_lines(data.prepayment, data.monthly, data.annual)))
    first = data.annual[0]
    owed: Counter = Counter()
    final = _latest(data.settlements.get(Stage.ANNUAL, []))
    for case in data.cases:
        settled = final.get(case.claim_id)
        owed[case.hospital_code] += (settled.fund_due if settled else ZERO) + stage_amounts(Stage.ANNUAL, case)[1]
    for d in data.deductions:
        owed[d.hospital_code] -= d.amount
    for h in first["hospitals"]:
        owed[h["hospital"]] += Decimal(str(h["overrun_paid"])) - Decimal(str(h["forfeited"]))
    wrong = [f"{h}: paid {paid[h]}, owed {owed[h]}" for h in sorted(paid.keys() | owed.keys()) if paid[h] != owed[h]]
    return Invariant("hospital payments = final FundDue + per item − deductions + overrun − forfeited",
                     not wrong, str(sum(paid.values(), ZERO)), wrong[:20])


def _latest(settlements: Iterable[Settled]) -> dict[str, Settled]:
    latest: dict[str, Settled] = {}
    for s in settlements:
        if s.claim_id not in latest or latest[s.claim_id].version < s.version:
            latest[s.claim_id] = s
    return latest


def _settled_once(data: YearData) -> Invariant:
    problems = []
    for stage, settlements in data.settlements.items():
        for (claim, version), n in Counter((s.claim_id, s.version) for s in settlements).items():
            if n > 1:
                problems.append(f"{claim} v{version} settled {n} times by the {stage} stage")
    final = _latest(data.settlements.get(Stage.ANNUAL, []))
    crossing = {ClaimScope.CROSS_REGION: Stage.CROSS_REGION, ClaimScope.CROSS_PROVINCE: Stage.CROSS_PROVINCE}
    interregional = {stage: _latest(data.settlements.get(stage, [])) for stage in crossing.values()}
    for case in data.cases:
        if case.claim_id not in final or final[case.claim_id].version != case.version:
            problems.append(f"{case.claim_id} v{case.version} not settled by the annual stage")
        stage = crossing.get(case.scope)
        settled = interregional[stage].get(case.claim_id) if stage else None
        if stage and (settled is None or settled.version != case.version):
            problems.append(f"{case.claim_id} v{case.version} not settled by the {stage} stage")
    return Invariant("every current claim version settled exactly once", not problems, str(len(data.cases)),
                     problems[:20])


def _deductions_once(data: YearData) -> Invariant:
    problems = []
    for d in data.deductions:
        if d.flag_id not in data.applied:
            problems.append(f"{d.flag_id} ({d.amount}) not taken from {d.hospital_code}")
        scope = claim_scope(insured_region=d.insured_region, treatment_region=d.treatment_region)
        if scope is not ClaimScope.LOCAL and d.flag_id not in data.cleared:
            problems.append(f"{d.flag_id} ({d.amount}) not taken from the {scope} remittance")
    return Invariant("every confirmed deduction taken once", not problems,
                     str(sum((d.amount for d in data.deductions), ZERO)), problems[:20])


def _province_nets_zero(data: YearData) -> Invariant:
    r = data.region
    accounts = {**{a: b for a, b in data.province_accounts.items()},
                **{a: b for a, b in data.region_accounts.items()
                   if a in (f"{r}:payable-to-province", f"{r}:receivable-from-province", f"{r}:advance-to-province",
                            f"{r}:receivable-national-clearing")}}
    open_ = {a: b for a, b in accounts.items() if b}
    return Invariant("accounts with the province and the national platform net to zero", not open_,
                     str(sum((abs(b) for b in open_.values()), ZERO)), [f"{a}: {b}" for a, b in sorted(open_.items())][:20])


def _pool_residues(data: YearData) -> Invariant:
    first, adjustments = data.annual[0], data.annual[1:]
    residue = {p["pool"]: Decimal(str(p["residue"])) for p in first["pools"]}
    distributable = {p["pool"]: Decimal(str(p["distributable"])) for p in first["pools"]}
    for adjustment in adjustments:
        for line in adjustment["lines"]:
            if line["pool"] is not None:
                residue[line["pool"]] = residue.get(line["pool"], ZERO) - Decimal(str(line["fund_due_final"]))
    final_by_pool: Counter = Counter()
    final = _latest(data.settlements.get(Stage.ANNUAL, []))
    for case in data.cases:
        if case.pool is not None and case.claim_id in final:
            final_by_pool[case.pool] += final[case.claim_id].fund_due
    wrong = [f"{pool}: residue {residue.get(pool, ZERO)}, A_p − Σ FundDue final "
             f"{distributable.get(pool, ZERO) - final_by_pool[pool]}"
             for pool in sorted(residue.keys() | final_by_pool.keys())
             if residue.get(pool, ZERO) != distributable.get(pool, ZERO) - final_by_pool[pool]]
    return Invariant("pool residue = A_p − Σ FundDue final", not wrong, str(sum(residue.values(), ZERO)), wrong[:20])
