"""Budget execution (DOMAIN.md §6): B_p, A_p = B_p × (1 − ρ), the reserve, and consumption as a share."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi_common.money import ZERO
from yidi_common.regional_config import AlertBasis, AlertThresholds, InsuredBudget, PoolConfig, Policy, ProvinceConfig

from .consumption import BudgetKind, BudgetRef, Sums

RATIO_PLACES = Decimal("0.0001")


def ratio(amount: Decimal, of: Decimal | None) -> Decimal | None:
    return (amount / of).quantize(RATIO_PLACES) if of else None


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    budget: Decimal | None  # B_p, or the insured region's cross-region budget (None: not configured)
    basis: Decimal  # what alert thresholds are shares of
    cases: int
    consumed: Decimal

    @property
    def execution(self) -> Decimal | None:
        """Consumption as a share of the budget."""
        return ratio(self.consumed, self.budget)


@dataclass(frozen=True, slots=True)
class PoolStatus(BudgetStatus):
    distributable: Decimal  # A_p
    reserve: Decimal  # B_p − A_p


def pool_status(pool: PoolConfig, policy: Policy, sums: Sums) -> PoolStatus:
    budget = pool.budget_for(sums.basic_fund)
    distributable = policy.distributable(budget)
    basis = budget if policy.alert_basis is AlertBasis.BUDGET else distributable
    return PoolStatus(budget=budget, basis=basis, cases=sums.cases, consumed=sums.consumed,
                      distributable=distributable, reserve=budget - distributable)


def insured_status(insured: InsuredBudget | None, sums: Sums) -> BudgetStatus:
    budget = insured.budget if insured else None
    return BudgetStatus(budget=budget, basis=budget or ZERO, cases=sums.cases, consumed=sums.consumed)


def budget_status(config: ProvinceConfig, ref: BudgetRef, sums: Sums) -> tuple[BudgetStatus, AlertThresholds]:
    """A budget's status and the alert thresholds of its policy (the region-year's for a pool,
    the province's for an insured region)."""
    if ref.kind is BudgetKind.POOL:
        region_year = config.region_year(ref.region, ref.year)
        return pool_status(region_year.pools[ref.key], region_year.policy, sums), region_year.policy.alerts
    return insured_status(config.insured_budget(ref.region, ref.year), sums), config.policy.alerts
