"""HIS intake: a hospital posts a settlement list or a correction; each accepted version is stored
and announced (settlement-list.submitted v2: the list without the person's ID number and name).

`submit` answers one post through an `Intake` (production: the group-commit writer in adapters, which
gathers concurrent posts into one transaction); `accept_lists` decides and stores one such batch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Protocol

import structlog
from yidi_common import tracing
from yidi_common.events import Envelope, deterministic_event_id
from yidi_common.events.registry import SETTLEMENT_LIST_SUBMITTED
from yidi_common.events.v1 import SpecialCaseDecided
from yidi_common.events.v2 import SettlementListSubmitted, without_personal_data
from yidi_common.settlement_list import SettlementList
from yidi_common.unit_of_work import Transaction

from ..domain.intake import Decision, NewVersion, Outcome, StoredVersion, claim_id_for, content_hash, decide
from .repository import ClaimsRepository

SOURCE = "/yidi/grouper/intake"
log = structlog.get_logger()


@dataclass(slots=True)  # not frozen: a frozen dataclass costs more to build, once per post
class PostedList:
    settlement_list: SettlementList
    body: dict  # the list as JSON, dumped once
    claim_id: str
    content_hash: str
    correction: bool
    trace: tracing.TraceContext | None = None  # the post's span: its event continues the HIS's trace


class Intake(Protocol):
    async def submit(self, posted: PostedList) -> Decision:
        """The post's decision, once what it decided is committed."""


async def submit(intake: Intake, sl: SettlementList, *, correction_of: str | None) -> tuple[str, Decision]:
    """(claim id, decision) for a posted list; correction_of: the claim a correction was posted to."""
    info = sl.setlinfo
    claim_id = claim_id_for(info.fixmedins_code, info.setl_id)
    if correction_of is not None and correction_of != claim_id:
        return claim_id, Decision(Outcome.OTHER_CLAIM, None)
    body = sl.model_dump(mode="json")
    return claim_id, await intake.submit(PostedList(sl, body, claim_id, content_hash(body), correction_of is not None,
                                                    tracing.current()))


async def accept_lists(tx: Transaction[ClaimsRepository], posts: list[PostedList]) -> list[Decision]:
    """One decision per post, in arrival order, against what is stored and what the posts before it
    accepted; each accepted version is stored and emitted as settlement-list.submitted (v2)."""
    stored = await tx.repo.versions_for_update(sorted({p.claim_id for p in posts}))
    decisions, versions = [], []
    now = datetime.now(timezone.utc)
    for post in posts:
        decision = decide(stored[post.claim_id], post.content_hash, correction=post.correction)
        decisions.append(decision)
        if decision.outcome is not Outcome.ACCEPTED:
            continue
        stored[post.claim_id].append(StoredVersion(decision.version, post.content_hash))
        info = post.settlement_list.setlinfo
        versions.append(NewVersion(
            claim_id=post.claim_id, version=decision.version, hospital_code=info.fixmedins_code, setl_id=info.setl_id,
            treatment_region=info.treat_admdvs, insured_region=info.insu_admdvs, settlement_month=info.setl_period,
            content_hash=post.content_hash, body=post.body))
        submitted = SettlementListSubmitted.model_construct(claim_id=post.claim_id, version=decision.version,
                                                            supersedes_version=decision.supersedes, submitted_at=now)
        event = Envelope(  # the list's JSON is reused, not dumped a second time
            id=deterministic_event_id(post.claim_id, str(decision.version), SETTLEMENT_LIST_SUBMITTED),
            source=SOURCE, type=SETTLEMENT_LIST_SUBMITTED, subject=post.claim_id, time=now, correlationid=post.claim_id,
            schemaversion=2, data=submitted.model_dump(mode="json", exclude={"settlement_list"})
            | {"settlement_list": without_personal_data(post.body)},
        )
        if post.trace is not None:  # written by the intake writer's task, outside the request
            tracing.stamp(event, post.trace)
        tx.emit(event)
    await tx.repo.add_versions(versions)
    return decisions


async def issue_approved_versions(tx: Transaction[ClaimsRepository], decisions: list[SpecialCaseDecided]) -> None:
    """特例单议 approved (seed 000 二(一): 实行按项目付费): the claim's next version, the approved version's list
    as posted, marked with the case, so pricing prices it per item and every later stage takes it as a
    correction. The grouper stays the one owner of a claim's version numbers: a hospital's correction and an
    approval never get the same one. An approval for a version a correction has replaced issues nothing (the
    hospital applies for the new version); a redelivered approval finds its version issued and issues nothing."""
    approved = [d for d in decisions if d.decision == "approved"]
    if not approved:
        return
    stored = await tx.repo.versions_for_update(sorted({d.claim_id for d in approved}))
    now = datetime.now(timezone.utc)
    versions = []
    for decision in approved:
        claim_versions = stored[decision.claim_id]
        if not claim_versions or claim_versions[-1].version != decision.version:
            log.info("special case for a replaced version: nothing issued", claim_id=decision.claim_id,
                     case_id=decision.case_id, version=decision.version,
                     current=claim_versions[-1].version if claim_versions else None)
            continue
        body = await tx.repo.version_body(decision.claim_id, decision.version)
        if body is None:
            continue
        new_version = decision.version + 1
        claim_versions.append(StoredVersion(new_version, claim_versions[-1].content_hash))
        info = body["setlinfo"]
        versions.append(NewVersion(
            claim_id=decision.claim_id, version=new_version, hospital_code=info["fixmedins_code"],
            setl_id=info["setl_id"], treatment_region=info["treat_admdvs"], insured_region=info["insu_admdvs"],
            settlement_month=info["setl_period"], content_hash=claim_versions[-1].content_hash, body=body))
        submitted = SettlementListSubmitted.model_construct(
            claim_id=decision.claim_id, version=new_version, supersedes_version=decision.version, submitted_at=now,
            special_case_id=decision.case_id)
        tx.emit(Envelope(
            id=deterministic_event_id(decision.claim_id, str(new_version), SETTLEMENT_LIST_SUBMITTED),
            source=SOURCE, type=SETTLEMENT_LIST_SUBMITTED, subject=decision.claim_id, time=now,
            correlationid=decision.claim_id, schemaversion=2,
            data=submitted.model_dump(mode="json", exclude={"settlement_list"})
            | {"settlement_list": without_personal_data(body)},
        ))
    await tx.repo.add_versions(versions)
