"""SQL for settlement list versions, claim status and the stage timeline."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from yidi_common.db import as_columns


INSERT_VERSIONS = text(
    "INSERT INTO settlement_lists (claim_id, version, hospital_code, setl_id, content_hash, body) "
    "SELECT * FROM unnest(CAST(:c AS text[]), CAST(:v AS int[]), CAST(:h AS text[]), CAST(:s AS text[]), "
    "CAST(:hash AS text[]), CAST(:body AS jsonb[]))"
)
UPSERT_CLAIMS = text(
    "INSERT INTO claims (claim_id, hospital_code, setl_id, treat_admdvs, insu_admdvs, setl_period, current_version, stage) "
    "SELECT *, 'submitted' FROM unnest(CAST(:c AS text[]), CAST(:h AS text[]), CAST(:s AS text[]), CAST(:t AS text[]), "
    "CAST(:i AS text[]), CAST(:p AS text[]), CAST(:v AS int[])) "
    "ON CONFLICT (claim_id) DO UPDATE SET current_version = EXCLUDED.current_version, stage = 'submitted', "
    "setl_period = EXCLUDED.setl_period, updated_at = now()"
)


def version_row(claim_id: str, version: int, info, content_hash: str, body: dict) -> dict:
    return {"c": claim_id, "v": version, "h": info.fixmedins_code, "s": info.setl_id, "hash": content_hash,
            "body": orjson.dumps(body).decode()}


def claim_row(claim_id: str, version: int, info) -> dict:
    return {"c": claim_id, "h": info.fixmedins_code, "s": info.setl_id, "t": info.treat_admdvs, "i": info.insu_admdvs,
            "p": info.setl_period, "v": version}


async def store_versions(conn: AsyncConnection, versions: list[dict], claims: list[dict]) -> None:
    """versions: version_row()s; claims: claim_row()s, the last of a claim being its current version."""
    if versions:
        await conn.execute(INSERT_VERSIONS, as_columns(versions))
        latest = {row["c"]: row for row in claims}
        await conn.execute(UPSERT_CLAIMS, as_columns(list(latest.values())))


STAGE_ORDER = ("submitted", "rejected", "grouped", "priced", "posted")
INSERT_STAGES = text(
    "INSERT INTO claim_stages (claim_id, version, stage, event_id, result) SELECT * FROM unnest("
    "CAST(:c AS text[]), CAST(:v AS int[]), CAST(:s AS text[]), CAST(:e AS text[]), CAST(:r AS jsonb[])) "
    "ON CONFLICT (event_id) DO NOTHING"
)
ADVANCE_STAGES = text(  # the claim's stage follows its current version only, and only forwards
    "UPDATE claims SET stage = u.s, updated_at = now() "
    "FROM unnest(CAST(:c AS text[]), CAST(:v AS int[]), CAST(:s AS text[])) AS u(c, v, s) "
    "WHERE claims.claim_id = u.c AND claims.current_version = u.v "
    "AND array_position(CAST(:order AS text[]), claims.stage) < array_position(CAST(:order AS text[]), u.s)"
)


@dataclass(frozen=True)
class Stage:
    """One step of a claim version's timeline: the event that made it and the stage's result."""

    claim_id: str
    version: int
    stage: str
    event_id: str
    result: dict[str, Any]


async def record_stages(conn: AsyncConnection, stages: list[Stage]) -> None:
    """Appends to the claims' timelines and moves each claim's stage forward."""
    if not stages:
        return
    await conn.execute(INSERT_STAGES, {
        "c": [s.claim_id for s in stages], "v": [s.version for s in stages], "s": [s.stage for s in stages],
        "e": [s.event_id for s in stages], "r": [orjson.dumps(s.result).decode() for s in stages]})
    furthest: dict[tuple[str, int], str] = {}
    for s in stages:
        if s.stage in STAGE_ORDER[1:]:
            key = (s.claim_id, s.version)
            if key not in furthest or STAGE_ORDER.index(s.stage) > STAGE_ORDER.index(furthest[key]):
                furthest[key] = s.stage
    if furthest:
        await conn.execute(ADVANCE_STAGES, {"c": [c for c, _ in furthest], "v": [v for _, v in furthest],
                                            "s": list(furthest.values()), "order": list(STAGE_ORDER)})


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
    # a version's submission is its stored row; the timeline's other steps were recorded as they happened
    submitted = [{"version": v["version"], "stage": "submitted", "at": v["received_at"],
                  "result": {"supersedes_version": v["version"] - 1 if v["version"] > 1 else None}} for v in versions]
    timeline = sorted([*submitted, *map(dict, stages)], key=lambda s: s["at"])
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
        "timeline": timeline,
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
