"""Budget's event handler: each priced claim adds to its pool's and its insured region's consumption;
crossing an alert threshold raises budget.alert once per budget and period (DOMAIN.md §6)."""
from __future__ import annotations

from decimal import Decimal

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import ANNUAL_CLEARED, BUDGET_ALERT, PAYMENT_PRICED
from yidi_common.events.v1 import AnnualCleared, BudgetAlert, PaymentPriced
from yidi_common.messaging import Handler, UnitOfWork
from yidi_common.regional_config import ProvinceConfig

from ..adapters import budget_repository as repo
from ..adapters.budget_repository import Contribution, StaleVersion

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
    async def on_priced(uow: UnitOfWork, event: Envelope) -> None:
        msg: PaymentPriced = event.payload()  # type: ignore[assignment]
        new = contribution(msg)
        try:
            old = await repo.replace_contribution(uow.conn, new)
        except StaleVersion:
            return
        year = int(msg.claim.setl_period[:4])
        changes: dict[tuple[str, str, int], list] = uow.state.setdefault("budget-changes", {})
        for c, sign in ((old, -1), (new, 1)):
            if c is None:
                continue
            if c.pool:
                s = changes.setdefault((POOL, c.pool, year), [0, ZERO, ZERO, event.correlationid])
                s[0] += sign; s[1] += sign * c.fund_due; s[2] += sign * c.basic_fund
            if c.insured_key:
                s = changes.setdefault((INSURED, c.insured_key, year), [0, ZERO, ZERO, event.correlationid])
                s[0] += sign; s[1] += sign * c.cross_region_funds
        uow.before_commit("budget-totals", apply_changes)

    async def apply_changes(uow: UnitOfWork) -> None:
        """Once per batch: add each budget's change to its running sum, then raise newly crossed alerts."""
        config: ProvinceConfig = get_config()
        for (kind, key, year), (cases, consumed, basic, correlationid) in sorted(uow.state.pop("budget-changes", {}).items()):
            region = key[:6]
            total, basic_total = await repo.add(uow.conn, kind=kind, key=key, region=region, year=year, cases=cases,
                                                consumed=consumed, basic_fund=basic)
            if consumed <= 0:
                continue
            budget, basis, thresholds = _budget(config, kind, key, region, year, basic_total)
            if not basis:
                continue
            for level, threshold in thresholds:
                if total >= basis * threshold and await repo.record_alert(
                    uow.conn, kind=kind, key=key, period=str(year), level=level, region=region,
                    threshold=threshold, consumed=total, budget=budget,
                ):
                    alert = BudgetAlert(budget_kind=kind, budget_key=key, region=region, period=str(year),
                                        level=level, threshold=threshold, consumed=total, budget=budget,
                                        ratio=(total / basis).quantize(Decimal("0.0001")))
                    uow.emit(new_event(type=BUDGET_ALERT, source=SOURCE, subject=key, payload=alert,
                                       correlationid=correlationid,
                                       event_id=deterministic_event_id(kind, key, str(year), level)))

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
