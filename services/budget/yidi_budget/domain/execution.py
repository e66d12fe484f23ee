"""Budget execution (DOMAIN.md §6): B_p, A_p = B_p × (1 − ρ), the reserve, consumption as a share, and
the basis alerts measure consumption against."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from yidi_common.regional_config import (
    AlertBasis,
    AlertThresholds,
    BudgetHistoryError,
    BudgetSource,
    InsuredBudget,
    PoolConfig,
    Policy,
    ProvinceConfig,
    pool_year_total,
)

from .consumption import BudgetKind, BudgetRef, Sums

RATIO_PLACES = Decimal("0.0001")


def ratio(amount: Decimal, of: Decimal | None) -> Decimal | None:
    return (amount / of).quantize(RATIO_PLACES) if of else None


class Basis(StrEnum):
    """What an alert's thresholds are shares of."""

    BUDGET = "budget"  # B_p, or the insured region's budget
    DISTRIBUTABLE = "distributable"  # A_p
    CONFIGURED_ESTIMATE = "configured-estimate"  # the pool's budget_estimate (× (1 − ρ) under "distributable")
    PRIOR_YEAR_ESTIMATE = "prior-year-estimate"  # last year's Σ F, else clearing total (idem)


@dataclass(frozen=True, slots=True)
class EarlierYears:
    """What budget stored of a region's earlier years, by pool label."""

    clearing_totals: Mapping[str, Decimal] = field(default_factory=dict)  # fund_due_final + overrun_paid
    item_fund_payments: Mapping[str, Decimal] = field(default_factory=dict)  # Σ F, the previous year's pools


NO_EARLIER = EarlierYears()


def earlier_years_needed(pool: PoolConfig) -> tuple[tuple[int, ...], bool]:
    """The years whose clearing totals the pool's budget or alert basis reads, and whether it reads the
    previous year's Σ F too."""
    if pool.budget_source is BudgetSource.HISTORY:
        return pool.history_span, False
    if pool.budget_source is BudgetSource.ITEM_FUND_PAYMENTS and pool.budget_estimate is None:
        return (pool.key.year - 1,), True
    return (), False


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    budget: Decimal | None  # B_p, or the insured region's cross-region budget (None: not known)
    basis: Decimal | None  # what alert thresholds are shares of (None: no alerts)
    basis_kind: Basis | None
    cases: int
    consumed: Decimal
    no_basis: str | None = None  # why there is no basis

    @property
    def execution(self) -> Decimal | None:
        """Consumption as a share of the budget."""
        return ratio(self.consumed, self.budget)

    @property
    def no_alert_reason(self) -> str | None:
        if self.basis is None:
            return self.no_basis
        return None if self.basis else f"the {self.basis_kind} basis is 0"


@dataclass(frozen=True, slots=True)
class PoolStatus(BudgetStatus):
    distributable: Decimal | None = None  # A_p
    reserve: Decimal | None = None  # B_p − A_p


def pool_status(pool: PoolConfig, policy: Policy, sums: Sums, earlier: EarlierYears = NO_EARLIER) -> PoolStatus:
    try:
        history = pool.history_from(earlier.clearing_totals) if pool.budget_source is BudgetSource.HISTORY else None
        budget = pool.budget_for(sums.basic_fund, history)
    except BudgetHistoryError as e:
        return PoolStatus(budget=None, basis=None, basis_kind=None, cases=sums.cases, consumed=sums.consumed,
                          no_basis=f"B_p unknown: {e}")
    distributable = policy.distributable(budget)
    by_budget = policy.alert_basis is AlertBasis.BUDGET
    no_basis = None
    if pool.budget_source is not BudgetSource.ITEM_FUND_PAYMENTS:
        basis, kind = (budget, Basis.BUDGET) if by_budget else (distributable, Basis.DISTRIBUTABLE)
    else:  # B_p is the running Σ F itself: alerts need an estimate of the year's
        estimate, kind, no_basis = _estimate(pool, earlier)
        basis = None if estimate is None else estimate if by_budget else policy.distributable(estimate)
    return PoolStatus(budget=budget, basis=basis, basis_kind=kind, cases=sums.cases, consumed=sums.consumed,
                      no_basis=no_basis, distributable=distributable, reserve=budget - distributable)


def _estimate(pool: PoolConfig, earlier: EarlierYears) -> tuple[Decimal | None, Basis | None, str | None]:
    if pool.budget_estimate is not None:
        return pool.budget_estimate, Basis.CONFIGURED_ESTIMATE, None
    previous = pool.key.year - 1
    try:
        prior = pool_year_total(pool.key, previous, earlier.item_fund_payments)
        if prior is None:
            prior = pool_year_total(pool.key, previous, earlier.clearing_totals)
    except BudgetHistoryError as e:
        return None, None, f"no budget_estimate, and no prior-year estimate: {e}"
    if prior is None:
        return None, None, (f"B_p is the Σ F paid per item so far: no budget_estimate configured and no "
                            f"{previous} Σ F or clearing total stored for this pool")
    return prior, Basis.PRIOR_YEAR_ESTIMATE, None


def insured_status(insured: InsuredBudget | None, sums: Sums) -> BudgetStatus:
    if insured is None:
        return BudgetStatus(budget=None, basis=None, basis_kind=None, cases=sums.cases, consumed=sums.consumed,
                            no_basis="no cross-region budget configured for this insured region and year")
    return BudgetStatus(budget=insured.budget, basis=insured.budget, basis_kind=Basis.BUDGET, cases=sums.cases,
                        consumed=sums.consumed)


def budget_status(config: ProvinceConfig, ref: BudgetRef, sums: Sums,
                  earlier: EarlierYears = NO_EARLIER) -> tuple[BudgetStatus, AlertThresholds]:
    """A budget's status and the alert thresholds of its policy (the region-year's for a pool,
    the province's for an insured region)."""
    if ref.kind is BudgetKind.POOL:
        region_year = config.region_year(ref.region, ref.year)
        return pool_status(region_year.pools[ref.key], region_year.policy, sums, earlier), region_year.policy.alerts
    return insured_status(config.insured_budget(ref.region, ref.year), sums), config.policy.alerts
