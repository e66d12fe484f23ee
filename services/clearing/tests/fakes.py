"""Clearing's repository in memory: what the use cases and handlers read and write, in dicts."""
from __future__ import annotations

import orjson

from yidi_clearing.domain.cases import ClearingCase
from yidi_clearing.domain.deductions import ConfirmedDeduction
from yidi_clearing.domain.ledger import JournalEntry


class FakeClearingRepository:
    def __init__(self) -> None:
        self.cases_by_claim: dict[str, ClearingCase] = {}
        self.deductions_by_flag: dict[str, ConfirmedDeduction] = {}
        self.applied_in: dict[str, str] = {}  # flag id -> the month whose run applied it
        self.runs: dict[tuple[str, str, str], str] = {}  # (kind, book, period) -> statement as JSON
        self.entries: dict[str, JournalEntry] = {}  # posted, in order
        self.cleared: dict[str, str] = {}  # claim id -> entry id

    async def store_cases(self, cases: list[ClearingCase]) -> None:
        for case in cases:
            stored = self.cases_by_claim.get(case.claim_id)
            if stored is None or stored.version < case.version:
                self.cases_by_claim[case.claim_id] = case

    async def cases(self, *, treatment_region: str | None = None, year: int | None = None,
                    period: str | None = None) -> list[ClearingCase]:
        return [c for c in self.cases_by_claim.values()
                if treatment_region in (None, c.treatment_region) and year in (None, c.year)
                and period in (None, c.period)]

    async def add_deduction(self, deduction: ConfirmedDeduction) -> None:
        self.deductions_by_flag.setdefault(deduction.flag_id, deduction)

    async def deductions(self, *, treatment_region: str | None = None, year: int | None = None,
                         month: str | None = None) -> list[ConfirmedDeduction]:
        return [d for d in self.deductions_by_flag.values()
                if treatment_region in (None, d.treatment_region)
                and (year is None or d.period[:4] == f"{year:04d}")
                and (month is None or d.period <= month and self.applied_in.get(d.flag_id, month) == month)]

    async def mark_deductions_applied(self, flag_ids: list[str], month: str) -> None:
        for flag_id in flag_ids:
            self.applied_in.setdefault(flag_id, month)

    async def stored_run(self, kind: str, book: str, period: str) -> dict | None:
        stored = self.runs.get((kind, book, period))
        return None if stored is None else orjson.loads(stored)

    async def store_run(self, kind: str, book: str, period: str, statement: dict) -> bool:
        if (kind, book, period) in self.runs:
            return False
        self.runs[(kind, book, period)] = orjson.dumps(statement, default=str).decode()
        return True

    async def post(self, entries: list[JournalEntry]) -> list[JournalEntry]:
        fresh = [e for e in entries if e.entry_id not in self.entries]
        self.entries.update((e.entry_id, e) for e in fresh)
        return fresh

    async def cleared_entries(self, claim_ids: list[str]) -> dict[str, JournalEntry]:
        return {c: self.entries[self.cleared[c]] for c in claim_ids if c in self.cleared}

    async def mark_cleared(self, entries: list[JournalEntry]) -> None:
        self.cleared.update((e.claim_id, e.entry_id) for e in entries)
