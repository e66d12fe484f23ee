"""Audit's store. Domain records (frozen dataclasses) are kept as JSON beside the columns that filter them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.assistance import AssistanceRequest
from ..domain.claims import ClaimFacts
from ..domain.findings import AuditFinding
from ..domain.review import Review
from .records import from_json, to_json


async def lock_people(conn: AsyncConnection, people: list[str]) -> None:
    """One person's claims are audited one batch at a time, so a readmission always sees the stay before it.
    people: sorted, so two batches never wait on each other in a cycle."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(p)) FROM unnest(CAST(:p AS text[])) AS p ORDER BY p"),
                       {"p": people})


async def people_histories(conn: AsyncConnection, since: dict[str, datetime],
                           claim_ids: list[str]) -> dict[str, dict[str, ClaimFacts]]:
    """Each person's stored claims discharged at or after `since[person]`, and the stored versions of
    claim_ids, by person and claim id."""
    rows = await conn.execute(
        text(
            "SELECT a.psn_no, a.claim_id, CAST(a.facts AS text) AS facts FROM audit_claims a "
            "JOIN unnest(CAST(:p AS text[]), CAST(:s AS timestamptz[])) AS w(psn_no, since) USING (psn_no) "
            "WHERE a.dscg_time >= w.since OR a.claim_id = ANY(:c)"
        ),
        {"p": list(since), "s": list(since.values()), "c": claim_ids},
    )
    out: dict[str, dict[str, ClaimFacts]] = {}
    for r in rows:
        out.setdefault(r.psn_no, {})[r.claim_id] = from_json(ClaimFacts, r.facts)
    return out


async def store_claims(conn: AsyncConnection, claims: list[ClaimFacts]) -> None:
    """claims: one per claim id, each newer than the stored version."""
    if not claims:
        return
    await conn.execute(
        text(
            "INSERT INTO audit_claims (claim_id, version, psn_no, adm_time, dscg_time, facts) "
            "SELECT * FROM unnest(CAST(:c AS text[]), CAST(:v AS int[]), CAST(:p AS text[]), "
            "CAST(:a AS timestamptz[]), CAST(:d AS timestamptz[]), CAST(:f AS jsonb[])) ON CONFLICT (claim_id) DO UPDATE SET "
            "version = EXCLUDED.version, adm_time = EXCLUDED.adm_time, dscg_time = EXCLUDED.dscg_time, "
            "facts = EXCLUDED.facts WHERE audit_claims.version < EXCLUDED.version"
        ),
        {"c": [c.claim_id for c in claims], "v": [c.version for c in claims], "p": [c.psn_no for c in claims],
         "a": [c.adm_time for c in claims], "d": [c.dscg_time for c in claims], "f": [to_json(c) for c in claims]},
    )


async def insert_flags(conn: AsyncConnection, flags: list[tuple[AuditFinding, Review]]) -> set[str]:
    """Stores the flags not stored yet; returns their ids."""
    if not flags:
        return set()
    rows = await conn.execute(
        text(
            "INSERT INTO flags (flag_id, rule_id, claim_id, version, hospital_code, treat_admdvs, insu_admdvs, status, "
            "suspected_amount, severity, evidence, review) SELECT * FROM unnest(CAST(:f AS text[]), CAST(:r AS text[]), "
            "CAST(:c AS text[]), CAST(:v AS int[]), CAST(:h AS text[]), CAST(:t AS text[]), CAST(:i AS text[]), "
            "CAST(:s AS text[]), CAST(:a AS numeric[]), CAST(:sev AS text[]), CAST(:e AS jsonb[]), CAST(:rev AS jsonb[])) "
            "ON CONFLICT DO NOTHING RETURNING flag_id"
        ),
        {"f": [f.flag_id for f, _ in flags], "r": [f.rule_id for f, _ in flags], "c": [f.claim_id for f, _ in flags],
         "v": [f.version for f, _ in flags], "h": [f.hospital_code for f, _ in flags],
         "t": [f.treat_admdvs for f, _ in flags], "i": [f.insu_admdvs for f, _ in flags],
         "s": [r.status.value for _, r in flags], "a": [f.suspected_amount for f, _ in flags],
         "sev": [f.severity.value for f, _ in flags], "e": [orjson.dumps(dict(f.evidence)).decode() for f, _ in flags],
         "rev": [to_json(r) for _, r in flags]},
    )
    return set(rows.scalars())


async def load_review(conn: AsyncConnection, flag_id: str, *, for_update: bool = False) -> Review | None:
    sql = "SELECT review FROM flags WHERE flag_id = :f" + (" FOR UPDATE" if for_update else "")
    blob = await conn.scalar(text(sql), {"f": flag_id})
    return from_json(Review, blob) if blob is not None else None


async def save_review(conn: AsyncConnection, review: Review) -> None:
    await conn.execute(
        text("UPDATE flags SET status = :s, review = CAST(:r AS jsonb), updated_at = now() WHERE flag_id = :f"),
        {"s": review.status.value, "r": to_json(review), "f": review.flag_id},
    )


async def list_flags(conn: AsyncConnection, *, region: str | None, hospital: str | None, rule: str | None,
                     status: str | None, limit: int, offset: int) -> list[dict]:
    rows = await conn.execute(
        text(
            "SELECT flag_id, rule_id, claim_id, version, hospital_code, treat_admdvs, insu_admdvs, status, "
            "suspected_amount, severity, evidence, raised_at, updated_at FROM flags "
            "WHERE (CAST(:region AS text) IS NULL OR treat_admdvs = :region OR insu_admdvs = :region) "
            "AND (CAST(:h AS text) IS NULL OR hospital_code = :h) AND (CAST(:r AS text) IS NULL OR rule_id = :r) "
            "AND (CAST(:s AS text) IS NULL OR status = :s) ORDER BY raised_at, flag_id LIMIT :l OFFSET :o"
        ),
        {"region": region, "h": hospital, "r": rule, "s": status, "l": limit, "o": offset},
    )
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows.mappings()]


async def flag_counts(conn: AsyncConnection) -> list[dict]:
    rows = await conn.execute(text(
        "SELECT rule_id, status, count(*) AS flags, sum(suspected_amount) AS suspected FROM flags "
        "GROUP BY rule_id, status ORDER BY rule_id, status"))
    return [{**dict(r), "suspected": str(r.suspected)} for r in rows.mappings()]


async def claim_facts(conn: AsyncConnection, claim_id: str) -> ClaimFacts | None:
    blob = await conn.scalar(text("SELECT facts FROM audit_claims WHERE claim_id = :c"), {"c": claim_id})
    return from_json(ClaimFacts, blob) if blob is not None else None


async def save_assistance(conn: AsyncConnection, request: AssistanceRequest) -> None:
    await conn.execute(
        text(
            "INSERT INTO assistance_requests (request_id, claim_id, treat_admdvs, insu_admdvs, status, deadline, body) "
            "VALUES (:id, :c, :t, :i, :s, :d, CAST(:b AS jsonb)) ON CONFLICT (request_id) "
            "DO UPDATE SET status = EXCLUDED.status, body = EXCLUDED.body"
        ),
        {"id": request.request_id, "c": request.claim_id, "t": request.treat_admdvs, "i": request.insu_admdvs,
         "s": request.status.value, "d": request.deadline, "b": to_json(request)},
    )


async def load_assistance(conn: AsyncConnection, request_id: str, *, for_update: bool = False) -> AssistanceRequest | None:
    sql = "SELECT body FROM assistance_requests WHERE request_id = :r" + (" FOR UPDATE" if for_update else "")
    blob = await conn.scalar(text(sql), {"r": request_id})
    return from_json(AssistanceRequest, blob) if blob is not None else None


async def list_assistance(conn: AsyncConnection, region: str | None) -> list[AssistanceRequest]:
    rows = await conn.execute(
        text("SELECT body FROM assistance_requests WHERE CAST(:r AS text) IS NULL OR treat_admdvs = :r OR insu_admdvs = :r "
             "ORDER BY deadline"),
        {"r": region},
    )
    return [from_json(AssistanceRequest, r.body) for r in rows]
