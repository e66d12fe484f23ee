"""The timeline step each downstream event makes: which claim version it is about, and its result.

Only the fields every version of these events keeps are validated (a whole priced claim cost 50 µs);
the result is the event's data as it came.
"""
from __future__ import annotations

from pydantic import BaseModel

from yidi_common.events import Envelope

from ..domain.timeline import Stage


class _ClaimVersion(BaseModel):
    claim_id: str
    version: int


class _PricedClaim(BaseModel):
    claim: _ClaimVersion


class _Entry(BaseModel):
    claim_id: str | None = None
    version: int | None = None


def priced_stage(event: Envelope) -> Stage:
    """payment.priced: the pricing outcome."""
    claim = _PricedClaim.model_validate(event.data).claim
    return Stage(claim.claim_id, claim.version, "priced", event.id, event.data["pricing"])


def audit_flag_stage(event: Envelope) -> Stage:
    """audit-flag.raised: the whole flag."""
    flag = _ClaimVersion.model_validate(event.data)
    return Stage(flag.claim_id, flag.version, "audit-flag", event.id, event.data)


def posted_stage(event: Envelope) -> Stage | None:
    """ledger.posted: the whole entry; None for an entry about no claim version (a clearing run's)."""
    entry = _Entry.model_validate(event.data)
    if entry.claim_id is None or entry.version is None:
        return None
    return Stage(entry.claim_id, entry.version, "posted", event.id, event.data)
