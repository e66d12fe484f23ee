"""Audit's store. Domain records (frozen dataclasses) are kept as JSON beside the columns that filter them."""
from __future__ import annotations

from decimal import Decimal

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.assistance import AssistanceRequest
from ..domain.claims import ClaimFacts
from ..domain.findings import AuditFinding
from ..domain.review import Review
from .records import from_json, to_json


async def lock_person(conn: AsyncConnection, psn_no: str) -> None:
    """One person's claims are audited one at a time, so a readmission always sees the stay before it."""
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:p))"), {"p": psn_no})


async def person_history(conn: AsyncConnection, psn_no: str) -> list[ClaimFacts]:
    rows = await conn.execute(text("SELECT facts FROM audit_claims WHERE psn_no = :p"), {"p": psn_no})
    return [from_json(ClaimFacts, r.facts) for r in rows]


async def store_claim(conn: AsyncConnection, claim: ClaimFacts) -> bool:
    """Keep the claim's latest version; False when a newer version is already stored."""
    row = await conn.execute(
        text(
            "INSERT INTO audit_claims (claim_id, version, psn_no, adm_time, dscg_time, facts) "
            "VALUES (:c, :v, :p, :a, :d, CAST(:f AS jsonb)) ON CONFLICT (claim_id) DO UPDATE SET "
            "version = EXCLUDED.version, adm_time = EXCLUDED.adm_time, dscg_time = EXCLUDED.dscg_time, "
            "facts = EXCLUDED.facts WHERE audit_claims.version < EXCLUDED.version RETURNING claim_id"
        ),
        {"c": claim.claim_id, "v": claim.version, "p": claim.psn_no, "a": claim.adm_time, "d": claim.dscg_time,
         "f": to_json(claim)},
    )
    return row.first() is not None


async def insert_flag(conn: AsyncConnection, finding: AuditFinding, review: Review) -> bool:
    row = await conn.execute(
        text(
            "INSERT INTO flags (flag_id, rule_id, claim_id, version, hospital_code, treat_admdvs, insu_admdvs, status, "
            "suspected_amount, severity, evidence, review) VALUES (:f, :r, :c, :v, :h, :t, :i, :s, :a, :sev, "
            "CAST(:e AS jsonb), CAST(:rev AS jsonb)) ON CONFLICT DO NOTHING RETURNING flag_id"
        ),
        {"f": finding.flag_id, "r": finding.rule_id, "c": finding.claim_id, "v": finding.version,
         "h": finding.hospital_code, "t": finding.treat_admdvs, "i": finding.insu_admdvs, "s": review.status.value,
         "a": finding.suspected_amount, "sev": finding.severity.value,
         "e": orjson.dumps(dict(finding.evidence)).decode(), "rev": to_json(review)},
    )
    return row.first() is not None


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
