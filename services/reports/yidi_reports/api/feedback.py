"""Feedback rounds (seed 004 二(四)): GET /v1/feedback/rounds, POST /v1/feedback (hospital),
POST /v1/feedback/{feedback_id}/answer (bureau of the hospital's region), GET /v1/feedback and /v1/feedback/overdue
(scoped: a hospital its own, a bureau its region's, the province all, analysts without texts or user ids)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from yidi_common.auth import Principal, Role, authorize
from yidi_common.unit_of_work import transaction

from ..adapters.repository import PostgresReportsRepository
from ..adapters.settings import ReportsSettings
from ..domain.feedback import FeedbackItem, FeedbackProblem, Reference, round_named, rounds_of
from ..domain.reports import china_date
from ..service_layer import feedback as use_cases
from ..service_layer.repository import ReportsRepository
from .scope import hospital_region, problems

router = APIRouter(tags=["feedback"])
READERS = (Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST)


class ReferenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["report", "flag"]
    id: str = Field(min_length=1, max_length=200)


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: Literal["core-elements", "technical", "reform", "other"] = Field(description="core-elements (基准点数、差异系数…), technical (ADRG…), reform, other")
    text: str = Field(min_length=1, max_length=4000)
    reference: ReferenceIn | None = None


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=4000)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _json(status: int, content: dict) -> Response:
    return Response(orjson.dumps(content, default=str), status_code=status, media_type="application/json")


def view(item: FeedbackItem, caller: Principal, today) -> dict:
    hide = caller.role is Role.ANALYST  # de-identified: no user ids, no free text
    return {
        "id": item.id, "round": item.round, "hospital": item.hospital_code, "region": item.region,
        "topic": item.topic, "text": None if hide else item.text,
        "reference": {"kind": item.reference.kind, "id": item.reference.id} if item.reference else None,
        "status": item.status, "submitted_at": item.submitted_at, "answer_due": item.answer_due,
        "overdue": item.overdue(today), "answer": None if hide else item.answer, "answered_at": item.answered_at,
        "answered_late": item.answered_late(),
        "trail": [{"action": s.action, "role": s.role, "subject": None if hide else s.subject, "at": s.at}
                  for s in item.trail],
    }


def _settings(request: Request) -> ReportsSettings:
    return request.app.state.reports_settings


async def scoped_items(repo: ReportsRepository, caller: Principal, round_id: str | None = None) -> list[FeedbackItem]:
    return await repo.feedback_items(hospital=caller.hospital if caller.role is Role.HOSPITAL else None,
                                     region=caller.region if caller.role is Role.BUREAU else None, round_id=round_id)


@router.get("/v1/feedback/rounds", summary="The feedback rounds of a year: dates and where each stands today")
async def feedback_rounds(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                          caller: Principal = Depends(authorize(*READERS))) -> Response:
    today = china_date(_now())
    return _json(200, {"rounds": [
        {"id": r.id, "opens": r.opens, "closes": r.closes, "answer_due": r.answer_due, "state": r.state(today)}
        for r in rounds_of(year or today.year, _settings(request).feedback)]})


@router.post("/v1/feedback", status_code=201, summary="A hospital's feedback item, while a round collects")
async def submit_feedback(request: Request, body: FeedbackIn,
                          caller: Principal = Depends(authorize(Role.HOSPITAL))) -> Response:
    """409 outside a round's submission days (naming the next opening), 422 for a reference that is not
    one of the hospital's flags or generated reports."""
    hospital = caller.hospital or ""
    reference = Reference(body.reference.kind, body.reference.id) if body.reference else None
    try:
        async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
            item = await use_cases.submit_item(tx, hospital=hospital, region=hospital_region(request, hospital),
                                               subject=caller.user, topic=body.topic, text=body.text,
                                               reference=reference, at=_now(), calendar=_settings(request).feedback)
    except FeedbackProblem as e:
        raise problems(e.status, e.problems) from None
    return _json(201, view(item, caller, china_date(_now())))


@router.post("/v1/feedback/{feedback_id}/answer", summary="The bureau of the hospital's region answers an item")
async def answer_feedback(request: Request, body: AnswerIn, feedback_id: str = Path(max_length=100),
                          caller: Principal = Depends(authorize(Role.BUREAU))) -> Response:
    try:
        async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
            item = await use_cases.answer_item(tx, feedback_id, region=caller.region or "", subject=caller.user,
                                               text=body.answer, at=_now())
    except FeedbackProblem as e:
        raise problems(e.status, e.problems) from None
    return _json(200, view(item, caller, china_date(_now())))


@router.get("/v1/feedback", summary="Feedback items: a hospital's own, a bureau's region's, everyone's")
async def list_feedback(request: Request, round: str | None = Query(None, max_length=10, description="2026-H2"),
                        status: Literal["open", "answered"] | None = None,
                        caller: Principal = Depends(authorize(*READERS))) -> Response:
    if round is not None and round_named(round) is None:
        raise problems(422, [{"field": "round", "rule": "round", "message": "a round is named <year>-H1 or <year>-H2"}])
    today = china_date(_now())
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        found = await scoped_items(tx.repo, caller, round)
    return _json(200, {"items": [view(i, caller, today) for i in found if status in (None, i.status)]})


@router.get("/v1/feedback/overdue", summary="Feedback items unanswered after their round's answer window")
async def overdue_feedback(request: Request, caller: Principal = Depends(authorize(*READERS, Role.OPS))) -> Response:
    today = china_date(_now())
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        found = await scoped_items(tx.repo, caller)
    return _json(200, {"items": [view(i, caller, today) for i in found if i.overdue(today)]})
