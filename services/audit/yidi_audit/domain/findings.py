"""Audit findings and their deterministic flag ids.

A finding's suspected amount is what could be deducted from the hospital for the claim, so it is
rounded half-up to the fen and capped at the claim's fund_due: a deduction never claws back more
than the fund owes the hospital for that claim. Each rule documents its formula before the cap.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from yidi_common.ids import uuid5_text
from yidi_common.money import ZERO, rounded, to_fen

from .claims import ClaimFacts

FLAG_NAMESPACE = uuid.UUID("0c7d2f4e-5b8a-4e61-9d3c-a1f2e3b4c5d6")
RATIO_PLACES = 4  # ratios in evidence are rounded to 4 places; comparisons use exact values


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def flag_id(rule_id: str, claim_id: str, version: int) -> str:
    """The same rule on the same claim version always gives the same flag id."""
    return uuid5_text(FLAG_NAMESPACE, f"{rule_id}|{claim_id}|{version}")


@dataclass(frozen=True, slots=True)
class AuditFinding:
    rule_id: str
    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    treatment_region: str
    insured_region: str
    severity: Severity
    suspected_amount: Decimal
    evidence: Mapping[str, Any]  # JSON-ready: Decimals and datetimes as strings
    pool_region: str | None = None  # 省本级: the pool region that reviews the claim (ClaimFacts.reviewing_region)

    @property
    def flag_id(self) -> str:
        return flag_id(self.rule_id, self.claim_id, self.version)


def finding(rule_id: str, claim: ClaimFacts, severity: Severity, amount: Decimal, evidence: Mapping[str, Any]) -> AuditFinding:
    """A finding on `claim`: amount to the fen, floored at 0 and capped at claim.fund_due."""
    suspected = min(max(ZERO, to_fen(amount)), to_fen(claim.fund_due))
    return AuditFinding(
        rule_id=rule_id,
        claim_id=claim.claim_id,
        version=claim.version,
        setl_id=claim.setl_id,
        hospital_code=claim.hospital_code,
        treatment_region=claim.treatment_region,
        insured_region=claim.insured_region,
        severity=severity,
        suspected_amount=suspected,
        evidence={k: json_ready(v) for k, v in evidence.items()},
        pool_region=claim.pool_region,
    )


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """A ratio for evidence, rounded to RATIO_PLACES."""
    return rounded(numerator / denominator, RATIO_PLACES)


def json_ready(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_ready(v) for v in value]
        return sorted(items) if isinstance(value, (set, frozenset)) else items
    return value
