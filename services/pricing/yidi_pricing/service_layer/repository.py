"""What pricing's use cases need of storage."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class PricedClaimVersion:
    claim_id: str
    version: int
    hospital_code: str
    period: str  # yyyy-mm of settlement
    pool: str | None  # pool label; None outside every pool (cross-province)
    case_kind: str
    payment: Decimal
    fund_due: Decimal
    config_version: str  # the regional configuration that priced it
    pricing: dict[str, Any]  # the PricingOutcome as published in payment.priced


class PricingRepository(Protocol):
    async def add(self, priced: list[PricedClaimVersion]) -> None:
        """Keep each claim version's price; a version already kept stays as it was."""
