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


async def replace_contribution(conn: AsyncConnection, c: Contribution) -> Contribution | None:
    """Store the claim's amounts; returns the previous version's, or None. Older versions change nothing."""
    prev = (await conn.execute(text("SELECT * FROM budget_claims WHERE claim_id = :c FOR UPDATE"), {"c": c.claim_id})).first()
    if prev is not None and prev.version >= c.version:
        raise StaleVersion
    await conn.execute(
        text(
            "INSERT INTO budget_claims VALUES (:c, :v, :p, :i, :d, :b, :x) ON CONFLICT (claim_id) DO UPDATE SET "
            "version = EXCLUDED.version, pool = EXCLUDED.pool, insured_key = EXCLUDED.insured_key, "
            "fund_due = EXCLUDED.fund_due, basic_fund = EXCLUDED.basic_fund, cross_region_funds = EXCLUDED.cross_region_funds"
        ),
        {"c": c.claim_id, "v": c.version, "p": c.pool, "i": c.insured_key, "d": c.fund_due, "b": c.basic_fund,
         "x": c.cross_region_funds},
    )
    if prev is None:
        return None
    return Contribution(prev.claim_id, prev.version, prev.pool, prev.insured_key, prev.fund_due, prev.basic_fund,
                        prev.cross_region_funds)


class StaleVersion(Exception):
    pass


async def add(conn: AsyncConnection, *, kind: str, key: str, region: str, year: int, cases: int,
              consumed: Decimal, basic_fund: Decimal) -> tuple[Decimal, Decimal]:
    row = (
        await conn.execute(
            text(
                "INSERT INTO consumption (budget_kind, budget_key, region, year, cases, consumed, basic_fund) "
                "VALUES (:k, :key, :r, :y, :n, :c, :b) ON CONFLICT (budget_kind, budget_key) DO UPDATE SET "
                "cases = consumption.cases + EXCLUDED.cases, consumed = consumption.consumed + EXCLUDED.consumed, "
                "basic_fund = consumption.basic_fund + EXCLUDED.basic_fund RETURNING consumed, basic_fund"
            ),
            {"k": kind, "key": key, "r": region, "y": year, "n": cases, "c": consumed, "b": basic_fund},
        )
    ).one()
    return row.consumed, row.basic_fund


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
