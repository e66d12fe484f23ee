"""Monthly pre-settlement (按月预结, DOMAIN.md §7) per hospital and month.

payable = Σ FundDue at the provisional rate − confirmed deductions; withheld = q × payable
(half-up to the fen) as the quality guarantee, paid = payable − withheld, so paid + withheld =
payable exactly. Nothing is withheld from a negative payable (deductions above the month's due):
the whole amount is then recovered. Cross-province cases are outside the pools and left out.
Pure function of its inputs: running it twice gives the same statement.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.money import to_fen
from yidi_common.regional_config import ProvinceConfig

from .cases import ClearingCase

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class MonthlyLine:
    hospital: str
    region: str
    month: str
    cases: int
    fund_due: Decimal  # Σ FundDue at the provisional rate
    deductions: Decimal
    payable: Decimal
    guarantee_share: Decimal  # q
    withheld: Decimal
    paid: Decimal


def monthly_presettlement(
    config: ProvinceConfig,
    cases: Iterable[ClearingCase],
    month: str,
    deductions: dict[str, Decimal] | None = None,
) -> list[MonthlyLine]:
    deductions = deductions or {}
    counts: dict[str, int] = {}
    dues: dict[str, Decimal] = {}
    for case in cases:
        if case.pool is not None and case.period == month:
            counts[case.hospital_code] = counts.get(case.hospital_code, 0) + 1
            dues[case.hospital_code] = dues.get(case.hospital_code, ZERO) + case.fund_due
    lines = []
    for code in sorted(counts.keys() | deductions.keys()):
        hospital = config.hospital(code)
        count, due = counts.get(code, 0), dues.get(code, ZERO)
        q = config.region_year(hospital.region, int(month[:4])).policy.guarantee_share
        deducted = deductions.get(code, ZERO)
        payable = due - deducted
        withheld = to_fen(q * payable) if payable > 0 else ZERO
        lines.append(MonthlyLine(code, hospital.region, month, count, due, deducted, payable, q, withheld, payable - withheld))
    return lines
