"""SQL for settlement list versions, claim status and the stage timeline."""
from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection



INSERT_VERSION = text(
    "INSERT INTO settlement_lists (claim_id, version, hospital_code, setl_id, content_hash, body) "
    "VALUES (:c, :v, :h, :s, :hash, CAST(:body AS jsonb))"
)
UPSERT_CLAIM = text(
    "INSERT INTO claims (claim_id, hospital_code, setl_id, treat_admdvs, insu_admdvs, setl_period, current_version, stage) "
    "VALUES (:c, :h, :s, :t, :i, :p, :v, 'submitted') "
    "ON CONFLICT (claim_id) DO UPDATE SET current_version = EXCLUDED.current_version, stage = 'submitted', "
    "setl_period = EXCLUDED.setl_period, updated_at = now()"
)


def version_row(claim_id: str, version: int, info, content_hash: str, body: dict) -> dict:
    return {"c": claim_id, "v": version, "h": info.fixmedins_code, "s": info.setl_id, "hash": content_hash,
            "body": orjson.dumps(body).decode()}


def claim_row(claim_id: str, version: int, info) -> dict:
    return {"c": claim_id, "h": info.fixmedins_code, "s": info.setl_id, "t": info.treat_admdvs, "i": info.insu_admdvs,
            "p": info.setl_period, "v": version}


STAGE_ORDER = ("submitted", "rejected", "grouped", "priced", "posted")
INSERT_STAGE = text(
    "INSERT INTO claim_stages (claim_id, version, stage, event_id, result) "
    "VALUES (:c, :v, :s, :e, CAST(:r AS jsonb)) ON CONFLICT (event_id) DO NOTHING"
)
ADVANCE_STAGE = text(  # the claim's stage follows its current version only, and only forwards
    "UPDATE claims SET stage = :s, updated_at = now() WHERE claim_id = :c AND current_version = :v "
    "AND array_position(CAST(:order AS text[]), stage) < array_position(CAST(:order AS text[]), CAST(:s AS text))"
)


def stage_params(claim_id: str, version: int, stage: str, event_id: str, result: dict[str, Any]) -> dict:
    return {"c": claim_id, "v": version, "s": stage, "e": event_id, "r": orjson.dumps(result).decode()}


def _stage_rows(claim_id: str, version: int, stage: str, event_id: str, result: dict[str, Any]) -> list:
    rows = [(INSERT_STAGE, stage_params(claim_id, version, stage, event_id, result))]
    if stage in STAGE_ORDER:
        rows.append((ADVANCE_STAGE, {"c": claim_id, "v": version, "s": stage, "order": list(STAGE_ORDER)}))
    return rows


def defer_stage(uow, *, claim_id: str, version: int, stage: str, event_id: str, result: dict[str, Any]) -> None:
    """Append to the claim's timeline and move its stage forward, with the consumer batch's bulk writes."""
    for statement, params in _stage_rows(claim_id, version, stage, event_id, result):
        uow.defer(statement, params)


async def claim_view(conn: AsyncConnection, claim_id: str) -> dict | None:
    claim = (await conn.execute(text("SELECT * FROM claims WHERE claim_id = :c"), {"c": claim_id})).mappings().first()
    if claim is None:
        return None
    versions = (
        await conn.execute(
            text("SELECT version, content_hash, received_at FROM settlement_lists WHERE claim_id = :c ORDER BY version"),
            {"c": claim_id},
        )
    ).mappings().all()
    stages = (
        await conn.execute(
            text("SELECT version, stage, result, at FROM claim_stages WHERE claim_id = :c ORDER BY id"), {"c": claim_id}
        )
    ).mappings().all()
    return {
        "claim_id": claim["claim_id"],
        "hospital_code": claim["hospital_code"],
        "setl_id": claim["setl_id"],
        "treat_admdvs": claim["treat_admdvs"],
        "insu_admdvs": claim["insu_admdvs"],
        "setl_period": claim["setl_period"],
        "current_version": claim["current_version"],
        "stage": claim["stage"],
        "updated_at": claim["updated_at"],
        "versions": [dict(v) for v in versions],
        "timeline": [dict(s) for s in stages],
    }


async def list_claims(
    conn: AsyncConnection, *, hospital_code: str | None, stage: str | None, limit: int, offset: int
) -> list[dict]:
    rows = await conn.execute(
        text(
            "SELECT claim_id, hospital_code, setl_id, current_version, stage, updated_at FROM claims "
            "WHERE (CAST(:h AS text) IS NULL OR hospital_code = :h) AND (CAST(:s AS text) IS NULL OR stage = :s) "
            "ORDER BY updated_at DESC, claim_id LIMIT :l OFFSET :o"
        ),
        {"h": hospital_code, "s": stage, "l": limit, "o": offset},
    )
    return [dict(r) for r in rows.mappings()]


async def stage_counts(conn: AsyncConnection) -> dict[str, int]:
    rows = await conn.execute(text("SELECT stage, count(*) AS n FROM claims GROUP BY stage"))
    return {r.stage: r.n for r in rows}


async def rejection_counts(conn: AsyncConnection) -> list[dict]:
    """QC failures by rule over every rejected version, corrected since or not."""
    rows = await conn.execute(text(
        "SELECT p->>'rule' AS rule, p->>'field' AS example_field, count(*) AS problems, count(DISTINCT claim_id) AS claims "
        "FROM claim_stages, jsonb_array_elements(result->'problems') p WHERE stage = 'rejected' "
        "GROUP BY 1, 2 ORDER BY 3 DESC"))
    return [dict(r) for r in rows.mappings()]
