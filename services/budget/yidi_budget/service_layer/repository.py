"""What budget's use cases need of storage; adapters/ implements it over PostgreSQL, tests/fakes.py over dicts."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from yidi_common.money import ZERO

from ..domain.alerts import Alert
from ..domain.consumption import BudgetKind, BudgetRef, Contribution, Sums


@dataclass(frozen=True, slots=True)
class FinalRate:
    """A pool's result of annual clearing, as clearing published it."""

    pool: str
    region: str
    year: int
    final_rate: Decimal | None
    fund_due_final: Decimal
    residue: Decimal
    reserve: Decimal
    overrun_paid: Decimal = ZERO  # the reserve's overrun shares paid to the pool's hospitals

    @property
    def clearing_total(self) -> Decimal:
        """What the pool cost the fund in the year: the base of a later year's history budget."""
        return self.fund_due_final + self.overrun_paid


@dataclass(frozen=True, slots=True)
class StoredAlert:
    budget_kind: str
    budget_key: str
    period: str
    level: str
    region: str
    threshold: Decimal
    consumed: Decimal
    budget: Decimal
    raised_at: datetime
    basis: str | None = None  # None: raised before alerts said their basis
    basis_amount: Decimal | None = None


class BudgetRepository(Protocol):
    async def contributions(self, claim_ids: list[str]) -> dict[str, Contribution]:
        """The stored contributions of these claims, locked until the transaction ends."""

    async def store_contributions(self, contributions: list[Contribution]) -> None:
        """One per claim, each newer than the stored one."""

    async def add_to_sums(self, changes: Mapping[BudgetRef, Sums]) -> dict[BudgetRef, Sums]:
        """Adds each change to its budget's running sums; returns the new sums."""

    async def record_alert(self, alert: Alert) -> bool:
        """True the first time this level is recorded for this budget and period."""

    async def sums(self, kind: BudgetKind, region: str, year: int) -> dict[str, Sums]:
        """The running sums of a region's budgets of a kind, by budget key."""

    async def alerts(self, region: str | None, level: str | None) -> list[StoredAlert]:
        """The alerts raised, oldest first, for a region and level, or all."""

    async def store_final_rates(self, rates: list[FinalRate]) -> None: ...

    async def final_rates(self, region: str, year: int) -> dict[str, FinalRate]:
        """By pool label."""

    async def clearing_totals(self, region: str, years: list[int]) -> dict[str, Decimal]:
        """Each cleared pool's clearing total in these years of the region, by pool label."""
