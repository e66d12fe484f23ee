"""Two-level cross-region clearing (省、市两级清算, seed 001 (三), DOMAIN.md §7), and the same statement
for cross-province claims reimbursed through the national platform (跨省, its own run).

Every fund payment on a cross-region list (all fund types, per item) is owed by the insured
region. Per run: each insured region remits (上解) Σ those payments − its confirmed
deductions (冲减) to the province; the province pays (拨付) each treatment region the same
amounts by treatment region. Lines are per (insured, treatment) pair, so both sides reconcile:
Σ remittances = Σ province payments. A run takes the claim versions its stage has not settled
(settlement.py), corrections as differences, and only deductions on claims of its own scope: a
deduction on a local claim stays in the treatment region's own settlement.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .deductions import ConfirmedDeduction
from .settlement import Difference, Settled, Stage, in_scope, stage_amounts

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class CrossRegionLine:
    insured_region: str
    treatment_region: str
    cases: int
    fund_payments: Decimal
    deductions: Decimal
    net: Decimal  # fund_payments − deductions


@dataclass(frozen=True, slots=True)
class RegionTotal:
    region: str
    fund_payments: Decimal
    deductions: Decimal
    net: Decimal  # insured side: remittance to the province; treatment side: paid by the province


@dataclass(frozen=True, slots=True)
class CrossRegionClearing:
    lines: list[CrossRegionLine]
    remittances: list[RegionTotal]  # per insured region
    payments: list[RegionTotal]  # per treatment region
    total: Decimal  # Σ remittances = Σ payments
    settled: list[Settled]


def cross_region_statements(differences: Iterable[Difference], deductions: Iterable[ConfirmedDeduction] = (),
                            stage: Stage = Stage.CROSS_REGION, run: str = "") -> CrossRegionClearing:
    """deductions: those of claims in the stage's scope (the caller filters by scope)."""
    counts: dict[tuple[str, str], int] = {}  # by (insured region, treatment region)
    paid: dict[tuple[str, str], Decimal] = {}
    deducted: dict[tuple[str, str], Decimal] = {}
    settled = []
    for d in differences:
        case = d.case
        _, amount = stage_amounts(stage, case)
        before = d.before
        # a correction that moved the insured region settles the old pair back and the new one afresh
        if before is not None and (before.insured_region, before.treatment_region) != (case.insured_region, case.treatment_region):
            _add(counts, paid, (before.insured_region, before.treatment_region), -before.per_item, 0)
            before = None
        if before is not None or in_scope(stage, case):
            _add(counts, paid, (case.insured_region, case.treatment_region), amount - (before.per_item if before else ZERO), 1)
        settled.append(Settled(stage, case.claim_id, case.version, run, case.period, case.hospital_code,
                               case.treatment_region, case.insured_region, ZERO, amount))
    for d in deductions:
        pair = (d.insured_region, d.treatment_region)
        deducted[pair] = deducted.get(pair, ZERO) + d.amount
    lines = []
    for pair in sorted(counts.keys() | deducted.keys()):
        fund_payments, deductions_total = paid.get(pair, ZERO), deducted.get(pair, ZERO)
        lines.append(CrossRegionLine(*pair, counts.get(pair, 0), fund_payments, deductions_total,
                                     fund_payments - deductions_total))
    remittances = _totals(lines, lambda line: line.insured_region)
    payments = _totals(lines, lambda line: line.treatment_region)
    return CrossRegionClearing(lines, remittances, payments, sum((line.net for line in lines), ZERO), settled)


def _add(counts: dict, paid: dict, pair: tuple[str, str], amount: Decimal, count: int) -> None:
    counts[pair] = counts.get(pair, 0) + count
    paid[pair] = paid.get(pair, ZERO) + amount


def _totals(lines: list[CrossRegionLine], region_of) -> list[RegionTotal]:
    paid: dict[str, Decimal] = {}
    deducted: dict[str, Decimal] = {}
    for line in lines:
        region = region_of(line)
        paid[region] = paid.get(region, ZERO) + line.fund_payments
        deducted[region] = deducted.get(region, ZERO) + line.deductions
    return [RegionTotal(region, paid[region], deducted[region], paid[region] - deducted[region]) for region in sorted(paid)]
