"""Funds recovered by supervision of a cross-region case: split and posted (seed 000 三(一))."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi_common.regional_config import RecoveredSplit
from yidi_common.unit_of_work import Transaction

from ..domain.ledger import recovered_entry
from ..domain.recovered import RecoveredShares, split_recovered
from .repository import ClearingRepository


@dataclass(frozen=True, slots=True)
class Recovery:
    recovery_id: str  # the supervision case's reference
    treatment_region: str
    insured_region: str
    amount: Decimal
    period: str


@dataclass(frozen=True, slots=True)
class RecoveryPosted:
    shares: RecoveredShares
    entry_id: str
    posted: bool  # False when that recovery was posted before


async def post_recovered(tx: Transaction[ClearingRepository], split: RecoveredSplit, recovery: Recovery) -> RecoveryPosted:
    shares = split_recovered(recovery.amount, split)
    entry = recovered_entry(recovery.recovery_id, recovery.period, recovery.treatment_region,
                            recovery.insured_region, shares)
    posted = await tx.repo.post([entry])
    return RecoveryPosted(shares, entry.entry_id, bool(posted))
