"""Risk warnings (seed 000 五(三)): notice / warning / critical when consumption reaches 80 / 90 / 100 %
of the basis (policy), once per level, budget and period."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.regional_config import AlertLevel, AlertThresholds

from .consumption import BudgetRef
from .execution import BudgetStatus, ratio


@dataclass(frozen=True, slots=True)
class Alert:
    budget_ref: BudgetRef
    level: AlertLevel
    threshold: Decimal  # share of the basis
    consumed: Decimal
    budget: Decimal
    ratio: Decimal  # consumed / basis

    @property
    def period(self) -> str:
        return str(self.budget_ref.year)


def newly_reached(budget_ref: BudgetRef, status: BudgetStatus, thresholds: AlertThresholds,
                  raised: Collection[AlertLevel] = ()) -> list[Alert]:
    """The levels whose threshold × basis consumption has reached, lowest first, but for those raised."""
    if not status.basis:
        return []
    return [Alert(budget_ref, level, share, status.consumed, status.budget, ratio(status.consumed, status.basis))
            for level, share in thresholds.levels()
            if status.consumed >= status.basis * share and level not in raised]
