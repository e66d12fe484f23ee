"""Intake decisions for a posted settlement list: new claim, repeat, conflict or correction."""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from enum import StrEnum

import orjson
from yidi_common.ids import uuid5_text

CLAIM_NAMESPACE = uuid.UUID("0c7d9f0e-5b7a-4a43-8f0a-3f1c2d4e5a60")


def claim_id_for(hospital_code: str, setl_id: str) -> str:
    """One claim per (hospital, settlement list id), whatever its versions."""
    return uuid5_text(CLAIM_NAMESPACE, f"{hospital_code}|{setl_id}")


def content_hash(body: dict) -> str:
    """body: the list as JSON (SettlementList.model_dump(mode="json"))."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Outcome(StrEnum):
    ACCEPTED = "accepted"  # a new version was stored
    REPEATED = "repeated"  # identical to a stored version: same answer, nothing created
    CONFLICT = "conflict"  # same id, different content, not sent as a correction
    NOT_FOUND = "not_found"  # a correction for a claim never posted
    OTHER_CLAIM = "other_claim"  # a correction whose list belongs to another claim


@dataclass(frozen=True)
class StoredVersion:
    version: int
    content_hash: str
    rejected: bool = False  # the claim's current version, and quality control rejected it


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    version: int | None
    supersedes: int | None = None


@dataclass(slots=True)  # not frozen: a frozen dataclass costs more to build, once per accepted post
class NewVersion:
    """An accepted version, as stored: the claim's identity and regions, and the list itself."""

    claim_id: str
    version: int
    hospital_code: str
    setl_id: str
    treatment_region: str
    insured_region: str
    settlement_month: str
    content_hash: str
    body: dict  # the list as JSON


def decide(stored: list[StoredVersion], new_hash: str, *, correction: bool) -> Decision:
    """stored: the claim's versions, oldest first."""
    for v in reversed(stored):  # the newest version with this content (a resubmission repeats one)
        if v.content_hash == new_hash:
            if correction and v.rejected and v is stored[-1]:
                # sent again unchanged as a correction: what rejected it was fixed elsewhere (the bureau's
                # configuration, say), so it is checked anew as the next version
                return Decision(Outcome.ACCEPTED, v.version + 1, supersedes=v.version)
            return Decision(Outcome.REPEATED, v.version)
    if not stored:
        if correction:
            return Decision(Outcome.NOT_FOUND, None)
        return Decision(Outcome.ACCEPTED, 1)
    latest = stored[-1].version
    if not correction:
        return Decision(Outcome.CONFLICT, latest)
    return Decision(Outcome.ACCEPTED, latest + 1, supersedes=latest)
