"""Budget use cases: apply priced claims to their budgets and raise alerts, record final rates, and
the views of pools, insured regions' budgets and alerts."""
from __future__ import annotations

from dataclasses import dataclass

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import BUDGET_ALERT
from yidi_common.events.v1 import BudgetAlert
from yidi_common.regional_config import AlertLevel, PoolConfig, ProvinceConfig, RegionYear
from yidi_common.unit_of_work import Transaction

from ..domain.alerts import Alert, newly_reached
from ..domain.consumption import NO_SUMS, BudgetKind, BudgetRef, PricedClaim, insured_budget_key, supersede
from ..domain.execution import (
    NO_EARLIER,
    BudgetStatus,
    EarlierYears,
    PoolStatus,
    budget_status,
    earlier_years_needed,
    insured_status,
    pool_status,
)
from .repository import BudgetRepository, FinalRate, StoredAlert

SOURCE = "/yidi/budget"

KnownAlerts = dict[BudgetRef, set[AlertLevel]]  # alerts known to be stored by committed batches


async def apply_priced(tx: Transaction[BudgetRepository], claims: list[PricedClaim], config: ProvinceConfig,
                       known_alerts: KnownAlerts | None = None) -> None:
    """Adds the claim versions to their budgets' sums, replacing earlier versions, and raises the
    alert levels a budget's growing consumption reaches for the first time."""
    known_alerts = {} if known_alerts is None else known_alerts
    stored = await tx.repo.contributions(sorted({claim.claim_id for claim in claims}))
    batch = supersede(stored, claims)
    await tx.repo.store_contributions(batch.latest)
    totals = await tx.repo.add_to_sums({ref: change.sums for ref, change in batch.changes.items()})
    growing = [ref for ref, change in batch.changes.items()  # alerts: growth only, levels not all known raised
               if change.sums.consumed > 0 and not known_alerts.get(ref, set()) >= set(AlertLevel)]
    earlier = await _earlier_years(tx.repo, [config.region_year(ref.region, ref.year).pools[ref.key]
                                             for ref in growing if ref.kind is BudgetKind.POOL])
    for ref in growing:
        change = batch.changes[ref]
        status, thresholds = budget_status(config, ref, totals[ref], earlier.get((ref.region, ref.year), NO_EARLIER))
        for alert in newly_reached(ref, status, thresholds, known_alerts.get(ref, ())):
            if await tx.repo.record_alert(alert):
                tx.emit(_alert_event(alert, change.correlation_id))
            else:  # stored by an earlier batch, which has committed: safe to remember
                known_alerts.setdefault(ref, set()).add(alert.level)


def _alert_event(alert: Alert, correlation_id: str) -> Envelope:
    ref = alert.budget_ref
    payload = BudgetAlert(budget_kind=ref.kind.value, budget_key=ref.key, region=ref.region, period=alert.period,
                          level=alert.level.value, threshold=alert.threshold, consumed=alert.consumed,
                          budget=alert.budget, ratio=alert.ratio, basis=alert.basis and alert.basis.value,
                          basis_amount=alert.basis_amount)
    return new_event(type=BUDGET_ALERT, source=SOURCE, subject=ref.key, payload=payload, correlationid=correlation_id,
                     event_id=deterministic_event_id(ref.kind.value, ref.key, alert.period, alert.level.value))


async def _earlier_years(repo: BudgetRepository, pools: list[PoolConfig]) -> dict[tuple[str, int], EarlierYears]:
    """What these pools' budgets and alert bases read of earlier years, per region-year: one query per
    region-year for clearing totals, one for the previous year's Σ F (none when no pool needs them)."""
    wanted: dict[tuple[str, int], tuple[set[int], bool]] = {}
    for pool in pools:
        years, item_payments = earlier_years_needed(pool)
        if years:
            known = wanted.setdefault((pool.key.region, pool.key.year), (set(), False))
            wanted[(pool.key.region, pool.key.year)] = (known[0] | set(years), known[1] or item_payments)
    earlier = {}
    for (region, year), (years, item_payments) in sorted(wanted.items()):
        totals = await repo.clearing_totals(region, sorted(years))
        previous = await repo.sums(BudgetKind.POOL, region, year - 1) if item_payments else {}
        earlier[(region, year)] = EarlierYears(totals, {label: sums.basic_fund for label, sums in previous.items()})
    return earlier


async def record_final_rates(tx: Transaction[BudgetRepository], rates: list[FinalRate]) -> None:
    """Each pool's annual clearing: its final rate and its clearing total (a later year's history budget)."""
    await tx.repo.store_final_rates(rates)


@dataclass(frozen=True, slots=True)
class PoolView:
    label: str
    config: PoolConfig
    status: PoolStatus
    cleared: FinalRate | None  # after annual clearing


async def pool_views(tx: Transaction[BudgetRepository], region_year: RegionYear) -> list[PoolView]:
    sums = await tx.repo.sums(BudgetKind.POOL, region_year.region, region_year.year)
    cleared = await tx.repo.final_rates(region_year.region, region_year.year)
    earlier = (await _earlier_years(tx.repo, list(region_year.pools.values()))).get(
        (region_year.region, region_year.year), NO_EARLIER)
    return [PoolView(label, pool, pool_status(pool, region_year.policy, sums.get(label, NO_SUMS), earlier),
                     cleared.get(label))
            for label, pool in region_year.pools.items()]


async def insured_view(tx: Transaction[BudgetRepository], config: ProvinceConfig, region: str, year: int) -> BudgetStatus:
    """An insured region's cross-region budget and what its people's cross-region claims consumed."""
    sums = await tx.repo.sums(BudgetKind.INSURED, region, year)
    return insured_status(config.insured_budget(region, year), sums.get(insured_budget_key(region, year), NO_SUMS))


async def alerts(tx: Transaction[BudgetRepository], region: str | None, level: str | None) -> list[StoredAlert]:
    return await tx.repo.alerts(region, level)
