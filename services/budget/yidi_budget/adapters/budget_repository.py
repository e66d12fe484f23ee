"""Running sums per budget, kept by claim version so a correction replaces its earlier amounts."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Contribution:
    claim_id: str
    version: int
    pool: str | None
    insured_key: str | None
    fund_due: Decimal
    basic_fund: Decimal
    cross_region_funds: Decimal


async def contributions(conn: AsyncConnection, claim_ids: list[str]) -> dict[str, Contribution]:
    """The stored amounts of these claims, locked until the batch commits."""
    rows = await conn.execute(
        text("SELECT * FROM budget_claims WHERE claim_id = ANY(:ids) ORDER BY claim_id FOR UPDATE"), {"ids": claim_ids}
    )
    return {r.claim_id: Contribution(r.claim_id, r.version, r.pool, r.insured_key, r.fund_due, r.basic_fund,
                                     r.cross_region_funds) for r in rows}


async def store_contributions(conn: AsyncConnection, contributions: list[Contribution]) -> None:
    """contributions: one per claim, each newer than what is stored."""
    if not contributions:
        return
    await conn.execute(
        text(
            "INSERT INTO budget_claims SELECT * FROM unnest(CAST(:c AS text[]), CAST(:v AS int[]), CAST(:p AS text[]), "
            "CAST(:i AS text[]), CAST(:d AS numeric[]), CAST(:b AS numeric[]), CAST(:x AS numeric[])) "
            "ON CONFLICT (claim_id) DO UPDATE SET version = EXCLUDED.version, pool = EXCLUDED.pool, "
            "insured_key = EXCLUDED.insured_key, fund_due = EXCLUDED.fund_due, basic_fund = EXCLUDED.basic_fund, "
            "cross_region_funds = EXCLUDED.cross_region_funds"
        ),
        {"c": [c.claim_id for c in contributions], "v": [c.version for c in contributions],
         "p": [c.pool for c in contributions], "i": [c.insured_key for c in contributions],
         "d": [c.fund_due for c in contributions], "b": [c.basic_fund for c in contributions],
         "x": [c.cross_region_funds for c in contributions]},
    )


async def add(conn: AsyncConnection, changes: list[tuple]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """changes: (kind, key, region, year, cases, consumed, basic_fund), one per budget. Returns each budget's
    new running (consumed, basic_fund)."""
    if not changes:
        return {}
    kinds, keys, regions, years, cases, consumed, basic = (list(col) for col in zip(*changes))
    rows = await conn.execute(
        text(
            "INSERT INTO consumption (budget_kind, budget_key, region, year, cases, consumed, basic_fund) "
            "SELECT * FROM unnest(CAST(:k AS text[]), CAST(:key AS text[]), CAST(:r AS text[]), CAST(:y AS int[]), "
            "CAST(:n AS int[]), CAST(:c AS numeric[]), CAST(:b AS numeric[])) "
            "ON CONFLICT (budget_kind, budget_key) DO UPDATE SET "
            "cases = consumption.cases + EXCLUDED.cases, consumed = consumption.consumed + EXCLUDED.consumed, "
            "basic_fund = consumption.basic_fund + EXCLUDED.basic_fund "
            "RETURNING budget_kind, budget_key, consumed, basic_fund"
        ),
        {"k": kinds, "key": keys, "r": regions, "y": years, "n": cases, "c": consumed, "b": basic},
    )
    return {(r.budget_kind, r.budget_key): (r.consumed, r.basic_fund) for r in rows}


async def record_alert(conn: AsyncConnection, *, kind: str, key: str, period: str, level: str, region: str,
                       threshold: Decimal, consumed: Decimal, budget: Decimal) -> bool:
    """True the first time this level is reached for this budget and period."""
    row = await conn.execute(
        text(
            "INSERT INTO alerts (budget_kind, budget_key, period, level, region, threshold, consumed, budget) "
            "VALUES (:k, :key, :p, :l, :r, :t, :c, :b) ON CONFLICT DO NOTHING RETURNING level"
        ),
        {"k": kind, "key": key, "p": period, "l": level, "r": region, "t": threshold, "c": consumed, "b": budget},
    )
    return row.first() is not None


async def consumption_rows(conn: AsyncConnection, kind: str, region: str, year: int) -> list[dict]:
    rows = await conn.execute(
        text("SELECT * FROM consumption WHERE budget_kind = :k AND region = :r AND year = :y ORDER BY budget_key"),
        {"k": kind, "r": region, "y": year},
    )
    return [dict(r) for r in rows.mappings()]


async def alerts(conn: AsyncConnection, region: str | None, level: str | None) -> list[dict]:
    rows = await conn.execute(
        text(
            "SELECT * FROM alerts WHERE (CAST(:r AS text) IS NULL OR region = :r) "
            "AND (CAST(:l AS text) IS NULL OR level = :l) ORDER BY raised_at, budget_key"
        ),
        {"r": region, "l": level},
    )
    return [dict(r) for r in rows.mappings()]


async def store_final_rates(conn: AsyncConnection, msg) -> None:
    """msg: AnnualCleared."""
    for p in msg.pools:
        await conn.execute(
            text("INSERT INTO final_rates VALUES (:p, :r, :y, :f, :d, :res, :rv) ON CONFLICT (pool) DO UPDATE SET "
                 "final_rate = EXCLUDED.final_rate, fund_due_final = EXCLUDED.fund_due_final, "
                 "residue = EXCLUDED.residue, reserve = EXCLUDED.reserve"),
            {"p": p.pool, "r": msg.region, "y": msg.year, "f": p.final_rate, "d": p.fund_due_final,
             "res": p.residue, "rv": p.reserve},
        )


async def final_rates(conn: AsyncConnection, region: str, year: int) -> dict[str, dict]:
    rows = await conn.execute(text("SELECT * FROM final_rates WHERE region = :r AND year = :y"), {"r": region, "y": year})
    return {r["pool"]: dict(r) for r in rows.mappings()}
