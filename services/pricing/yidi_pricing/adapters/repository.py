"""Pricing's storage in PostgreSQL: the priced claim versions."""
from __future__ import annotations

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..service_layer.repository import PricedClaimVersion

INSERT_PRICED_VERSIONS = text(
    "INSERT INTO priced_claims (claim_id, version, hospital_code, period, pool, case_kind, payment, fund_due, "
    "config_version, pricing) SELECT * FROM unnest(CAST(:claim_ids AS text[]), CAST(:versions AS int[]), "
    "CAST(:hospital_codes AS text[]), CAST(:periods AS text[]), CAST(:pools AS text[]), "
    "CAST(:case_kinds AS text[]), CAST(:payments AS numeric[]), CAST(:fund_dues AS numeric[]), "
    "CAST(:config_versions AS text[]), CAST(:pricings AS jsonb[])) ON CONFLICT (claim_id, version) DO NOTHING"
)


class PostgresPricingRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def add(self, priced: list[PricedClaimVersion]) -> None:
        """One statement for the whole batch."""
        if not priced:
            return
        await self.conn.execute(INSERT_PRICED_VERSIONS, {
            "claim_ids": [p.claim_id for p in priced],
            "versions": [p.version for p in priced],
            "hospital_codes": [p.hospital_code for p in priced],
            "periods": [p.period for p in priced],
            "pools": [p.pool for p in priced],
            "case_kinds": [p.case_kind for p in priced],
            "payments": [p.payment for p in priced],
            "fund_dues": [p.fund_due for p in priced],
            "config_versions": [p.config_version for p in priced],
            "pricings": [orjson.dumps(p.pricing).decode() for p in priced],
        })
