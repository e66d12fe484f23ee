"""Audit flags and joint review between regions (DOMAIN.md §8), and assistance requests (协查).

The treatment region proposes a finding, the insured region confirms or disputes it, the province
resolves disputes; each step is recorded with who and when. A confirmed amount becomes a deduction
that clearing applies in the next monthly run.

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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from yidi_common.unit_of_work import transaction

from ..adapters.records import LIST_NAMES
from ..adapters.repository import PostgresAuditRepository
from ..domain.actors import Actor, ActorRole
from ..domain.assistance import AssistanceRequest
from ..domain.errors import AuditDomainError, InvalidTransition, WrongActor
from ..domain.review import Review
from ..service_layer import assistance, review
from ..service_layer.repository import NotFound

router = APIRouter(tags=["audit"])


class ActorBody(BaseModel):
    role: Literal[ActorRole.TREATMENT_REGION, ActorRole.INSURED_REGION, ActorRole.PROVINCE]  # system: audit only
    region: str = Field(pattern=r"^\d{6}$")
    user_id: str = Field(min_length=1)

    def domain(self) -> Actor:
        return Actor(self.role, self.region, self.user_id)


class ReviewAction(BaseModel):
    actor: ActorBody
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


def _view(r: Review) -> dict:
    return {
        "flag_id": r.flag_id, "rule_id": r.rule_id, "claim_id": r.claim_id, "version": r.version,
        "setl_id": r.setl_id or None, "hospital_code": r.hospital_code, "treat_admdvs": r.treatment_region,
        "insu_admdvs": r.insured_region, "status": r.status.value, "closed_reason": r.closed_reason,
        "suspected_amount": str(r.suspected_amount),
        "proposed_amount": str(r.proposed_amount) if r.proposed_amount is not None else None,
        "confirmed_amount": str(r.confirmed_amount) if r.confirmed_amount is not None else None,
        "raised_at": r.raised_at, "confirmed_at": r.confirmed_at,
        "trail": [{"action": t.action, "from": t.from_status.value, "to": t.to_status.value, "role": t.role.value,
                   "region": t.region, "user_id": t.user_id, "at": t.at, "reason": t.reason,
                   "amount": str(t.amount) if t.amount is not None else None,
                   "from_version": t.from_version, "to_version": t.to_version} for t in r.transitions],
    }


@router.get("/v1/flags", summary="Flags by region (treatment or insured), hospital, rule and status")
async def list_flags(request: Request, region: str | None = None, hospital_code: str | None = None,
                     rule_id: str | None = None,
                     status: Literal["raised", "proposed", "confirmed", "disputed", "dismissed", "closed"] | None = None,
                     limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        flags = PostgresAuditRepository(conn)
        items = await flags.list_flags(region=region, hospital=hospital_code, rule=rule_id, status=status,
                                       limit=limit, offset=offset)
        summary = await flags.flag_counts()
    return {"items": items, "summary": summary}


@router.get("/v1/flags/{flag_id}", summary="One flag with its review trail")
async def get_flag(flag_id: str, request: Request) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        r = await PostgresAuditRepository(conn).load_review(flag_id)
    if r is None:
        raise HTTPException(404, detail={"title": "no such flag", "flag_id": flag_id})
    return _view(r)


@router.post("/v1/flags/{flag_id}/{action}", summary="Act on a flag: propose, withdraw, confirm, dispute, resolve",
             description="409 when the flag's status does not allow the step: a closed flag names its closed_reason, "
                         "a confirmed one says its deduction was published once.")
async def act(flag_id: str, action: Literal["propose", "withdraw", "confirm", "dispute", "resolve"],
              body: ReviewAction, request: Request) -> dict:
    runtime = request.app.state.runtime
    now = datetime.now(timezone.utc)
    actor = body.actor.domain()
    steps = {
        "propose": lambda tx: review.propose(tx, flag_id, actor, now, body.reason, body.amount),
        "withdraw": lambda tx: review.withdraw(tx, flag_id, actor, now, body.reason),
        "confirm": lambda tx: review.confirm(tx, flag_id, actor, now, body.reason, body.amount),
        "dispute": lambda tx: review.dispute(tx, flag_id, actor, now, body.reason),
        "resolve": lambda tx: review.resolve(tx, flag_id, actor, now, body.upheld, body.reason, body.amount),
    }
    with _refusals():
        async with transaction(runtime.engine, PostgresAuditRepository, runtime.relay) as tx:
            updated = await steps[action](tx)
    return _view(updated)


class AssistanceBody(BaseModel):
    claim_id: str
    actor: ActorBody
    question: str
    deadline: datetime


class AnswerBody(BaseModel):
    actor: ActorBody
    answer: str


def _assistance_view(a: AssistanceRequest, now: datetime) -> dict:
    return {**{LIST_NAMES.get(k, k): getattr(a, k) for k in a.__dataclass_fields__}, "status": a.status.value,
            "overdue": a.is_overdue(now), "answered_late": a.answered_late}


@router.post("/v1/assistance-requests", status_code=201, summary="An insured region asks the treatment region to investigate")
async def request_assistance(body: AssistanceBody, request: Request) -> dict:
    now = datetime.now(timezone.utc)
    with _refusals():
        async with transaction(request.app.state.runtime.engine, PostgresAuditRepository) as tx:
            req = await assistance.request_assistance(tx, str(uuid.uuid4()), body.claim_id, body.actor.domain(), now,
                                                      body.deadline, body.question)
    return _assistance_view(req, now)


@router.post("/v1/assistance-requests/{request_id}/answer", summary="The treatment region answers")
async def answer_assistance(request_id: str, body: AnswerBody, request: Request) -> dict:
    now = datetime.now(timezone.utc)
    with _refusals():
        async with transaction(request.app.state.runtime.engine, PostgresAuditRepository) as tx:
            req = await assistance.answer_assistance(tx, request_id, body.actor.domain(), now, body.answer)
    return _assistance_view(req, now)


@router.get("/v1/assistance-requests", summary="Assistance requests of a region; overdue=true for the late ones")
async def list_assistance(request: Request, region: str | None = None, overdue: bool | None = None) -> dict:
    now = datetime.now(timezone.utc)
    async with request.app.state.runtime.engine.connect() as conn:
        items = [_assistance_view(a, now) for a in await PostgresAuditRepository(conn).list_assistance(region)]
    if overdue is not None:
        items = [i for i in items if i["overdue"] is overdue]
    return {"items": items}
