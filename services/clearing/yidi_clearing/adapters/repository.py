"""Clearing's storage in PostgreSQL: each claim's current priced version, confirmed deductions, clearing
runs and their statements, and the ledger (idempotent posting by entry id, balances from lines alone)."""
from __future__ import annotations

from decimal import Decimal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from yidi_common.claims import ClaimScope
from yidi_common.db import unnest_parameters

from ..domain.cases import ClearingCase
from ..domain.deductions import ConfirmedDeduction
from ..domain.ledger import JournalEntry, Line
from ..domain.settlement import Settled, Stage

UPSERT_CASES = text(
    "INSERT INTO clearing_cases (claim_id, version, setl_id, hospital_code, treat_admdvs, insu_admdvs, insutype, "
    "period, year, pool, case_kind, cross_province, scope, total_cost, basic_fund, other_funds, payment, fund_due, "
    "payment_exact) "
    "SELECT * FROM unnest(CAST(:claim_ids AS text[]), CAST(:versions AS int[]), CAST(:setl_ids AS text[]), "
    "CAST(:hospital_codes AS text[]), CAST(:treatment_regions AS text[]), CAST(:insured_regions AS text[]), "
    "CAST(:insutypes AS text[]), CAST(:periods AS text[]), CAST(:years AS int[]), CAST(:pools AS text[]), "
    "CAST(:case_kinds AS text[]), CAST(:cross_province AS bool[]), CAST(:scopes AS text[]), "
    "CAST(:total_costs AS numeric[]), CAST(:basic_funds AS numeric[]), CAST(:other_funds AS numeric[]), "
    "CAST(:payments AS numeric[]), CAST(:fund_dues AS numeric[]), CAST(:payments_exact AS numeric[])) "
    "ON CONFLICT (claim_id) DO UPDATE SET version = EXCLUDED.version, pool = EXCLUDED.pool, "
    "case_kind = EXCLUDED.case_kind, total_cost = EXCLUDED.total_cost, basic_fund = EXCLUDED.basic_fund, "
    "other_funds = EXCLUDED.other_funds, payment = EXCLUDED.payment, fund_due = EXCLUDED.fund_due, "
    "payment_exact = EXCLUDED.payment_exact, period = EXCLUDED.period, year = EXCLUDED.year, "
    "insutype = EXCLUDED.insutype, hospital_code = EXCLUDED.hospital_code, setl_id = EXCLUDED.setl_id, "
    "treat_admdvs = EXCLUDED.treat_admdvs, insu_admdvs = EXCLUDED.insu_admdvs, scope = EXCLUDED.scope, "
    "cross_province = EXCLUDED.cross_province "
    "WHERE clearing_cases.version < EXCLUDED.version"
)
SELECT_CASES = text(
    "SELECT claim_id, version, setl_id, period, hospital_code, treat_admdvs, insu_admdvs, insutype, scope, pool, "
    "case_kind, total_cost, basic_fund, other_funds, payment, payment_exact, fund_due FROM clearing_cases "
    "WHERE (CAST(:treatment_region AS text) IS NULL OR treat_admdvs = :treatment_region) "
    "AND (CAST(:year AS int) IS NULL OR year = :year) AND (CAST(:until AS text) IS NULL OR period <= :until)"
)
SELECT_DEDUCTIONS = text(
    "SELECT flag_id, claim_id, setl_id, hospital_code, treat_admdvs, insu_admdvs, amount, confirmed_at, period "
    "FROM deductions WHERE (CAST(:treatment_region AS text) IS NULL OR treat_admdvs = :treatment_region) "
    "AND (CAST(:year AS text) IS NULL OR left(period, 4) = :year) "
    "AND (CAST(:unapplied AS text) IS NULL OR :unapplied = 'settlement' AND applied_in IS NULL "
    "OR :unapplied = 'clearing' AND cleared_in IS NULL) ORDER BY period, flag_id"
)
SELECT_SETTLED = text(
    "SELECT DISTINCT ON (claim_id) stage, claim_id, version, run, period, hospital_code, treat_admdvs, insu_admdvs, "
    "fund_due, per_item, provisional, pool FROM claim_settlements WHERE stage = :stage AND left(period, 4) = :year "
    "AND (CAST(:treatment_region AS text) IS NULL OR treat_admdvs = :treatment_region) "
    "ORDER BY claim_id, version DESC"
)
SELECT_SETTLEMENTS = text(
    "SELECT stage, claim_id, version, run, period, hospital_code, treat_admdvs, insu_admdvs, fund_due, per_item, "
    "provisional, pool FROM claim_settlements WHERE stage = :stage AND left(period, 4) = :year "
    "AND treat_admdvs = :treatment_region ORDER BY claim_id, version"
)
INSERT_SETTLED = text(
    "INSERT INTO claim_settlements (stage, claim_id, version, run, period, hospital_code, treat_admdvs, insu_admdvs, "
    "fund_due, per_item, provisional, pool) SELECT * FROM unnest(CAST(:stage AS text[]), CAST(:claim_id AS text[]), "
    "CAST(:version AS int[]), CAST(:run AS text[]), CAST(:period AS text[]), CAST(:hospital_code AS text[]), "
    "CAST(:treatment_region AS text[]), CAST(:insured_region AS text[]), CAST(:fund_due AS numeric[]), "
    "CAST(:per_item AS numeric[]), CAST(:provisional AS numeric[]), CAST(:pool AS text[]))"
)


class PostgresClearingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # ------------------------------------------------------------------ cases and deductions

    async def store_cases(self, cases: list[ClearingCase]) -> None:
        """One case per claim; a stored newer version stays."""
        if cases:
            await self.conn.execute(UPSERT_CASES, {
                "claim_ids": [c.claim_id for c in cases], "versions": [c.version for c in cases],
                "setl_ids": [c.setl_id for c in cases], "hospital_codes": [c.hospital_code for c in cases],
                "treatment_regions": [c.treatment_region for c in cases],
                "insured_regions": [c.insured_region for c in cases], "insutypes": [c.insutype for c in cases],
                "periods": [c.period for c in cases], "years": [c.year for c in cases],
                "pools": [c.pool for c in cases], "case_kinds": [c.case_kind for c in cases],
                "cross_province": [c.scope is ClaimScope.CROSS_PROVINCE for c in cases],
                "scopes": [c.scope.value for c in cases], "total_costs": [c.total_cost for c in cases],
                "basic_funds": [c.basic_fund for c in cases], "other_funds": [c.other_funds for c in cases],
                "payments": [c.payment for c in cases], "fund_dues": [c.fund_due for c in cases],
                "payments_exact": [c.payment_exact for c in cases],
            })

    async def cases(self, *, treatment_region: str | None = None, year: int | None = None,
                    until: str | None = None) -> list[ClearingCase]:
        rows = await self.conn.execute(SELECT_CASES, {"treatment_region": treatment_region, "year": year,
                                                      "until": until})
        return [
            ClearingCase(r.claim_id, r.version, r.setl_id, r.period, r.hospital_code, r.treat_admdvs, r.insu_admdvs,
                         r.insutype, ClaimScope(r.scope), r.pool, r.case_kind, r.total_cost, r.basic_fund,
                         r.other_funds, r.payment, r.payment_exact, r.fund_due)
            for r in rows
        ]

    async def add_deduction(self, deduction: ConfirmedDeduction) -> None:
        d = deduction
        await self.conn.execute(
            text("INSERT INTO deductions (flag_id, claim_id, setl_id, hospital_code, treat_admdvs, insu_admdvs, "
                 "amount, confirmed_at, period) VALUES (:flag_id, :claim_id, :setl_id, :hospital_code, "
                 ":treatment_region, :insured_region, :amount, :confirmed_at, :period) ON CONFLICT (flag_id) DO NOTHING"),
            {"flag_id": d.flag_id, "claim_id": d.claim_id, "setl_id": d.setl_id, "hospital_code": d.hospital_code,
             "treatment_region": d.treatment_region, "insured_region": d.insured_region, "amount": d.amount,
             "confirmed_at": d.confirmed_at, "period": d.period},
        )

    async def deductions(self, *, treatment_region: str | None = None, year: int | None = None,
                         unapplied: str | None = None) -> list[ConfirmedDeduction]:
        rows = await self.conn.execute(SELECT_DEDUCTIONS, {
            "treatment_region": treatment_region, "year": None if year is None else f"{year:04d}",
            "unapplied": unapplied})
        return [ConfirmedDeduction(r.flag_id, r.claim_id, r.setl_id, r.hospital_code, r.treat_admdvs, r.insu_admdvs,
                                   r.amount, r.confirmed_at, r.period) for r in rows]

    async def mark_deductions(self, flag_ids: list[str], applied: str, run: str) -> None:
        column = {"settlement": "applied_in", "clearing": "cleared_in"}[applied]
        if flag_ids:
            await self.conn.execute(
                text(f"UPDATE deductions SET {column} = :run WHERE flag_id = ANY(:flag_ids) AND {column} IS NULL"),
                {"run": run, "flag_ids": flag_ids})

    # ------------------------------------------------------------------ settlements

    async def settled(self, stage: Stage, *, year: int, treatment_region: str | None = None) -> dict[str, Settled]:
        rows = await self.conn.execute(SELECT_SETTLED, {"stage": stage.value, "year": f"{year:04d}",
                                                        "treatment_region": treatment_region})
        return {r.claim_id: _settled(r) for r in rows}

    async def settlements_of(self, stage: Stage, *, treatment_region: str, year: int) -> list[Settled]:
        rows = await self.conn.execute(SELECT_SETTLEMENTS, {"stage": stage.value, "year": f"{year:04d}",
                                                            "treatment_region": treatment_region})
        return [_settled(r) for r in rows]

    async def record_settled(self, settled: list[Settled]) -> None:
        """The primary key (stage, claim, version) refuses a second settlement of a version."""
        if settled:
            fields = ("claim_id", "version", "run", "period", "hospital_code", "treatment_region",
                      "insured_region", "fund_due", "per_item", "provisional", "pool")
            await self.conn.execute(INSERT_SETTLED, {"stage": [x.stage.value for x in settled],
                                                     **unnest_parameters(settled, **{f: f for f in fields})})

    # ------------------------------------------------------------------ assessments

    async def store_assessments(self, region: str, year: int, scores: dict[str, Decimal], source: str) -> None:
        if scores:
            await self.conn.execute(
                text("INSERT INTO assessments (region, year, hospital_code, score, source) "
                     "SELECT :region, :year, * FROM unnest(CAST(:hospitals AS text[]), CAST(:scores AS numeric[]), "
                     "CAST(:sources AS text[])) ON CONFLICT (region, year, hospital_code) DO UPDATE SET "
                     "score = EXCLUDED.score, source = EXCLUDED.source, recorded_at = now()"),
                {"region": region, "year": year, "hospitals": list(scores), "scores": list(scores.values()),
                 "sources": [source] * len(scores)})

    async def assessments(self, region: str, year: int) -> dict[str, Decimal]:
        rows = await self.conn.execute(
            text("SELECT hospital_code, score FROM assessments WHERE region = :region AND year = :year"),
            {"region": region, "year": year})
        return {r.hospital_code: r.score for r in rows}

    # ------------------------------------------------------------------ clearing runs

    async def stored_runs(self, kind: str, book: str, period: str) -> list[dict]:
        """book: the region a run clears, or `province`."""
        rows = await self.conn.execute(
            text("SELECT statement FROM clearing_runs WHERE kind = :kind AND scope = :book AND period = :period "
                 "ORDER BY seq"), {"kind": kind, "book": book, "period": period})
        return [r.statement for r in rows]

    async def store_run(self, kind: str, book: str, period: str, seq: int, statement: dict) -> bool:
        """False when that run is stored already (it stands as it is)."""
        row = await self.conn.execute(
            text("INSERT INTO clearing_runs (kind, scope, period, seq, statement) "
                 "VALUES (:kind, :book, :period, :seq, CAST(:statement AS json)) ON CONFLICT DO NOTHING RETURNING kind"),
            {"kind": kind, "book": book, "period": period, "seq": seq,
             "statement": orjson.dumps(statement, default=str).decode()},
        )
        return row.first() is not None

    async def statements(self, kind: str, book: str, year: int) -> list[dict]:
        rows = await self.conn.execute(
            text("SELECT statement FROM clearing_runs WHERE kind = :kind AND scope = :book "
                 "AND left(period, 4) = :year ORDER BY period, seq"),
            {"kind": kind, "book": book, "year": f"{year:04d}"})
        return [r.statement for r in rows]

    # ------------------------------------------------------------------ ledger

    async def post(self, entries: list[JournalEntry]) -> list[JournalEntry]:
        """Append entries; those already posted (same id) are skipped. Returns the newly posted ones."""
        if not entries:
            return []
        posted_ids = set(
            (
                await self.conn.execute(
                    text(
                        "INSERT INTO journal_entries (entry_id, kind, period, claim_id, version) "
                        "SELECT * FROM unnest(CAST(:entry_ids AS text[]), CAST(:kinds AS text[]), "
                        "CAST(:periods AS text[]), CAST(:claim_ids AS text[]), CAST(:versions AS int[])) "
                        "ON CONFLICT DO NOTHING RETURNING entry_id"
                    ),
                    {
                        "entry_ids": [e.entry_id for e in entries],
                        "kinds": [e.kind for e in entries],
                        "periods": [e.period for e in entries],
                        "claim_ids": [e.claim_id for e in entries],
                        "versions": [e.version for e in entries],
                    },
                )
            ).scalars()
        )
        fresh = [e for e in entries if e.entry_id in posted_ids]
        lines = [(e.entry_id, n, l) for e in fresh for n, l in enumerate(e.lines, 1)]
        if lines:
            await self.conn.execute(
                text(
                    "INSERT INTO journal_lines (entry_id, line_no, account, debit, credit) "
                    "SELECT * FROM unnest(CAST(:entry_ids AS text[]), CAST(:line_nos AS int[]), "
                    "CAST(:accounts AS text[]), CAST(:debits AS numeric[]), CAST(:credits AS numeric[]))"
                ),
                {
                    "entry_ids": [i for i, _, _ in lines],
                    "line_nos": [n for _, n, _ in lines],
                    "accounts": [l.account for _, _, l in lines],
                    "debits": [l.debit for _, _, l in lines],
                    "credits": [l.credit for _, _, l in lines],
                },
            )
        return fresh

    async def cleared_entries(self, claim_ids: list[str]) -> dict[str, JournalEntry]:
        """The entry each claim is cleared by now (its latest posted version), with its lines."""
        rows = await self.conn.execute(
            text(
                "SELECT c.claim_id, e.entry_id, e.kind, e.period, e.version, l.account, l.debit, l.credit "
                "FROM cleared_claims c JOIN journal_entries e USING (entry_id) "
                "LEFT JOIN journal_lines l USING (entry_id) WHERE c.claim_id = ANY(:claim_ids) "
                "ORDER BY c.claim_id, l.line_no"
            ),
            {"claim_ids": claim_ids},
        )
        lines: dict[str, list] = {}
        heads = {}
        for r in rows:
            heads.setdefault(r.claim_id, r)
            claim_lines = lines.setdefault(r.claim_id, [])
            if r.account is not None:  # an entry of a claim the funds paid nothing for has no lines
                claim_lines.append(Line(r.account, r.debit, r.credit))
        return {c: JournalEntry(h.entry_id, h.kind, h.period, c, h.version, tuple(lines[c])) for c, h in heads.items()}

    async def mark_cleared(self, entries: list[JournalEntry]) -> None:
        """entries: one per claim, the claim's newest posted version."""
        if entries:
            await self.conn.execute(
                text(
                    "INSERT INTO cleared_claims (claim_id, version, entry_id) "
                    "SELECT * FROM unnest(CAST(:claim_ids AS text[]), CAST(:versions AS int[]), "
                    "CAST(:entry_ids AS text[])) "
                    "ON CONFLICT (claim_id) DO UPDATE SET version = EXCLUDED.version, entry_id = EXCLUDED.entry_id"
                ),
                {"claim_ids": [e.claim_id for e in entries], "versions": [e.version for e in entries],
                 "entry_ids": [e.entry_id for e in entries]},
            )

    # ------------------------------------------------------------------ ledger reads (api)

    async def account_balances(self, prefix: str, year: int) -> dict[str, Decimal]:
        rows = await self.conn.execute(
            text("SELECT l.account, sum(l.debit - l.credit) AS balance FROM journal_lines l "
                 "JOIN journal_entries e USING (entry_id) WHERE l.account LIKE :prefix || '%' "
                 "AND left(e.period, 4) = :year GROUP BY l.account ORDER BY l.account"),
            {"prefix": prefix, "year": f"{year:04d}"})
        return {r.account: r.balance for r in rows}

    async def trial_balance(self) -> dict[str, Decimal]:
        row = (
            await self.conn.execute(text("SELECT coalesce(sum(debit),0) AS debits, coalesce(sum(credit),0) AS credits, "
                                         "count(*) AS lines FROM journal_lines"))
        ).one()
        entries = await self.conn.scalar(text("SELECT count(*) FROM journal_entries"))
        return {"debits": row.debits, "credits": row.credits, "difference": row.debits - row.credits,
                "lines": row.lines, "entries": entries}

    async def balances(self, prefix: str | None, period: str | None, kind: str | None = None) -> list[dict]:
        rows = await self.conn.execute(
            text(
                "SELECT l.account, sum(l.debit) AS debits, sum(l.credit) AS credits, "
                "sum(l.debit - l.credit) AS balance FROM journal_lines l JOIN journal_entries e USING (entry_id) "
                "WHERE (CAST(:prefix AS text) IS NULL OR l.account LIKE :prefix || '%') "
                "AND (CAST(:period AS text) IS NULL OR e.period = :period) "
                "AND (CAST(:kind AS text) IS NULL OR e.kind LIKE :kind || '%') GROUP BY l.account ORDER BY l.account"
            ),
            {"prefix": prefix, "period": period, "kind": kind},
        )
        return [dict(r) for r in rows.mappings()]

    async def claim_scope(self, claim_id: str) -> tuple[str, str, str] | None:
        """(treatment region, insured region, hospital) of a claim's current version."""
        row = (await self.conn.execute(
            text("SELECT treat_admdvs, insu_admdvs, hospital_code FROM clearing_cases WHERE claim_id = :claim_id"),
            {"claim_id": claim_id})).first()
        return None if row is None else (row.treat_admdvs, row.insu_admdvs, row.hospital_code)

    async def claim_journal(self, claim_id: str) -> list[dict]:
        heads = (
            await self.conn.execute(
                text("SELECT * FROM journal_entries WHERE claim_id = :claim_id ORDER BY posted_at, entry_id"),
                {"claim_id": claim_id},
            )
        ).mappings().all()
        out = []
        for head in heads:
            rows = await self.conn.execute(
                text("SELECT account, debit, credit FROM journal_lines WHERE entry_id = :entry_id ORDER BY line_no"),
                {"entry_id": head["entry_id"]},
            )
            out.append({**dict(head), "lines": [Line(r.account, r.debit, r.credit).__dict__ for r in rows]})
        return out


def _settled(r) -> Settled:
    return Settled(Stage(r.stage), r.claim_id, r.version, r.run, r.period, r.hospital_code, r.treat_admdvs,
                   r.insu_admdvs, r.fund_due, r.per_item, r.provisional, r.pool)
