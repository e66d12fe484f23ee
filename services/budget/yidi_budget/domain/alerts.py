"""Budget alerts (seed 000 五(三)): notice / warning / critical at 80 / 90 / 100 % (policy).

Stateless: given the consumption before and after an event, which thresholds are newly crossed.
`already_raised` (the levels raised for this budget and period) keeps each level to once even
when a correction lowers consumption and a later case crosses the same line again.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.regional_config import AlertLevel, AlertThresholds


@dataclass(frozen=True, slots=True)
class BudgetAlert:
    level: AlertLevel
    threshold: Decimal  # share of the basis
    threshold_amount: Decimal  # threshold × basis
    consumed: Decimal
    basis: Decimal  # B_p (or A_p), or the insured region's cross-region budget


def newly_crossed(
    previous: Decimal,
    current: Decimal,
    basis: Decimal,
    thresholds: AlertThresholds,
    already_raised: Collection[AlertLevel] = (),
) -> list[BudgetAlert]:
    """Levels with previous < threshold × basis <= current, lowest first, skipping raised ones."""
    if basis <= 0:
        return []
    alerts = []
    for level, share in thresholds.levels():
        line = share * basis
        if previous < line <= current and level not in already_raised:
            alerts.append(BudgetAlert(level, share, line, current, basis))
    return alerts
