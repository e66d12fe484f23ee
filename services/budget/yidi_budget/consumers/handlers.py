"""Budget's event handler: each priced claim adds to its pool's and its insured region's consumption;
crossing an alert threshold raises budget.alert once per budget and period (DOMAIN.md §6)."""
from __future__ import annotations

from decimal import Decimal

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import ANNUAL_CLEARED, BUDGET_ALERT, PAYMENT_PRICED
from yidi_common.events.v1 import AnnualCleared, BudgetAlert, PaymentPriced
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.regional_config import ProvinceConfig

from ..adapters import budget_repository as repo
from ..adapters.budget_repository import Contribution

SOURCE = "/yidi/budget"
ZERO = Decimal("0.00")
POOL, INSURED = "pool", "insured-cross-region"


def contribution(msg: PaymentPriced) -> Contribution:
    claim, pool = msg.claim, msg.pricing.pool
    cross_region = claim.cross_region and not claim.cross_province
    return Contribution(
        claim_id=claim.claim_id,
        version=claim.version,
        pool=pool.key if pool else None,
        insured_key=f"{claim.insu_admdvs}-{claim.setl_period[:4]}" if cross_region else None,
        fund_due=msg.pricing.fund_due if pool else ZERO,
        basic_fund=claim.basic_fund_payment if pool else ZERO,
        cross_region_funds=claim.fund_payments_total if cross_region else ZERO,
    )


def make_handlers(get_config) -> dict[str, Handler]:
    known_alerts: set[tuple[str, str, str, str]] = set()  # alerts already stored: not inserted again

    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        priced = [(event, event.payload()) for event in events]
        stored = await repo.contributions(uow.conn, sorted({msg.claim.claim_id for _, msg in priced}))
        latest: dict[str, Contribution] = {}
        changes: dict[tuple[str, str, int], list] = {}
        for event, msg in priced:
            new = contribution(msg)
            old = stored.get(new.claim_id)
            if old is not None and old.version >= new.version:
                continue  # an older version arriving late changes nothing
            stored[new.claim_id] = latest[new.claim_id] = new
            year = int(msg.claim.setl_period[:4])
            for c, sign in ((old, -1), (new, 1)):
                if c is None:
                    continue
                if c.pool:
                    s = changes.setdefault((POOL, c.pool, year), [0, ZERO, ZERO, event.correlationid])
                    s[0] += sign; s[1] += sign * c.fund_due; s[2] += sign * c.basic_fund
                if c.insured_key:
                    s = changes.setdefault((INSURED, c.insured_key, year), [0, ZERO, ZERO, event.correlationid])
                    s[0] += sign; s[1] += sign * c.cross_region_funds
        await repo.store_contributions(uow.conn, list(latest.values()))
        await apply_changes(uow, changes)

    async def apply_changes(uow: UnitOfWork, changes: dict[tuple[str, str, int], list]) -> None:
        """Adds each budget's change to its running sum, then raises newly crossed alerts."""
        config: ProvinceConfig = get_config()
        keys = sorted(changes)
        totals = await repo.add(uow.conn, [(kind, key, key[:6], year, *changes[kind, key, year][:3])
                                           for kind, key, year in keys])
        for kind, key, year in keys:
            cases, consumed, basic, correlationid = changes[kind, key, year]
            total, basic_total = totals[kind, key]
            if consumed <= 0:
                continue
            region = key[:6]
            budget, basis, thresholds = _budget(config, kind, key, region, year, basic_total)
            if not basis:
                continue
            for level, threshold in thresholds:
                alert_key = (kind, key, str(year), level)
                if total < basis * threshold or alert_key in known_alerts:
                    continue
                if await repo.record_alert(uow.conn, kind=kind, key=key, period=str(year), level=level, region=region,
                                           threshold=threshold, consumed=total, budget=budget):
                    alert = BudgetAlert(budget_kind=kind, budget_key=key, region=region, period=str(year),
                                        level=level, threshold=threshold, consumed=total, budget=budget,
                                        ratio=(total / basis).quantize(Decimal("0.0001")))
                    uow.emit(new_event(type=BUDGET_ALERT, source=SOURCE, subject=key, payload=alert,
                                       correlationid=correlationid,
                                       event_id=deterministic_event_id(kind, key, str(year), level)))
                else:
                    known_alerts.add(alert_key)  # committed by an earlier batch, so safe to remember

    async def on_annual_cleared(uow: UnitOfWork, event: Envelope) -> None:
        msg: AnnualCleared = event.payload()  # type: ignore[assignment]
        await repo.store_final_rates(uow.conn, msg)

    return {PAYMENT_PRICED: on_priced, ANNUAL_CLEARED: on_annual_cleared}


def _budget(config: ProvinceConfig, kind: str, key: str, region: str, year: int, basic_total: Decimal):
    """(budget, what ratios divide by, ((level, threshold), ...)) for one budget."""
    if kind == POOL:
        ry = config.region_year(region, year)
        pool = ry.pools[key]
        budget = pool.budget_for(basic_total)
        basis = budget if ry.policy.alert_basis == "budget" else ry.policy.distributable(budget)
        return budget, basis, [(l.value, t) for l, t in ry.policy.alerts.levels()]
    insured = config.insured_budget(region, year)
    budget = insured.budget if insured else ZERO
    return budget, budget, [(l.value, t) for l, t in config.policy.alerts.levels()]
