"""Assistance requests (协查): the insured region asks the treatment region to investigate a stored claim."""
from __future__ import annotations

from datetime import datetime

from yidi_common.unit_of_work import Transaction

from ..domain import assistance as decide
from ..domain.actors import Actor
from ..domain.assistance import AssistanceRequest
from .repository import AuditRepository, NotFound


async def request_assistance(tx: Transaction[AuditRepository], request_id: str, claim_id: str, actor: Actor,
                             at: datetime, deadline: datetime, question: str) -> AssistanceRequest:
    claim = await tx.repo.claim_facts(claim_id)
    if claim is None:
        raise NotFound("no such claim in audit", claim_id=claim_id)
    request = decide.request_assistance(request_id, claim, actor, at, deadline, question)
    await tx.repo.save_assistance(request)
    return request


async def answer_assistance(tx: Transaction[AuditRepository], request_id: str, actor: Actor, at: datetime,
                            answer: str) -> AssistanceRequest:
    request = await tx.repo.load_assistance(request_id, for_update=True)
    if request is None:
        raise NotFound("no such request", request_id=request_id)
    request = decide.answer(request, actor, at, answer)
    await tx.repo.save_assistance(request)
    return request
