"""Each claim's current priced version, as clearing needs it; clearing runs and their statements."""
from __future__ import annotations

from decimal import Decimal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from yidi_common.db import as_columns
from yidi_common.events.v1 import AuditFlagConfirmed, PaymentPriced

UPSERT_CASES = text(
    "INSERT INTO clearing_cases SELECT * FROM unnest(CAST(:claim_id AS text[]), CAST(:version AS int[]), "
    "CAST(:setl_id AS text[]), CAST(:hospital AS text[]), CAST(:treat AS text[]), CAST(:insu AS text[]), "
    "CAST(:insutype AS text[]), CAST(:period AS text[]), CAST(:year AS int[]), CAST(:pool AS text[]), "
    "CAST(:kind AS text[]), CAST(:xprov AS bool[]), CAST(:t AS numeric[]), CAST(:f AS numeric[]), "
    "CAST(:other AS numeric[]), CAST(:payment AS numeric[]), CAST(:due AS numeric[]), CAST(:exact AS numeric[])) "
    "ON CONFLICT (claim_id) DO UPDATE SET version = EXCLUDED.version, pool = EXCLUDED.pool, "
    "case_kind = EXCLUDED.case_kind, total_cost = EXCLUDED.total_cost, basic_fund = EXCLUDED.basic_fund, "
    "other_funds = EXCLUDED.other_funds, payment = EXCLUDED.payment, fund_due = EXCLUDED.fund_due, "
    "payment_exact = EXCLUDED.payment_exact, period = EXCLUDED.period, insutype = EXCLUDED.insutype "
    "WHERE clearing_cases.version < EXCLUDED.version"
)


async def store_cases(conn: AsyncConnection, rows: list[dict]) -> None:
    """rows: case_row()s, one per claim."""
    if rows:
        await conn.execute(UPSERT_CASES, as_columns(rows))


def case_row(msg: PaymentPriced) -> dict:
    c, p = msg.claim, msg.pricing
    return {"claim_id": c.claim_id, "version": c.version, "setl_id": c.setl_id, "hospital": c.hospital_code,
            "treat": c.treat_admdvs, "insu": c.insu_admdvs, "insutype": c.insutype, "period": c.setl_period,
            "year": int(c.setl_period[:4]), "pool": p.pool.key if p.pool else None, "kind": p.case_kind,
            "xprov": c.cross_province, "t": c.total_cost, "f": c.basic_fund_payment,
            "other": c.fund_payments_total - c.basic_fund_payment, "payment": p.payment, "due": p.fund_due,
            "exact": p.payment_exact}


async def cases(conn: AsyncConnection, *, treat: str | None = None, year: int | None = None,
                period: str | None = None):
    return (
        await conn.execute(
            text(
                "SELECT * FROM clearing_cases WHERE (CAST(:t AS text) IS NULL OR treat_admdvs = :t) "
                "AND (CAST(:y AS int) IS NULL OR year = :y) AND (CAST(:p AS text) IS NULL OR period = :p)"
            ),
            {"t": treat, "y": year, "p": period},
        )
    ).all()


async def deductions(conn: AsyncConnection, *, treat: str | None = None, year: int | None = None,
                     month: str | None = None):
    """Confirmed deductions of the year, or those a month's run takes: of that period, or of an earlier
    one no run has applied yet."""
    return (
        await conn.execute(
            text(
                "SELECT * FROM deductions WHERE (CAST(:t AS text) IS NULL OR treat_admdvs = :t) "
                "AND (CAST(:y AS text) IS NULL OR left(period, 4) = :y) "
                "AND (CAST(:m AS text) IS NULL OR period <= :m AND (applied_in IS NULL OR applied_in = :m))"
            ),
            {"t": treat, "y": None if year is None else f"{year:04d}", "m": month},
        )
    ).all()


async def stored_run(conn: AsyncConnection, kind: str, scope: str, period: str) -> dict | None:
    return await conn.scalar(
        text("SELECT statement FROM clearing_runs WHERE kind = :k AND scope = :s AND period = :p"),
        {"k": kind, "s": scope, "p": period},
    )


async def store_run(conn: AsyncConnection, kind: str, scope: str, period: str, statement: dict) -> bool:
    row = await conn.execute(
        text("INSERT INTO clearing_runs (kind, scope, period, statement) VALUES (:k, :s, :p, CAST(:b AS json)) "
             "ON CONFLICT DO NOTHING RETURNING kind"),
        {"k": kind, "s": scope, "p": period, "b": orjson.dumps(statement, default=str).decode()},
    )
    return row.first() is not None


async def mark_deductions_applied(conn: AsyncConnection, flag_ids: list[str], month: str) -> None:
    if flag_ids:
        await conn.execute(text("UPDATE deductions SET applied_in = :m WHERE flag_id = ANY(:ids) AND applied_in IS NULL"),
                           {"m": month, "ids": flag_ids})


def as_decimal(v) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


async def insert_deduction(conn: AsyncConnection, d: AuditFlagConfirmed) -> None:
    await conn.execute(
        text("INSERT INTO deductions (flag_id, claim_id, setl_id, hospital_code, treat_admdvs, insu_admdvs, amount, "
             "confirmed_at, period) VALUES (:f, :c, :s, :h, :t, :i, :a, :at, :p) ON CONFLICT (flag_id) DO NOTHING"),
        {"f": d.flag_id, "c": d.claim_id, "s": d.setl_id, "h": d.hospital_code, "t": d.treat_admdvs,
         "i": d.insu_admdvs, "a": d.amount, "at": d.confirmed_at, "p": d.period},
    )
