"""Applying events to the indicators read model: idempotent by the consumer's inbox, and order-free (a
later claim version replaces an earlier one whenever each arrives; see the repository's merge)."""
from __future__ import annotations

from yidi_common.unit_of_work import Transaction

from ..domain.indicators import Case
from .repository import AnnualClearing, FlagUpdate, ReportsRepository


async def apply_cases(tx: Transaction[ReportsRepository], cases: list[Case]) -> None:
    await tx.repo.upsert_cases(cases)


async def apply_flags(tx: Transaction[ReportsRepository], updates: list[FlagUpdate | None]) -> None:
    await tx.repo.upsert_flags([u for u in updates if u is not None])


async def apply_annual_clearing(tx: Transaction[ReportsRepository], clearing: AnnualClearing) -> None:
    await tx.repo.store_annual_clearing(clearing)
