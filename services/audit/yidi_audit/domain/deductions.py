"""Confirmed findings become deductions, applied by clearing (seed 001 (八)): they reduce the hospital's
monthly pre-settlement payable and the insured region's remittance (冲减)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from yidi_common.settlement_list import CHINA_STANDARD_TIME

from .errors import InvalidInput, InvalidTransition
from .review import FlagStatus, Review

PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, slots=True)
class Deduction:
    flag_id: str  # one deduction per flag: use it as the idempotency key
    claim_id: str
    version: int
    hospital_code: str
    treatment_region: str
    insured_region: str
    amount: Decimal
    confirmed_at: datetime
    period: str  # yyyy-mm of the monthly run that applies it


def deduction_period(confirmed_at: datetime) -> str:
    """The first monthly run after confirmation is the one closing the month of confirmation (China time)."""
    return confirmed_at.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m")


def deduction(review: Review, period: str | None = None) -> Deduction | None:
    """The deduction a confirmed review yields (None for a confirmed amount of 0.00).

    `period` overrides the default deduction_period(confirmed_at), e.g. when the caller knows the
    next monthly run is for another month."""
    if review.status is not FlagStatus.CONFIRMED or review.confirmed_amount is None or review.confirmed_at is None:
        raise InvalidTransition(f"flag {review.flag_id} is {review.status.value}: only confirmed flags yield deductions")
    if period is not None and not PERIOD.match(period):
        raise InvalidInput(f"period {period!r} is not yyyy-mm")
    if review.confirmed_amount == 0:
        return None
    return Deduction(
        flag_id=review.flag_id,
        claim_id=review.claim_id,
        version=review.version,
        hospital_code=review.hospital_code,
        treatment_region=review.treatment_region,
        insured_region=review.insured_region,
        amount=review.confirmed_amount,
        confirmed_at=review.confirmed_at,
        period=period or deduction_period(review.confirmed_at),
    )
