"""What clearing's use cases need of storage: `adapters.repository.PostgresClearingRepository` over
PostgreSQL, `tests/fakes.py` in memory."""
from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from ..domain.cases import ClearingCase
from ..domain.deductions import ConfirmedDeduction
from ..domain.ledger import JournalEntry
from ..domain.settlement import Settled, Stage


class ClearingRepository(Protocol):
    async def store_cases(self, cases: list[ClearingCase]) -> None:
        """One case per claim; a stored newer version stays."""

    async def cases(self, *, treatment_region: str | None = None, year: int | None = None,
                    until: str | None = None) -> list[ClearingCase]:
        """Current claim versions: of a treatment region, of a year, of periods up to `until` (yyyy-mm)."""

    async def settled(self, stage: Stage, *, year: int, treatment_region: str | None = None) -> dict[str, Settled]:
        """Per claim of the year's periods (of a treatment region), the latest version the stage settled."""

    async def record_settled(self, settled: list[Settled]) -> None:
        """Each (stage, claim, version) once: a second settlement of the same version is refused."""

    async def settlements_of(self, stage: Stage, *, treatment_region: str, year: int) -> list[Settled]:
        """Every settlement of the stage for the region's claims of the year (close check)."""

    async def claim_scope(self, claim_id: str) -> tuple[str, str, str] | None:
        """(treatment region as cleared, insured region, hospital) of a stored claim; None when unknown."""

    async def add_deduction(self, deduction: ConfirmedDeduction) -> None:
        """Once per flag id."""

    async def deductions(self, *, treatment_region: str | None = None, year: int | None = None,
                         unapplied: str | None = None) -> list[ConfirmedDeduction]:
        """Those of a region and year; unapplied="settlement": not yet taken from the hospital (monthly,
        annual), unapplied="clearing": not yet taken from a remittance (cross-region, cross-province)."""

    async def mark_deductions(self, flag_ids: list[str], applied: str, run: str) -> None:
        """applied: "settlement" or "clearing"; run: the run's key."""

    async def stored_runs(self, kind: str, book: str, period: str) -> list[dict]:
        """The statements of the period's runs, first run first (JSON: amounts come back as strings)."""

    async def store_run(self, kind: str, book: str, period: str, seq: int, statement: dict) -> bool:
        """False when that run is stored already."""

    async def statements(self, kind: str, book: str, year: int) -> list[dict]:
        """Every stored statement of a kind for a book and year (periods yyyy or yyyy-mm)."""

    async def store_assessments(self, region: str, year: int, scores: dict[str, Decimal], source: str) -> None: ...

    async def assessments(self, region: str, year: int) -> dict[str, Decimal]: ...

    async def post(self, entries: list[JournalEntry]) -> list[JournalEntry]:
        """Appends the entries not posted yet (by entry id); returns those."""

    async def cleared_entries(self, claim_ids: list[str]) -> dict[str, JournalEntry]:
        """The entry each claim is cleared by now (its latest posted version)."""

    async def mark_cleared(self, entries: list[JournalEntry]) -> None: ...

    async def account_balances(self, prefix: str, year: int) -> dict[str, Decimal]:
        """Σ debit − credit per account starting with prefix, over entries of the year's periods."""
