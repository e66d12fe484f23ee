"""Clearing's repository in memory: what the use cases and handlers read and write, in dicts."""
from __future__ import annotations

from decimal import Decimal

import orjson

from yidi_clearing.domain.cases import ClearingCase
from yidi_clearing.domain.deductions import ConfirmedDeduction
from yidi_clearing.domain.ledger import JournalEntry
from yidi_clearing.domain.settlement import Settled, Stage


class FakeClearingRepository:
    def __init__(self) -> None:
        self.cases_by_claim: dict[str, ClearingCase] = {}
        self.deductions_by_flag: dict[str, ConfirmedDeduction] = {}
        self.applied_in: dict[str, str] = {}  # flag id -> the run that took it from the hospital
        self.cleared_in: dict[str, str] = {}  # flag id -> the run that took it from a remittance
        self.runs: dict[tuple[str, str, str, int], str] = {}  # (kind, book, period, seq) -> statement as JSON
        self.settlements: list[Settled] = []
        self.scores: dict[tuple[str, int], dict[str, Decimal]] = {}
        self.entries: dict[str, JournalEntry] = {}  # posted, in order
        self.cleared: dict[str, str] = {}  # claim id -> entry id

    async def claim_scope(self, claim_id: str) -> tuple[str, str, str] | None:
        case = self.cases_by_claim.get(claim_id)
        return None if case is None else (case.treatment_region, case.insured_region, case.hospital_code)

    async def store_cases(self, cases: list[ClearingCase]) -> None:
        for case in cases:
            stored = self.cases_by_claim.get(case.claim_id)
            if stored is None or stored.version < case.version:
                self.cases_by_claim[case.claim_id] = case

    async def cases(self, *, treatment_region: str | None = None, year: int | None = None,
                    until: str | None = None) -> list[ClearingCase]:
        return [c for c in self.cases_by_claim.values()
                if treatment_region in (None, c.treatment_region) and year in (None, c.year)
                and (until is None or c.period <= until)]

    async def settled(self, stage: Stage, *, year: int, treatment_region: str | None = None) -> dict[str, Settled]:
        latest: dict[str, Settled] = {}
        for s in self.settlements:
            if s.stage is stage and s.period[:4] == f"{year:04d}" and treatment_region in (None, s.treatment_region):
                if s.claim_id not in latest or latest[s.claim_id].version < s.version:
                    latest[s.claim_id] = s
        return latest

    async def record_settled(self, settled: list[Settled]) -> None:
        done = {(s.stage, s.claim_id, s.version) for s in self.settlements}
        for s in settled:
            if (s.stage, s.claim_id, s.version) in done:
                raise AssertionError(f"{s.claim_id} v{s.version} settled twice in stage {s.stage}")
            done.add((s.stage, s.claim_id, s.version))
        self.settlements += settled

    async def settlements_of(self, stage: Stage, *, treatment_region: str, year: int) -> list[Settled]:
        return [s for s in self.settlements if s.stage is stage and s.treatment_region == treatment_region
                and s.period[:4] == f"{year:04d}"]

    async def add_deduction(self, deduction: ConfirmedDeduction) -> None:
        self.deductions_by_flag.setdefault(deduction.flag_id, deduction)

    async def deductions(self, *, treatment_region: str | None = None, year: int | None = None,
                         unapplied: str | None = None) -> list[ConfirmedDeduction]:
        taken = {"settlement": self.applied_in, "clearing": self.cleared_in}.get(unapplied or "", {})
        return sorted((d for d in self.deductions_by_flag.values()
                       if treatment_region in (None, d.treatment_region)
                       and (year is None or d.period[:4] == f"{year:04d}") and d.flag_id not in taken),
                      key=lambda d: (d.period, d.flag_id))

    async def mark_deductions(self, flag_ids: list[str], applied: str, run: str) -> None:
        taken = {"settlement": self.applied_in, "clearing": self.cleared_in}[applied]
        for flag_id in flag_ids:
            taken.setdefault(flag_id, run)

    async def stored_runs(self, kind: str, book: str, period: str) -> list[dict]:
        return [orjson.loads(v) for (k, b, p, _), v in sorted(self.runs.items()) if (k, b, p) == (kind, book, period)]

    async def store_run(self, kind: str, book: str, period: str, seq: int, statement: dict) -> bool:
        if (kind, book, period, seq) in self.runs:
            return False
        self.runs[(kind, book, period, seq)] = orjson.dumps(statement, default=str).decode()
        return True

    async def statements(self, kind: str, book: str, year: int) -> list[dict]:
        return [orjson.loads(v) for (k, b, p, _), v in sorted(self.runs.items())
                if (k, b) == (kind, book) and p[:4] == f"{year:04d}"]

    async def store_assessments(self, region: str, year: int, scores: dict[str, Decimal], source: str) -> None:
        self.scores.setdefault((region, year), {}).update(scores)

    async def assessments(self, region: str, year: int) -> dict[str, Decimal]:
        return dict(self.scores.get((region, year), {}))

    async def post(self, entries: list[JournalEntry]) -> list[JournalEntry]:
        fresh = [e for e in entries if e.entry_id not in self.entries]
        self.entries.update((e.entry_id, e) for e in fresh)
        return fresh

    async def cleared_entries(self, claim_ids: list[str]) -> dict[str, JournalEntry]:
        return {c: self.entries[self.cleared[c]] for c in claim_ids if c in self.cleared}

    async def mark_cleared(self, entries: list[JournalEntry]) -> None:
        self.cleared.update((e.claim_id, e.entry_id) for e in entries)

    async def account_balances(self, prefix: str, year: int) -> dict[str, Decimal]:
        balances: dict[str, Decimal] = {}
        for e in self.entries.values():
            if e.period[:4] == f"{year:04d}":
                for l in e.lines:
                    if l.account.startswith(prefix):
                        balances[l.account] = balances.get(l.account, Decimal("0.00")) + l.debit - l.credit
        return dict(sorted(balances.items()))
