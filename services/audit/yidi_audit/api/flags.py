"""Audit flags and joint review between regions (DOMAIN.md §8), and assistance requests (协查).

The treatment region proposes a finding, the insured region confirms or disputes it, the province
resolves disputes; each step is recorded with who and when. A confirmed amount becomes a deduction
that clearing applies in the next monthly run.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field

from yidi_common.events import new_event
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED
from yidi_common.events.v1 import AuditFlagConfirmed
from yidi_common.messaging import write_outbox

from ..adapters import audit_repository as repo
from ..domain import assistance, review
from ..domain.actors import Actor, ActorRole
from ..domain.deductions import deduction
from ..domain.errors import AuditDomainError, InvalidInput, InvalidTransition, WrongActor

router = APIRouter(tags=["audit"])
SOURCE = "/yidi/audit"


class ActorBody(BaseModel):
    role: ActorRole
    region: str = Field(pattern=r"^\d{6}$")
    user_id: str = Field(min_length=1)

    def domain(self) -> Actor:
        return Actor(self.role, self.region, self.user_id)


class ReviewAction(BaseModel):
    actor: ActorBody
    reason: str = ""
    amount: Decimal | None = Field(default=None, ge=0, decimal_places=2)
    upheld: bool | None = None  # resolve only


def _domain_error(e: AuditDomainError) -> HTTPException:
    status = 403 if isinstance(e, WrongActor) else 409 if isinstance(e, InvalidTransition) else 422
    return HTTPException(status, detail={"title": type(e).__name__, "message": str(e)})


def _view(r: review.Review) -> dict:
    return {
        "flag_id": r.flag_id, "rule_id": r.rule_id, "claim_id": r.claim_id, "version": r.version,
        "hospital_code": r.hospital_code, "treat_admdvs": r.treat_admdvs, "insu_admdvs": r.insu_admdvs,
        "status": r.status.value, "suspected_amount": str(r.suspected_amount),
        "proposed_amount": str(r.proposed_amount) if r.proposed_amount is not None else None,
        "confirmed_amount": str(r.confirmed_amount) if r.confirmed_amount is not None else None,
        "raised_at": r.raised_at, "confirmed_at": r.confirmed_at,
        "trail": [{"action": t.action, "from": t.from_status.value, "to": t.to_status.value, "role": t.role.value,
                   "region": t.region, "user_id": t.user_id, "at": t.at, "reason": t.reason,
                   "amount": str(t.amount) if t.amount is not None else None} for t in r.transitions],
    }


@router.get("/v1/flags", summary="Flags by region (treatment or insured), hospital, rule and status")
async def list_flags(request: Request, region: str | None = None, hospital_code: str | None = None,
                     rule_id: str | None = None,
                     status: Literal["raised", "proposed", "confirmed", "disputed", "dismissed"] | None = None,
                     limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0)) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        items = await repo.list_flags(conn, region=region, hospital=hospital_code, rule=rule_id, status=status,
                                      limit=limit, offset=offset)
        summary = await repo.flag_counts(conn)
    return {"items": items, "summary": summary}


@router.get("/v1/flags/{flag_id}", summary="One flag with its review trail")
async def get_flag(flag_id: str, request: Request) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        r = await repo.load_review(conn, flag_id)
    if r is None:
        raise HTTPException(404, detail={"title": "no such flag", "flag_id": flag_id})
    return _view(r)


@router.post("/v1/flags/{flag_id}/{action}", summary="Act on a flag: propose, withdraw, confirm, dispute, resolve")
async def act(flag_id: str, action: Literal["propose", "withdraw", "confirm", "dispute", "resolve"],
              body: ReviewAction, request: Request) -> dict:
    runtime = request.app.state.runtime
    now = datetime.now(timezone.utc)
    actor = body.actor.domain()
    async with runtime.engine.begin() as conn:
        current = await repo.load_review(conn, flag_id, for_update=True)
        if current is None:
            raise HTTPException(404, detail={"title": "no such flag", "flag_id": flag_id})
        try:
            if action == "propose":
                updated = review.propose(current, actor, now, body.reason, body.amount)
            elif action == "withdraw":
                updated = review.withdraw(current, actor, now, body.reason)
            elif action == "confirm":
                updated = review.confirm(current, actor, now, body.reason, body.amount)
            elif action == "dispute":
                updated = review.dispute(current, actor, now, body.reason)
            else:
                if body.upheld is None:
                    raise InvalidInput("resolve needs upheld: true or false")
                updated = review.resolve(current, actor, now, body.upheld, body.reason, body.amount)
        except AuditDomainError as e:
            raise _domain_error(e) from None
        await repo.save_review(conn, updated)
        if updated.status is review.FlagStatus.CONFIRMED:
            d = deduction(updated)
            if d is not None:
                claim = await repo.claim_facts(conn, d.claim_id)
                await write_outbox(conn, [new_event(
                    type=AUDIT_FLAG_CONFIRMED, source=SOURCE, subject=d.claim_id, correlationid=d.claim_id,
                    event_id=f"confirmed:{d.flag_id}",
                    payload=AuditFlagConfirmed(
                        flag_id=d.flag_id, rule_id=updated.rule_id, claim_id=d.claim_id, version=d.version,
                        setl_id=claim.setl_id if claim else "", hospital_code=d.hospital_code,
                        treat_admdvs=d.treat_admdvs, insu_admdvs=d.insu_admdvs, amount=d.amount,
                        confirmed_at=d.confirmed_at, period=d.period),
                )])
    runtime.relay.wake()
    return _view(updated)


class AssistanceBody(BaseModel):
    claim_id: str
    actor: ActorBody
    question: str
    deadline: datetime


class AnswerBody(BaseModel):
    actor: ActorBody
    answer: str


def _assistance_view(a: assistance.AssistanceRequest, now: datetime) -> dict:
    return {**{k: getattr(a, k) for k in a.__dataclass_fields__}, "status": a.status.value,
            "overdue": a.is_overdue(now), "answered_late": a.answered_late}


@router.post("/v1/assistance-requests", status_code=201, summary="An insured region asks the treatment region to investigate")
async def request_assistance(body: AssistanceBody, request: Request) -> dict:
    now = datetime.now(timezone.utc)
    async with request.app.state.runtime.engine.begin() as conn:
        claim = await repo.claim_facts(conn, body.claim_id)
        if claim is None:
            raise HTTPException(404, detail={"title": "no such claim in audit", "claim_id": body.claim_id})
        try:
            req = assistance.request_assistance(str(uuid.uuid4()), claim, body.actor.domain(), now, body.deadline,
                                                body.question)
        except AuditDomainError as e:
            raise _domain_error(e) from None
        await repo.save_assistance(conn, req)
    return _assistance_view(req, now)


@router.post("/v1/assistance-requests/{request_id}/answer", summary="The treatment region answers")
async def answer_assistance(request_id: str, body: AnswerBody, request: Request) -> dict:
    now = datetime.now(timezone.utc)
    async with request.app.state.runtime.engine.begin() as conn:
        req = await repo.load_assistance(conn, request_id, for_update=True)
        if req is None:
            raise HTTPException(404, detail={"title": "no such request", "request_id": request_id})
        try:
            req = assistance.answer(req, body.actor.domain(), now, body.answer)
        except AuditDomainError as e:
            raise _domain_error(e) from None
        await repo.save_assistance(conn, req)
    return _assistance_view(req, now)


@router.get("/v1/assistance-requests", summary="Assistance requests of a region; overdue=true for the late ones")
async def list_assistance(request: Request, region: str | None = None, overdue: bool | None = None) -> dict:
    now = datetime.now(timezone.utc)
    async with request.app.state.runtime.engine.connect() as conn:
        items = [_assistance_view(a, now) for a in await repo.list_assistance(conn, region)]
    if overdue is not None:
        items = [i for i in items if i["overdue"] is overdue]
    return {"items": items}
