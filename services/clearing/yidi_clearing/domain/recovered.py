"""Recovered funds split (seed 000 三(一)): treatment region / insured region / province.

Fen rule: the two regions' shares are rounded down to the fen; the province, whose account
holds the recovered money, keeps the remainder. So the parts always sum to the amount, no part
is negative, and each region is short of its exact share by less than 0.01.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from yidi_common.regional_config import RecoveredSplit

FEN = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class RecoveredShares:
    amount: Decimal
    treatment_region: Decimal
    insured_region: Decimal
    province: Decimal


def split_recovered(amount: Decimal, split: RecoveredSplit) -> RecoveredShares:
    if amount < 0 or amount != amount.quantize(FEN):
        raise ValueError(f"recovered amount must be a non-negative amount in fen, got {amount}")
    treatment = (amount * split.treatment_region).quantize(FEN, rounding=ROUND_DOWN)
    insured = (amount * split.insured_region).quantize(FEN, rounding=ROUND_DOWN)
    return RecoveredShares(amount, treatment, insured, amount - treatment - insured)
