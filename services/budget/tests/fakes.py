"""Budget's repository over dicts, for unit tests of the use cases and handlers."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal

from yidi_budget.domain.alerts import Alert
from yidi_budget.domain.consumption import NO_SUMS, BudgetKind, BudgetRef, Contribution, Sums
from yidi_budget.service_layer.repository import FinalRate, StoredAlert

RAISED_AT = datetime(2026, 3, 31, 12, tzinfo=timezone.utc)


class FakeBudgetRepository:
    def __init__(self) -> None:
        self.contributed: dict[str, Contribution] = {}
        self.running: dict[BudgetRef, Sums] = {}
        self.raised: dict[tuple[str, str, str, str], StoredAlert] = {}
        self.cleared: dict[str, FinalRate] = {}
        self.alert_attempts = 0
        self.history_reads = 0
        self.now = RAISED_AT  # when alerts are raised: PostgreSQL's now(), one per transaction

    async def contributions(self, claim_ids: list[str]) -> dict[str, Contribution]:
        return {claim_id: self.contributed[claim_id] for claim_id in claim_ids if claim_id in self.contributed}

    async def store_contributions(self, contributions: list[Contribution]) -> None:
        self.contributed.update((c.claim_id, c) for c in contributions)

    async def add_to_sums(self, changes: Mapping[BudgetRef, Sums]) -> dict[BudgetRef, Sums]:
        for ref, change in changes.items():
            self.running[ref] = self.running.get(ref, NO_SUMS) + change
        return {ref: self.running[ref] for ref in changes}

    async def record_alert(self, alert: Alert) -> bool:
        self.alert_attempts += 1
        ref = alert.budget_ref
        key = (ref.kind.value, ref.key, alert.period, alert.level.value)
        if key in self.raised:
            return False
        self.raised[key] = StoredAlert(ref.kind.value, ref.key, alert.period, alert.level.value, ref.region,
                                       alert.threshold, alert.consumed, alert.budget, self.now,
                                       alert.basis and alert.basis.value, alert.basis_amount)
        return True

    async def sums(self, kind: BudgetKind, region: str, year: int) -> dict[str, Sums]:
        return {ref.key: sums for ref, sums in sorted(self.running.items())
                if (ref.kind, ref.region, ref.year) == (kind, region, year)}

    async def alerts(self, region: str | None, level: str | None) -> list[StoredAlert]:
        return sorted((a for a in self.raised.values() if region in (None, a.region) and level in (None, a.level)),
                      key=lambda a: (a.raised_at, a.budget_key))

    async def store_final_rates(self, rates: list[FinalRate]) -> None:
        self.cleared.update((r.pool, r) for r in rates)

    async def final_rates(self, region: str, year: int) -> dict[str, FinalRate]:
        return {pool: r for pool, r in self.cleared.items() if (r.region, r.year) == (region, year)}

    async def clearing_totals(self, region: str, years: list[int]) -> dict[str, Decimal]:
        self.history_reads += 1
        return {pool: r.clearing_total for pool, r in self.cleared.items() if r.region == region and r.year in years}
