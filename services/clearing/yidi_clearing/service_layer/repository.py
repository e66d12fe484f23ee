"""What clearing's use cases need of storage: `adapters.repository.PostgresClearingRepository` over
PostgreSQL, `tests/fakes.py` in memory."""
from __future__ import annotations

from typing import Protocol

from ..domain.cases import ClearingCase
from ..domain.deductions import ConfirmedDeduction
from ..domain.ledger import JournalEntry


class ClearingRepository(Protocol):
    async def store_cases(self, cases: list[ClearingCase]) -> None:
        """One case per claim; a stored newer version stays."""

    async def cases(self, *, treatment_region: str | None = None, year: int | None = None,
                    period: str | None = None) -> list[ClearingCase]: ...

    async def add_deduction(self, deduction: ConfirmedDeduction) -> None:
        """Once per flag id."""

    async def deductions(self, *, treatment_region: str | None = None, year: int | None = None,
                         month: str | None = None) -> list[ConfirmedDeduction]:
        """Those of the year, or those a month's run takes: of that month, or earlier and not yet applied."""

    async def mark_deductions_applied(self, flag_ids: list[str], month: str) -> None: ...

    async def stored_run(self, kind: str, book: str, period: str) -> dict | None:
        """The statement as stored (JSON: amounts come back as strings)."""

    async def store_run(self, kind: str, book: str, period: str, statement: dict) -> bool:
        """False when that run is stored already."""

    async def post(self, entries: list[JournalEntry]) -> list[JournalEntry]:
        """Appends the entries not posted yet (by entry id); returns those."""

    async def cleared_entries(self, claim_ids: list[str]) -> dict[str, JournalEntry]:
        """The entry each claim is cleared by now (its latest posted version)."""

    async def mark_cleared(self, entries: list[JournalEntry]) -> None: ...
