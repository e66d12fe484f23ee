"""Pricing's repository over a dict, for unit tests of the use cases and handlers."""
from __future__ import annotations

from yidi_pricing.service_layer.repository import PricedClaimVersion


class FakePricingRepository:
    def __init__(self) -> None:
        self.priced: dict[tuple[str, int], PricedClaimVersion] = {}

    async def add(self, priced: list[PricedClaimVersion]) -> None:
        for version in priced:
            self.priced.setdefault((version.claim_id, version.version), version)
