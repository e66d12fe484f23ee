"""Assistance requests (协查, seed 000 一(三)): the insured region asks the treatment region to
investigate a claim by a deadline; the treatment region answers, late answers included.

    open --answer (treatment region)--> answered
    open --withdraw (insured region, reason)--> withdrawn

A request is overdue while it is open after its deadline.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .actors import Actor, ActorRole, aware, require_actor
from .claims import ClaimFacts
from .errors import InvalidInput, InvalidTransition


class AssistanceStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class AssistanceRequest:
    request_id: str
    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    insured_region: str  # asks
    treatment_region: str  # answers
    question: str
    requested_by: str
    requested_at: datetime
    deadline: datetime
    status: AssistanceStatus = AssistanceStatus.OPEN
    answer: str | None = None
    closed_by: str | None = None  # who answered or withdrew
    closed_at: datetime | None = None
    withdraw_reason: str | None = None

    def is_overdue(self, now: datetime) -> bool:
        return self.status is AssistanceStatus.OPEN and aware(now) > self.deadline

    @property
    def answered_late(self) -> bool:
        return self.status is AssistanceStatus.ANSWERED and self.closed_at is not None and self.closed_at > self.deadline


def request_assistance(
    request_id: str, claim: ClaimFacts, actor: Actor, at: datetime, deadline: datetime, question: str
) -> AssistanceRequest:
    require_actor(actor, ActorRole.INSURED_REGION, claim.insured_region, "request assistance")
    if not question.strip():
        raise InvalidInput("an assistance request needs a question")
    if aware(deadline) <= aware(at):
        raise InvalidInput(f"deadline {deadline.isoformat()} is not after the request time {at.isoformat()}")
    return AssistanceRequest(
        request_id=request_id,
        claim_id=claim.claim_id,
        version=claim.version,
        setl_id=claim.setl_id,
        hospital_code=claim.hospital_code,
        insured_region=claim.insured_region,
        treatment_region=claim.treatment_region,
        question=question.strip(),
        requested_by=actor.user_id,
        requested_at=at,
        deadline=deadline,
    )


def answer(request: AssistanceRequest, actor: Actor, at: datetime, text: str) -> AssistanceRequest:
    _require_open(request, "answer")
    require_actor(actor, ActorRole.TREATMENT_REGION, request.treatment_region, "answer")
    if not text.strip():
        raise InvalidInput("an answer needs text")
    return _close(request, AssistanceStatus.ANSWERED, actor, at, answer=text.strip())


def withdraw(request: AssistanceRequest, actor: Actor, at: datetime, reason: str) -> AssistanceRequest:
    _require_open(request, "withdraw")
    require_actor(actor, ActorRole.INSURED_REGION, request.insured_region, "withdraw")
    if not reason.strip():
        raise InvalidInput("withdrawing a request needs a reason")
    return _close(request, AssistanceStatus.WITHDRAWN, actor, at, withdraw_reason=reason.strip())


def _close(request: AssistanceRequest, status: AssistanceStatus, actor: Actor, at: datetime, **changes: str) -> AssistanceRequest:
    if aware(at) < request.requested_at:
        raise InvalidInput(f"{at.isoformat()} is before the request time {request.requested_at.isoformat()}")
    return replace(request, status=status, closed_by=actor.user_id, closed_at=at, **changes)


def _require_open(request: AssistanceRequest, action: str) -> None:
    if request.status is not AssistanceStatus.OPEN:
        raise InvalidTransition(f"cannot {action} assistance request {request.request_id}: it is {request.status.value}")

