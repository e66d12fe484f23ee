"""Risk warnings (seed 000 五(三)): notice / warning / critical when consumption reaches 80 / 90 / 100 %
of the basis (B_p or A_p by policy; an estimate of B_p for pools budgeted by per-item payments), once per
level, budget and period."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.regional_config import AlertLevel, AlertThresholds

from .consumption import BudgetRef
from .execution import Basis, BudgetStatus, ratio


@dataclass(frozen=True, slots=True)
class Alert:
    budget_ref: BudgetRef
    level: AlertLevel
    threshold: Decimal  # share of the basis
    consumed: Decimal
    budget: Decimal
    ratio: Decimal  # consumed / basis
    basis: Basis | None = None  # what the threshold is a share of
    basis_amount: Decimal | None = None

    @property
    def period(self) -> str:
        return str(self.budget_ref.year)


def newly_reached(budget_ref: BudgetRef, status: BudgetStatus, thresholds: AlertThresholds,
                  raised: Collection[AlertLevel] = ()) -> list[Alert]:
    """The levels whose threshold × basis consumption has reached, lowest first, but for those raised;
    none without a basis (status.no_alert_reason says why)."""
    if not status.basis:
        return []
    return [Alert(budget_ref, level, share, status.consumed, status.budget, ratio(status.consumed, status.basis),
                  status.basis_kind, status.basis)
            for level, share in thresholds.levels()
            if status.consumed >= status.basis * share and level not in raised]
