"""Monthly pre-settlement (按月预结, seed 000 四(二), DOMAIN.md §7) per hospital: what a month's run pays.

A run settles every claim version of the region's year up to its month that no monthly run has settled
(settlement.py): this month's lists, and earlier months' late lists and corrections as differences that
keep their own period (`periods`). Per hospital:

    fund_due = Σ FundDue (provisional rate) of the versions settled, less what earlier runs settled
    per_item = Σ other funds' payments (every fund's for a cross-province claim), likewise
    payable  = fund_due − confirmed deductions not applied before
    withheld = q × payable, half-up to the fen (quality guarantee, 质量保证金); nothing from a payable ≤ 0
    paid     = payable − withheld + per_item

So paid + withheld + deductions = fund_due + per_item: exactly what the claims credited the hospital.
Pure function of its inputs: running it twice gives the same statement.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.money import to_fen
from yidi_common.regional_config import ProvinceConfig

from .settlement import Difference, Settled, Stage, stage_amounts

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class MonthlyLine:
    hospital: str
    region: str
    month: str
    cases: int  # claim versions settled (first settlements and corrections)
    corrections: int  # of which settle a difference from an earlier version
    fund_due: Decimal
    per_item: Decimal
    deductions: Decimal
    payable: Decimal
    guarantee_share: Decimal  # q
    withheld: Decimal
    paid: Decimal


@dataclass(frozen=True, slots=True)
class PeriodLine:
    """A hospital's settled differences by the claims' own period (earlier periods: adjustments)."""

    hospital: str
    period: str
    cases: int
    corrections: int
    fund_due: Decimal
    per_item: Decimal


@dataclass(frozen=True, slots=True)
class MonthlySettlement:
    lines: list[MonthlyLine]
    periods: list[PeriodLine]
    settled: list[Settled]


def monthly_presettlement(config: ProvinceConfig, region: str, month: str, differences: Iterable[Difference],
                          deductions: dict[str, Decimal] | None = None, run: str = "") -> MonthlySettlement:
    deductions = deductions or {}
    q = config.region_year(region, int(month[:4])).policy.guarantee_share
    by_period: dict[tuple[str, str], list] = {}  # (hospital, period) -> [cases, corrections, fund_due, per_item]
    settled = []
    for d in differences:
        case = d.case
        fund_due, per_item = stage_amounts(Stage.MONTHLY, case)
        sums = by_period.setdefault((case.hospital_code, case.period), [0, 0, ZERO, ZERO])
        sums[0] += 1
        sums[1] += d.is_correction
        sums[2] += fund_due - (d.before.fund_due if d.before else ZERO)
        sums[3] += per_item - (d.before.per_item if d.before else ZERO)
        settled.append(Settled(Stage.MONTHLY, case.claim_id, case.version, run, case.period, case.hospital_code,
                               case.treatment_region, case.insured_region, fund_due, per_item))
    periods = [PeriodLine(h, p, *sums) for (h, p), sums in sorted(by_period.items())]
    lines = []
    for code in sorted({p.hospital for p in periods} | deductions.keys()):
        mine = [p for p in periods if p.hospital == code]
        fund_due = sum((p.fund_due for p in mine), ZERO)
        per_item = sum((p.per_item for p in mine), ZERO)
        deducted = deductions.get(code, ZERO)
        payable = fund_due - deducted
        withheld = to_fen(q * payable) if payable > 0 else ZERO
        lines.append(MonthlyLine(code, region, month, sum(p.cases for p in mine), sum(p.corrections for p in mine),
                                 fund_due, per_item, deducted, payable, q, withheld, payable - withheld + per_item))
    return MonthlySettlement(lines, periods, settled)
