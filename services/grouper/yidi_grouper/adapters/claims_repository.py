"""The claims repository over PostgreSQL: settlement list versions, claim status and the stage timeline.
Batches are written with one statement each (INSERT ... SELECT FROM unnest of one array per column).
Stored list bodies hold their personal fields sealed (adapters.data_keys)."""
from __future__ import annotations

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.intake import NewVersion, StoredVersion
from ..domain.timeline import STAGE_ORDER, Stage, furthest_stages
from .data_keys import DataKeys, data_keys

# sorted, so two intake processes locking overlapping claims never deadlock
LOCK_CLAIMS = text(
    "SELECT pg_advisory_xact_lock(hashtext(claim_id)) FROM unnest(CAST(:claim_ids AS text[])) AS claim_id "
    "ORDER BY claim_id"
)
STORED_VERSIONS = text(
    "SELECT s.claim_id, s.version, s.content_hash, "
    "coalesce(c.stage = 'rejected' AND c.current_version = s.version, false) AS rejected "
    "FROM settlement_lists s LEFT JOIN claims c USING (claim_id) WHERE s.claim_id = ANY(:claim_ids) "
    "ORDER BY s.claim_id, s.version"
)
INSERT_VERSIONS = text(
    "INSERT INTO settlement_lists (claim_id, version, hospital_code, setl_id, content_hash, body) "
    "SELECT * FROM unnest(CAST(:claim_ids AS text[]), CAST(:versions AS int[]), CAST(:hospital_codes AS text[]), "
    "CAST(:setl_ids AS text[]), CAST(:content_hashes AS text[]), CAST(:bodies AS jsonb[]))"
)
UPSERT_CLAIMS = text(
    "INSERT INTO claims (claim_id, hospital_code, setl_id, treat_admdvs, insu_admdvs, setl_period, current_version, stage) "
    "SELECT *, 'submitted' FROM unnest(CAST(:claim_ids AS text[]), CAST(:hospital_codes AS text[]), "
    "CAST(:setl_ids AS text[]), CAST(:treatment_regions AS text[]), CAST(:insured_regions AS text[]), "
    "CAST(:settlement_months AS text[]), CAST(:versions AS int[])) "
    "ON CONFLICT (claim_id) DO UPDATE SET current_version = EXCLUDED.current_version, stage = 'submitted', "
    "setl_period = EXCLUDED.setl_period, updated_at = now()"
)
INSERT_STAGES = text(
    "INSERT INTO claim_stages (claim_id, version, stage, event_id, result) SELECT * FROM unnest("
    "CAST(:claim_ids AS text[]), CAST(:versions AS int[]), CAST(:stages AS text[]), CAST(:event_ids AS text[]), "
    "CAST(:results AS jsonb[])) ON CONFLICT (event_id) DO NOTHING"
)
ADVANCE_STAGES = text(  # the claim's stage follows its current version only, and only forwards
    "UPDATE claims SET stage = step.stage, updated_at = now() "
    "FROM unnest(CAST(:claim_ids AS text[]), CAST(:versions AS int[]), CAST(:stages AS text[])) "
    "AS step(claim_id, version, stage) "
    "WHERE claims.claim_id = step.claim_id AND claims.current_version = step.version "
    "AND array_position(CAST(:stage_order AS text[]), claims.stage) < array_position(CAST(:stage_order AS text[]), step.stage)"
)
CLAIM = text(
    "SELECT claim_id, hospital_code, setl_id, treat_admdvs, insu_admdvs, setl_period, current_version, stage, "
    "updated_at FROM claims WHERE claim_id = :claim_id"
)
VERSIONS = text(
    "SELECT version, content_hash, received_at FROM settlement_lists WHERE claim_id = :claim_id ORDER BY version"
)
VERSION_BODY = text("SELECT body FROM settlement_lists WHERE claim_id = :claim_id AND version = :version")
STAGES = text("SELECT version, stage, result, at FROM claim_stages WHERE claim_id = :claim_id ORDER BY id")
CURRENT_LISTS = text(
    "SELECT c.claim_id, c.current_version AS version, s.body FROM claims c "
    "JOIN settlement_lists s ON s.claim_id = c.claim_id AND s.version = c.current_version "
    "WHERE c.hospital_code = :hospital_code AND starts_with(c.setl_period, :period) "
    "AND (CAST(:region AS text) IS NULL OR c.treat_admdvs = :region OR c.insu_admdvs = :region) "
    "ORDER BY c.claim_id LIMIT :limit"
)
IN_SCOPE = (  # region: the claims treated or insured there (a bureau's)
    "(CAST(:hospital_code AS text) IS NULL OR hospital_code = :hospital_code) "
    "AND (CAST(:region AS text) IS NULL OR treat_admdvs = :region OR insu_admdvs = :region)"
)
CLAIMS = text(
    "SELECT claim_id, hospital_code, setl_id, current_version, stage, updated_at FROM claims "
    f"WHERE {IN_SCOPE} AND (CAST(:stage AS text) IS NULL OR stage = :stage) "
    "ORDER BY updated_at DESC, claim_id LIMIT :limit OFFSET :offset"
)
STAGE_COUNTS = text(f"SELECT stage, count(*) AS claims FROM claims WHERE {IN_SCOPE} GROUP BY stage")
REJECTION_COUNTS = text(
    "SELECT p->>'rule' AS rule, p->>'field' AS example_field, count(*) AS problems, count(DISTINCT claim_id) AS claims "
    "FROM claim_stages, jsonb_array_elements(result->'problems') p WHERE stage = 'rejected' "
    "GROUP BY 1, 2 ORDER BY 3 DESC"
)
REGION_REJECTION_COUNTS = text(
    "SELECT p->>'rule' AS rule, p->>'field' AS example_field, count(*) AS problems, count(DISTINCT claim_id) AS claims "
    "FROM claim_stages s JOIN claims c USING (claim_id) CROSS JOIN LATERAL jsonb_array_elements(s.result->'problems') p "
    "WHERE s.stage = 'rejected' AND (c.treat_admdvs = :region OR c.insu_admdvs = :region) "
    "GROUP BY 1, 2 ORDER BY 3 DESC"
)


class PostgresClaimsRepository:
    """service_layer.repository.ClaimsRepository over one connection (its transaction)."""

    def __init__(self, conn: AsyncConnection, keys: DataKeys | None = None) -> None:
        self.conn = conn
        self.keys = keys or data_keys()

    async def versions_for_update(self, claim_ids: list[str]) -> dict[str, list[StoredVersion]]:
        await self.conn.execute(LOCK_CLAIMS, {"claim_ids": claim_ids})
        stored: dict[str, list[StoredVersion]] = {claim_id: [] for claim_id in claim_ids}
        for row in await self.conn.execute(STORED_VERSIONS, {"claim_ids": claim_ids}):
            stored[row.claim_id].append(StoredVersion(row.version, row.content_hash, row.rejected))
        return stored

    async def add_versions(self, versions: list[NewVersion]) -> None:
        if not versions:
            return
        await self.conn.execute(INSERT_VERSIONS, {
            "claim_ids": [v.claim_id for v in versions], "versions": [v.version for v in versions],
            "hospital_codes": [v.hospital_code for v in versions], "setl_ids": [v.setl_id for v in versions],
            "content_hashes": [v.content_hash for v in versions],
            "bodies": [orjson.dumps(self.keys.seal_list(v.body)).decode() for v in versions]})
        current = list({v.claim_id: v for v in versions}.values())  # a claim's last version is its current one
        await self.conn.execute(UPSERT_CLAIMS, {
            "claim_ids": [v.claim_id for v in current], "hospital_codes": [v.hospital_code for v in current],
            "setl_ids": [v.setl_id for v in current], "treatment_regions": [v.treatment_region for v in current],
            "insured_regions": [v.insured_region for v in current],
            "settlement_months": [v.settlement_month for v in current], "versions": [v.version for v in current]})

    async def record_stages(self, stages: list[Stage]) -> None:
        if not stages:
            return
        await self.conn.execute(INSERT_STAGES, {
            "claim_ids": [s.claim_id for s in stages], "versions": [s.version for s in stages],
            "stages": [s.stage for s in stages], "event_ids": [s.event_id for s in stages],
            "results": [orjson.dumps(s.result).decode() for s in stages]})
        furthest = furthest_stages(stages)  # one row per claim version: an UPDATE ... FROM applies only one
        if furthest:
            await self.conn.execute(ADVANCE_STAGES, {
                "claim_ids": [claim_id for claim_id, _ in furthest], "versions": [version for _, version in furthest],
                "stages": list(furthest.values()), "stage_order": list(STAGE_ORDER)})

    async def claim(self, claim_id: str) -> dict | None:
        row = (await self.conn.execute(CLAIM, {"claim_id": claim_id})).mappings().first()
        return None if row is None else dict(row)

    async def versions(self, claim_id: str) -> list[dict]:
        return [dict(row) for row in (await self.conn.execute(VERSIONS, {"claim_id": claim_id})).mappings()]

    async def version_body(self, claim_id: str, version: int) -> dict | None:
        body = (await self.conn.execute(VERSION_BODY, {"claim_id": claim_id, "version": version})).scalar()
        if body is None:
            return None
        return self.keys.open_list(orjson.loads(body) if isinstance(body, (str, bytes)) else body)

    async def current_lists(self, *, hospital_code: str, period: str, region: str | None, limit: int) -> list[dict]:
        rows = await self.conn.execute(CURRENT_LISTS, {"hospital_code": hospital_code, "period": period,
                                                       "region": region, "limit": limit})
        return [{"claim_id": row.claim_id, "version": row.version,
                 "settlement_list": self.keys.open_list(orjson.loads(row.body) if isinstance(row.body, (str, bytes))
                                                        else row.body)} for row in rows]

    async def stages(self, claim_id: str) -> list[dict]:
        return [dict(row) for row in (await self.conn.execute(STAGES, {"claim_id": claim_id})).mappings()]

    async def claims(self, *, hospital_code: str | None, region: str | None, stage: str | None, limit: int,
                     offset: int) -> list[dict]:
        rows = await self.conn.execute(CLAIMS, {"hospital_code": hospital_code, "region": region, "stage": stage,
                                                "limit": limit, "offset": offset})
        return [dict(row) for row in rows.mappings()]

    async def stage_counts(self, *, hospital_code: str | None, region: str | None) -> dict[str, int]:
        return {row.stage: row.claims for row in await self.conn.execute(
            STAGE_COUNTS, {"hospital_code": hospital_code, "region": region})}

    async def rejection_counts(self, *, region: str | None) -> list[dict]:
        if region is None:
            rows = await self.conn.execute(REJECTION_COUNTS)
        else:
            rows = await self.conn.execute(REGION_REJECTION_COUNTS, {"region": region})
        return [dict(row) for row in rows.mappings()]
