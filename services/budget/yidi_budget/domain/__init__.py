"""Pools and budgets (DOMAIN.md §6): consumption at the provisional rate, execution, alerts."""
