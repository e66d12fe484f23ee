"""The ledger in PostgreSQL: idempotent posting by entry id, balances derived from lines alone."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.ledger import JournalEntry, Line


async def post(conn: AsyncConnection, entries: list[JournalEntry]) -> list[JournalEntry]:
    """Append entries; those already posted (same id) are skipped. Returns the newly posted ones."""
    if not entries:
        return []
    posted_ids = set(
        (
            await conn.execute(
                text(
                    "INSERT INTO journal_entries (entry_id, kind, period, claim_id, version) "
                    "SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:kinds AS text[]), CAST(:periods AS text[]), "
                    "CAST(:claims AS text[]), CAST(:versions AS int[])) ON CONFLICT DO NOTHING RETURNING entry_id"
                ),
                {
                    "ids": [e.entry_id for e in entries],
                    "kinds": [e.kind for e in entries],
                    "periods": [e.period for e in entries],
                    "claims": [e.claim_id for e in entries],
                    "versions": [e.version for e in entries],
                },
            )
        ).scalars()
    )
    fresh = [e for e in entries if e.entry_id in posted_ids]
    lines = [(e.entry_id, n, l) for e in fresh for n, l in enumerate(e.lines, 1)]
    if lines:
        await conn.execute(
            text(
                "INSERT INTO journal_lines (entry_id, line_no, account, debit, credit) "
                "SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:nos AS int[]), CAST(:accounts AS text[]), "
                "CAST(:debits AS numeric[]), CAST(:credits AS numeric[]))"
            ),
            {
                "ids": [i for i, _, _ in lines],
                "nos": [n for _, n, _ in lines],
                "accounts": [l.account for _, _, l in lines],
                "debits": [l.debit for _, _, l in lines],
                "credits": [l.credit for _, _, l in lines],
            },
        )
    return fresh


async def load_entry(conn: AsyncConnection, entry_id: str) -> JournalEntry | None:
    head = (await conn.execute(text("SELECT * FROM journal_entries WHERE entry_id = :e"), {"e": entry_id})).first()
    if head is None:
        return None
    rows = await conn.execute(
        text("SELECT account, debit, credit FROM journal_lines WHERE entry_id = :e ORDER BY line_no"), {"e": entry_id}
    )
    return JournalEntry(head.entry_id, head.kind, head.period, head.claim_id, head.version,
                        tuple(Line(r.account, r.debit, r.credit) for r in rows))


async def trial_balance(conn: AsyncConnection) -> dict[str, Decimal]:
    row = (
        await conn.execute(text("SELECT coalesce(sum(debit),0) AS d, coalesce(sum(credit),0) AS c, count(*) AS n FROM journal_lines"))
    ).one()
    entries = await conn.scalar(text("SELECT count(*) FROM journal_entries"))
    return {"debits": row.d, "credits": row.c, "difference": row.d - row.c, "lines": row.n, "entries": entries}


async def balances(conn: AsyncConnection, prefix: str | None, period: str | None, kind: str | None = None) -> list[dict]:
    rows = await conn.execute(
        text(
            "SELECT l.account, sum(l.debit) AS debits, sum(l.credit) AS credits, sum(l.debit - l.credit) AS balance "
            "FROM journal_lines l JOIN journal_entries e USING (entry_id) "
            "WHERE (CAST(:p AS text) IS NULL OR l.account LIKE :p || '%') "
            "AND (CAST(:per AS text) IS NULL OR e.period = :per) "
            "AND (CAST(:k AS text) IS NULL OR e.kind LIKE :k || '%') GROUP BY l.account ORDER BY l.account"
        ),
        {"p": prefix, "per": period, "k": kind},
    )
    return [dict(r) for r in rows.mappings()]


async def claim_journal(conn: AsyncConnection, claim_id: str) -> list[dict]:
    heads = (
        await conn.execute(
            text("SELECT * FROM journal_entries WHERE claim_id = :c ORDER BY posted_at, entry_id"), {"c": claim_id}
        )
    ).mappings().all()
    out = []
    for h in heads:
        entry = await load_entry(conn, h["entry_id"])
        out.append({**dict(h), "lines": [l.__dict__ for l in entry.lines]})  # type: ignore[union-attr]
    return out


async def cleared_entries(conn: AsyncConnection, claim_ids: list[str]) -> dict[str, JournalEntry]:
    """The entry each claim is cleared by now (its latest posted version), with its lines."""
    rows = await conn.execute(
        text(
            "SELECT c.claim_id, e.entry_id, e.kind, e.period, e.version, l.account, l.debit, l.credit "
            "FROM cleared_claims c JOIN journal_entries e USING (entry_id) LEFT JOIN journal_lines l USING (entry_id) "
            "WHERE c.claim_id = ANY(:ids) ORDER BY c.claim_id, l.line_no"
        ),
        {"ids": claim_ids},
    )
    lines: dict[str, list] = {}
    heads = {}
    for r in rows:
        heads.setdefault(r.claim_id, r)
        claim_lines = lines.setdefault(r.claim_id, [])
        if r.account is not None:  # an entry of a claim the funds paid nothing for has no lines
            claim_lines.append(Line(r.account, r.debit, r.credit))
    return {c: JournalEntry(h.entry_id, h.kind, h.period, c, h.version, tuple(lines[c])) for c, h in heads.items()}


async def mark_cleared(conn: AsyncConnection, entries: list[JournalEntry]) -> None:
    """entries: one per claim, the claim's newest posted version."""
    if entries:
        await conn.execute(
            text(
                "INSERT INTO cleared_claims (claim_id, version, entry_id) "
                "SELECT * FROM unnest(CAST(:claims AS text[]), CAST(:versions AS int[]), CAST(:ids AS text[])) "
                "ON CONFLICT (claim_id) DO UPDATE SET version = EXCLUDED.version, entry_id = EXCLUDED.entry_id"
            ),
            {"claims": [e.claim_id for e in entries], "versions": [e.version for e in entries],
             "ids": [e.entry_id for e in entries]},
        )
