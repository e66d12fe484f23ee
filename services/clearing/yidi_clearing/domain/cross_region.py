"""Two-level cross-region clearing (省、市两级清算, seed 001 (三), DOMAIN.md §7).

Every fund payment on a cross-region list (all fund types, per item) is owed by the insured
region. Per period: each insured region remits (上解) Σ those payments − its confirmed
deductions (冲减) to the province; the province pays (拨付) each treatment region the same
amounts by treatment region. Lines are per (insured, treatment) pair, so both sides reconcile:
Σ remittances = Σ province payments.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.claims import ClaimScope

from .cases import ClearingCase
from .deductions import ConfirmedDeduction

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


def cross_region_statements(cases: Iterable[ClearingCase], deductions: Iterable[ConfirmedDeduction] = ()) -> CrossRegionClearing:
    counts: dict[tuple[str, str], int] = {}  # by (insured region, treatment region)
    paid: dict[tuple[str, str], Decimal] = {}
    deducted: dict[tuple[str, str], Decimal] = {}
    for case in cases:
        if case.scope is ClaimScope.CROSS_REGION:
            pair = (case.insured_region, case.treatment_region)
            counts[pair] = counts.get(pair, 0) + 1
            paid[pair] = paid.get(pair, ZERO) + case.fund_payments
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
    return CrossRegionClearing(lines, remittances, payments, sum((line.net for line in lines), ZERO))


def _totals(lines: list[CrossRegionLine], region_of) -> list[RegionTotal]:
    paid: dict[str, Decimal] = {}
    deducted: dict[str, Decimal] = {}
    for line in lines:
        region = region_of(line)
        paid[region] = paid.get(region, ZERO) + line.fund_payments
        deducted[region] = deducted.get(region, ZERO) + line.deductions
    return [RegionTotal(region, paid[region], deducted[region], paid[region] - deducted[region]) for region in sorted(paid)]
