"""Confirmed audit deductions (冲减): what clearing takes back for a finding both regions agreed on."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class ConfirmedDeduction:
    """Taken from the hospital in the next monthly run, and from the insured region's remittance in
    the cross-region clearing of that month."""

    flag_id: str
    claim_id: str
    setl_id: str
    hospital_code: str
    treatment_region: str
    insured_region: str
    amount: Decimal
    confirmed_at: datetime
    period: str  # yyyy-mm, as audit gave it


def per_hospital(deductions: Iterable[ConfirmedDeduction]) -> dict[str, Decimal]:
    """Σ deductions per hospital code."""
    sums: dict[str, Decimal] = {}
    for d in deductions:
        sums[d.hospital_code] = sums.get(d.hospital_code, ZERO) + d.amount
    return sums
