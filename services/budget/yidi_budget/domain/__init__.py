"""Pools and budgets (DOMAIN.md §6): consumption at the provisional rate, A_p, alerts."""
from .alerts import BudgetAlert, newly_crossed
from .consumption import (
    InsuredConsumption,
    PoolBudgetStatus,
    PoolConsumption,
    insured_consumption,
    pool_budget_status,
    pool_consumption,
)

__all__ = [
    "BudgetAlert",
    "InsuredConsumption",
    "PoolBudgetStatus",
    "PoolConsumption",
    "insured_consumption",
    "newly_crossed",
    "pool_budget_status",
    "pool_consumption",
]
