"""Audit flags and joint review between regions (DOMAIN.md §8), and assistance requests (协查).

The treatment region proposes a finding, the insured region confirms or disputes it, the province
resolves disputes; each step is recorded with who and when. A confirmed amount becomes a deduction
that clearing applies in the next monthly run.

Who acts comes from the bearer token, never from the body: a bureau's token says its region, and the
flag's regions say which part it plays in a step (`actor_for`); a body's `actor` is deprecated and
ignored. Every answer is filtered to the caller's scope: a bureau sees the flags of claims treated or
insured in its region, a hospital its own hospital's, the province and analysts all (analysts without
reviewers' user ids or free-text reasons). A flag or request outside the caller's scope answers 404, as
one that does not exist (ids are derived from claim ids: 403 would tell that a claim was flagged).

One finding (claim, rule), one flag, one deduction: a corrected claim version does not raise a second
flag for a finding already flagged. The flag keeps its id and is carried to the new version ("version"
and "setl_id" change; an undecided flag's amounts follow the new version; a confirmed one keeps its
decision and is never published twice); an undecided flag whose finding the correction no longer shows
is "closed" with its "closed_reason" ("superseded by version N: finding no longer present"), and every
step on it answers 409 naming that reason, as does a second confirm. The trail shows these system
steps (role "system", "from_version" -> "to_version").
"""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Literal, NoReturn

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from yidi_common.auth import Principal, Role, authorize
from yidi_common.unit_of_work import transaction

from ..adapters.records import LIST_NAMES
from ..adapters.repository import PostgresAuditRepository
from ..domain.actors import Actor, ActorRole, province_of
from ..domain.assistance import AssistanceRequest
from ..domain.errors import AuditDomainError, InvalidTransition, WrongActor
from ..domain.review import Review
from ..service_layer import assistance, review
from ..service_layer.repository import AuditRepository, NotFound, Scope

router = APIRouter(tags=["audit"])


class AuditStore:
    """Where the routes read and write: PostgreSQL through the service's runtime (tests override `store`)."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AuditRepository]:
        async with self.runtime.engine.connect() as conn:
            yield PostgresAuditRepository(conn)

    def transaction(self):
        return transaction(self.runtime.engine, PostgresAuditRepository, self.runtime.relay)


def store(request: Request) -> AuditStore:
    return AuditStore(request.app.state.runtime)


def scope_of(caller: Principal) -> Scope:
    if caller.role is Role.BUREAU:
        return Scope.of_region(caller.region)
    if caller.role is Role.HOSPITAL:
        return Scope.of_hospital(caller.hospital)
    if caller.role in (Role.PROVINCE, Role.ANALYST):
        return Scope.EVERYTHING
    raise HTTPException(403, detail={"title": f"role {caller.role} sees no audit records"})


# which region of the claim a bureau must be for a step, and the part it then plays
STEP_PARTS = {"propose": ActorRole.TREATMENT_REGION, "withdraw": ActorRole.TREATMENT_REGION,
              "confirm": ActorRole.INSURED_REGION, "dispute": ActorRole.INSURED_REGION}


def actor_for(caller: Principal, action: str, treatment_region: str, insured_region: str) -> Actor:
    """The token as the domain's Actor: a bureau plays the part the step needs if it is that region of
    the claim (a local claim's bureau is both; a 省本级 claim's treatment part is its pool region's, so pass
    the review's reviewing_region); the province resolves; anything else 403, naming the need."""
    if action == "resolve":
        province = province_of(treatment_region)
        if caller.role is not Role.PROVINCE:
            _refuse(caller, action, f"the province {province}")
        return Actor(ActorRole.PROVINCE, caller.region or province, caller.user)
    part = STEP_PARTS[action]
    region = treatment_region if part is ActorRole.TREATMENT_REGION else insured_region
    if caller.role is not Role.BUREAU or caller.region != region:
        _refuse(caller, action, f"the bureau of the claim's {part.value} {region}")
    return Actor(part, region, caller.user)


def _refuse(caller: Principal, action: str, needed: str) -> NoReturn:
    acting = f"{caller.role} {caller.region}" if caller.region else str(caller.role)
    raise HTTPException(403, detail={"title": f"{action} needs {needed}", "message": f"{caller.user} acts as {acting}"})


def sees_claim(caller: Principal, *, treatment_region: str, insured_region: str, hospital_code: str,
               pool_region: str | None) -> bool:
    """The caller's scope over a claim's record: its regions and hospital, and for a 省本级 claim the bureau of
    its pool region, which reviews it (seed 000 二(一))."""
    return (caller.sees(treatment_region=treatment_region, insured_region=insured_region, hospital_code=hospital_code)
            or (pool_region is not None and caller.role is Role.BUREAU and caller.region == pool_region))


def _in_scope(caller: Principal, record: Review | AssistanceRequest | None, what: str, **ids: str) -> Any:
    """A record outside the caller's scope answers as one that does not exist."""
    if record is None or not sees_claim(caller, treatment_region=record.treatment_region,
                                        insured_region=record.insured_region, hospital_code=record.hospital_code,
                                        pool_region=getattr(record, "pool_region", None)):
        raise HTTPException(404, detail={"title": f"no such {what}", **ids})
    return record


def _deprecated_actor() -> Any:
    return Field(default=None, deprecated=True, description=(
        "Deprecated and ignored: who acts comes from the bearer token (its user, and the bureau's region). "
        "Accepted for one release so that old clients keep working; never trusted."))


class ReviewAction(BaseModel):
    actor: Any = _deprecated_actor()
    reason: str = ""
    amount: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    upheld: bool | None = None  # resolve only


@contextmanager
def _refusals() -> Iterator[None]:
    """A missing record answers 404; a refused action 403 (actor), 409 (status) or 422 (input)."""
    try:
        yield
    except NotFound as e:
        raise HTTPException(404, detail={"title": e.title, **e.ids}) from None
    except AuditDomainError as e:
        status = 403 if isinstance(e, WrongActor) else 409 if isinstance(e, InvalidTransition) else 422
        raise HTTPException(status, detail={"title": type(e).__name__, "message": str(e)}) from None


def _view(r: Review, caller: Principal) -> dict:
    named = caller.role is not Role.ANALYST  # analysts: no reviewers' user ids, no free text
    return {
        "flag_id": r.flag_id, "rule_id": r.rule_id, "claim_id": r.claim_id, "version": r.version,
        "setl_id": r.setl_id or None, "hospital_code": r.hospital_code, "treat_admdvs": r.treatment_region,
        "insu_admdvs": r.insured_region, "pool_admdvs": r.pool_region, "status": r.status.value,
        "closed_reason": r.closed_reason,
        "suspected_amount": str(r.suspected_amount),
        "proposed_amount": str(r.proposed_amount) if r.proposed_amount is not None else None,
        "confirmed_amount": str(r.confirmed_amount) if r.confirmed_amount is not None else None,
        "raised_at": r.raised_at, "confirmed_at": r.confirmed_at,
        "trail": [{"action": t.action, "from": t.from_status.value, "to": t.to_status.value, "role": t.role.value,
                   "region": t.region, "user_id": t.user_id if named else None, "at": t.at,
                   "reason": t.reason if named else None,
                   "amount": str(t.amount) if t.amount is not None else None,
                   "from_version": t.from_version, "to_version": t.to_version} for t in r.transitions],
    }


READERS = (Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST)


@router.get("/v1/flags", summary="Flags by region (treatment or insured), hospital, rule and status",
            description="Only the caller's flags: a bureau's region as treatment, insured or 省本级 pool region, a hospital's "
                        "own, everything for the province and analysts; the summary counts the same flags.")
async def list_flags(region: str | None = None, hospital_code: str | None = None, rule_id: str | None = None,
                     status: Literal["raised", "proposed", "confirmed", "disputed", "dismissed", "closed"] | None = None,
                     limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=100_000_000),
                     caller: Principal = Depends(authorize(*READERS)), audit: AuditStore = Depends(store)) -> dict:
    scope = scope_of(caller)
    async with audit.reading() as flags:
        items = await flags.list_flags(scope=scope, region=region, hospital=hospital_code, rule=rule_id,
                                       status=status, limit=limit, offset=offset)
        summary = await flags.flag_counts(scope)
    return {"items": items, "summary": summary}


@router.get("/v1/flags/{flag_id}", summary="One flag with its review trail",
            description="404 for a flag outside the caller's scope, as for one that does not exist.")
async def get_flag(flag_id: str, caller: Principal = Depends(authorize(*READERS)),
                   audit: AuditStore = Depends(store)) -> dict:
    async with audit.reading() as flags:
        r = await flags.load_review(flag_id)
    return _view(_in_scope(caller, r, "flag", flag_id=flag_id), caller)


async def _act(flag_id: str, action: str, body: ReviewAction, caller: Principal, audit: AuditStore) -> dict:
    now = datetime.now(timezone.utc)
    with _refusals():
        async with audit.transaction() as tx:
            current = _in_scope(caller, await tx.repo.load_review(flag_id, for_update=True), "flag", flag_id=flag_id)
            actor = actor_for(caller, action, current.reviewing_region, current.insured_region)
            updated = await _STEPS[action](tx, flag_id, actor, now, body)
    return _view(updated, caller)


_STEPS = {
    "propose": lambda tx, f, actor, now, b: review.propose(tx, f, actor, now, b.reason, b.amount),
    "withdraw": lambda tx, f, actor, now, b: review.withdraw(tx, f, actor, now, b.reason),
    "confirm": lambda tx, f, actor, now, b: review.confirm(tx, f, actor, now, b.reason, b.amount),
    "dispute": lambda tx, f, actor, now, b: review.dispute(tx, f, actor, now, b.reason),
    "resolve": lambda tx, f, actor, now, b: review.resolve(tx, f, actor, now, b.upheld, b.reason, b.amount),
}
_STATUS_409 = ("409 when the flag's status does not allow the step: a closed flag names its closed_reason, "
               "a confirmed one says its deduction was published once. 404 for a flag outside the caller's scope.")


@router.post("/v1/flags/{flag_id}/propose", summary="The treatment region's bureau proposes the finding",
             description=f"403 unless the caller is the bureau of the claim's treatment region. {_STATUS_409}")
async def propose(flag_id: str, body: ReviewAction, caller: Principal = Depends(authorize(Role.BUREAU)),
                  audit: AuditStore = Depends(store)) -> dict:
    return await _act(flag_id, "propose", body, caller, audit)


@router.post("/v1/flags/{flag_id}/withdraw", summary="The treatment region's bureau withdraws the finding (reason)",
             description=f"403 unless the caller is the bureau of the claim's treatment region. {_STATUS_409}")
async def withdraw(flag_id: str, body: ReviewAction, caller: Principal = Depends(authorize(Role.BUREAU)),
                   audit: AuditStore = Depends(store)) -> dict:
    return await _act(flag_id, "withdraw", body, caller, audit)


@router.post("/v1/flags/{flag_id}/confirm", summary="The insured region's bureau confirms: a deduction",
             description=f"403 unless the caller is the bureau of the claim's insured region. {_STATUS_409}")
async def confirm(flag_id: str, body: ReviewAction, caller: Principal = Depends(authorize(Role.BUREAU)),
                  audit: AuditStore = Depends(store)) -> dict:
    return await _act(flag_id, "confirm", body, caller, audit)


@router.post("/v1/flags/{flag_id}/dispute", summary="The insured region's bureau disputes (reason)",
             description=f"403 unless the caller is the bureau of the claim's insured region. {_STATUS_409}")
async def dispute(flag_id: str, body: ReviewAction, caller: Principal = Depends(authorize(Role.BUREAU)),
                  audit: AuditStore = Depends(store)) -> dict:
    return await _act(flag_id, "dispute", body, caller, audit)


@router.post("/v1/flags/{flag_id}/resolve", summary="The province resolves a dispute (upheld, reason)",
             description=f"Province only. {_STATUS_409}")
async def resolve(flag_id: str, body: ReviewAction, caller: Principal = Depends(authorize(Role.PROVINCE)),
                  audit: AuditStore = Depends(store)) -> dict:
    return await _act(flag_id, "resolve", body, caller, audit)


class AssistanceBody(BaseModel):
    claim_id: str
    actor: Any = _deprecated_actor()
    question: str
    deadline: datetime


class AnswerBody(BaseModel):
    actor: Any = _deprecated_actor()
    answer: str


def _assistance_view(a: AssistanceRequest, now: datetime) -> dict:
    return {**{LIST_NAMES.get(k, k): getattr(a, k) for k in a.__dataclass_fields__}, "status": a.status.value,
            "overdue": a.is_overdue(now), "answered_late": a.answered_late}


@router.post("/v1/assistance-requests", status_code=201,
             summary="The insured region's bureau asks the treatment region to investigate a claim",
             description="403 unless the caller is the bureau of the claim's insured region; 404 for a claim "
                         "outside its scope.")
async def request_assistance(body: AssistanceBody, caller: Principal = Depends(authorize(Role.BUREAU)),
                             audit: AuditStore = Depends(store)) -> dict:
    now = datetime.now(timezone.utc)
    with _refusals():
        async with audit.transaction() as tx:
            claim = await tx.repo.claim_facts(body.claim_id)
            if claim is None or not caller.sees(treatment_region=claim.treatment_region,
                                                insured_region=claim.insured_region):
                raise NotFound("no such claim in audit", claim_id=body.claim_id)
            if caller.region != claim.insured_region:
                _refuse(caller, "request assistance", f"the bureau of the claim's insured region {claim.insured_region}")
            actor = Actor(ActorRole.INSURED_REGION, caller.region, caller.user)
            req = await assistance.request_assistance(tx, str(uuid.uuid4()), body.claim_id, actor, now,
                                                      body.deadline, body.question)
    return _assistance_view(req, now)


@router.post("/v1/assistance-requests/{request_id}/answer", summary="The treatment region's bureau answers",
             description="403 unless the caller is the bureau of the claim's treatment region; 404 for a request "
                         "outside its scope.")
async def answer_assistance(request_id: str, body: AnswerBody, caller: Principal = Depends(authorize(Role.BUREAU)),
                            audit: AuditStore = Depends(store)) -> dict:
    now = datetime.now(timezone.utc)
    with _refusals():
        async with audit.transaction() as tx:
            asked = _in_scope(caller, await tx.repo.load_assistance(request_id, for_update=True), "request",
                              request_id=request_id)
            if caller.region != asked.treatment_region:
                _refuse(caller, "answer", f"the bureau of the claim's treatment region {asked.treatment_region}")
            actor = Actor(ActorRole.TREATMENT_REGION, caller.region, caller.user)
            req = await assistance.answer_assistance(tx, request_id, actor, now, body.answer)
    return _assistance_view(req, now)


@router.get("/v1/assistance-requests", summary="Assistance requests of a region; overdue=true for the late ones",
            description="A bureau sees the requests of its region (asked or asked of), the province all.")
async def list_assistance(region: str | None = None, overdue: bool | None = None,
                          caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE)),
                          audit: AuditStore = Depends(store)) -> dict:
    now = datetime.now(timezone.utc)
    async with audit.reading() as requests:
        items = [_assistance_view(a, now) for a in await requests.list_assistance(scope_of(caller), region)]
    if overdue is not None:
        items = [i for i in items if i["overdue"] is overdue]
    return {"items": items}
