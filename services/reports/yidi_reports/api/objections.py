"""Objections: POST /v1/objections (hospital), POST /v1/objections/{id}/decision (bureau of the treatment
region), GET /v1/objections (scoped)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

import orjson
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from yidi_common.auth import Principal, Role, authorize
from yidi_common.unit_of_work import transaction

from ..adapters.repository import PostgresReportsRepository
from ..adapters.settings import ReportsSettings
from ..domain.objections import Objection, ObjectionProblem, corrected_version
from ..service_layer import objections as use_cases
from .scope import problems

router = APIRouter(tags=["objections"])


class TargetRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["notice", "statement", "flag"]
    id: str = Field(min_length=1, max_length=200, description="a report id, <region>/<yyyy-mm>, or a flag id")
    item: str | None = Field(None, min_length=1, max_length=100, description="the claim id of the item objected to")


class ObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: TargetRef
    reason: str = Field(min_length=1, max_length=4000)
    documents: list[str] = Field(default_factory=list, max_length=50, description="references to supporting documents")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["accepted", "rejected"]
    reasons: str = Field("", max_length=4000)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def view(objection: Objection, current_version: int | None, caller: Principal) -> dict:
    hide = caller.role is Role.ANALYST  # de-identified: no user ids, no free text
    return {
        "id": objection.id, "hospital": objection.hospital_code, "treatment_region": objection.treatment_region,
        "target": {"kind": objection.target_kind, "id": objection.target_id, "item": objection.claim_id},
        "reason": None if hide else objection.reason, "documents": [] if hide else list(objection.documents),
        "status": objection.status, "filed_at": objection.filed_at, "window_closes": objection.window_closes,
        "decided_at": objection.decided_at, "decision_reasons": None if hide else objection.decision_reasons,
        "claim_version": objection.claim_version,
        "corrected_version": corrected_version(objection, current_version),
        "trail": [{"action": s.action, "role": s.role, "subject": None if hide else s.subject, "at": s.at,
                   **({} if hide else {"detail": s.detail})} for s in objection.trail],
    }


def _json(status: int, content: dict) -> Response:
    return Response(orjson.dumps(content, default=str), status_code=status, media_type="application/json")


@router.post("/v1/objections", status_code=201, summary="A hospital objects to a notice item, a statement item or a flag")
async def file_objection(request: Request, body: ObjectionIn,
                         caller: Principal = Depends(authorize(Role.HOSPITAL))) -> Response:
    """Within the window (REPORTS_OBJECTION_WINDOW_DAYS, 15 days by default) from when the target was made
    known; 409 naming each problem outside it (window closed, an open objection on the item, a flag
    already confirmed), 404 for an unknown target, 403 for another hospital's."""
    settings: ReportsSettings = request.app.state.reports_settings
    try:
        async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
            filed = await use_cases.file(tx, kind=body.target.kind, target_id=body.target.id, item=body.target.item,
                                         hospital=caller.hospital or "", subject=caller.user, reason=body.reason,
                                         documents=body.documents, at=_now(),
                                         window_days=settings.objection_window_days)
    except ObjectionProblem as e:
        raise problems(e.status, e.problems) from None
    return _json(201, view(filed, None, caller))


@router.post("/v1/objections/{objection_id}/decision", summary="The bureau of the treatment region accepts or rejects")
async def decide(request: Request, body: DecisionIn, objection_id: str = Path(max_length=100),
                 caller: Principal = Depends(authorize(Role.BUREAU))) -> Response:
    """Accepted on a flag: audit withdraws it (objection.decided); on a notice or statement item: the
    hospital's corrected list is the correction, shown in the next report."""
    try:
        async with transaction(request.app.state.runtime.engine, PostgresReportsRepository,
                               request.app.state.runtime.relay) as tx:
            decided = await use_cases.decide_objection(tx, objection_id, decision=body.decision, reasons=body.reasons,
                                                       region=caller.region or "", subject=caller.user, at=_now())
    except ObjectionProblem as e:
        raise problems(e.status, e.problems) from None
    return _json(200, view(decided, None, caller))


@router.get("/v1/objections", summary="Objections: a hospital's own, a bureau's region's, everyone's")
async def list_objections(request: Request, status: str | None = None,
                          caller: Principal = Depends(authorize(Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> Response:
    """A bureau sees the objections of hospitals treating in its region; analysts without user ids or texts."""
    hospital = caller.hospital if caller.role is Role.HOSPITAL else None
    region = caller.region if caller.role is Role.BUREAU else None
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        found = [o for o in await tx.repo.objections(hospital=hospital, region=region) if status in (None, o.status)]
        versions = {}
        for o in found:
            if o.claim_id and o.claim_id not in versions:
                case = await tx.repo.case(o.claim_id)
                versions[o.claim_id] = case.version if case else None
    return _json(200, {"items": [view(o, versions.get(o.claim_id), caller) for o in found]})
