"""Budget consumption at the provisional rate (DOMAIN.md §6), per pool and per insured region."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.regional_config import PoolKey, ProvinceConfig
from yidi_pricing.domain import PricedCase

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class PoolConsumption:
    pool: PoolKey
    cases: int
    total_cost: Decimal  # Σ T
    basic_fund: Decimal  # Σ F (the cross-region pool's budget when built from per-item payments)
    payment: Decimal  # Σ Payment at the provisional rate
    fund_due: Decimal  # Σ FundDue at the provisional rate: the consumption


@dataclass(frozen=True, slots=True)
class PoolBudgetStatus:
    pool: PoolKey
    budget: Decimal  # B_p
    distributable: Decimal  # A_p = B_p × (1 − ρ)
    reserve: Decimal  # B_p − A_p
    provisional_rate: Decimal
    consumed: Decimal  # Σ FundDue at the provisional rate
    basis: Decimal  # what alert ratios divide by (B_p or A_p per policy)

    @property
    def ratio(self) -> Decimal | None:
        return self.consumed / self.basis if self.basis else None


@dataclass(frozen=True, slots=True)
class InsuredConsumption:
    """An insured region's spending on its people's cross-region lists: every fund type, per item."""

    region: str
    year: int
    cases: int
    fund_payments: Decimal
    budget: Decimal | None


def pool_consumption(cases: Iterable[PricedCase]) -> dict[PoolKey, PoolConsumption]:
    sums: dict[PoolKey, list] = {}
    for case in cases:
        if case.pool is None:
            continue
        s = sums.setdefault(case.pool, [0, ZERO, ZERO, ZERO, ZERO])
        s[0] += 1
        s[1] += case.inputs.total_cost
        s[2] += case.inputs.basic_fund_payment
        s[3] += case.payment
        s[4] += case.fund_due
    return {pool: PoolConsumption(pool, *s) for pool, s in sums.items()}


def pool_budget_status(config: ProvinceConfig, consumption: PoolConsumption) -> PoolBudgetStatus:
    pool = config.pool(consumption.pool)
    policy = config.region_year(pool.key.region, pool.key.year).policy
    budget = pool.budget_for(consumption.basic_fund)
    distributable = policy.distributable(budget)
    return PoolBudgetStatus(
        pool=pool.key,
        budget=budget,
        distributable=distributable,
        reserve=budget - distributable,
        provisional_rate=pool.provisional_rate,
        consumed=consumption.fund_due,
        basis=budget if policy.alert_basis == "budget" else distributable,
    )


def insured_consumption(config: ProvinceConfig, cases: Iterable[PricedCase]) -> dict[tuple[str, int], InsuredConsumption]:
    sums: dict[tuple[str, int], list] = {}
    for case in cases:
        if case.inputs.cross_region:
            s = sums.setdefault((case.inputs.insured_region, case.inputs.year), [0, ZERO])
            s[0] += 1
            s[1] += case.inputs.fund_payments
    result = {}
    for (region, year), (count, paid) in sums.items():
        budget = config.insured_budget(region, year)
        result[(region, year)] = InsuredConsumption(region, year, count, paid, budget.budget if budget else None)
    return result
