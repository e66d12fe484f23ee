"""特例单议 (seed 000 二(一), 001 (二), 003 三(二), 004 季公告): the hospital applies, the treatment region's
bureau approves or rejects within the hospital's quota, the insured region sees every case and decision.

Who acts comes from the bearer token. A case outside the caller's scope answers 404, as one that does not
exist. An approval publishes special-case.decided; the grouper then issues the claim's next version, which
pricing prices per item and clearing settles as a correction in its next run.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from yidi_common.auth import Principal, Role, authorize

from ..domain import special_cases as sc
from ..domain.errors import AuditDomainError, InvalidTransition, WrongActor
from ..domain.params import SpecialCaseParams
from ..domain.special_cases import QuotaExceeded, SpecialCase
from ..service_layer import special_cases
from ..service_layer.repository import NotFound
from ..service_layer.special_cases import ApplicationRefused
from .flags import AuditStore, scope_of, sees_claim, store

router = APIRouter(tags=["special cases"])

READERS = (Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST)


def quota_params(request: Request, region: str) -> SpecialCaseParams:
    return request.app.state.audit_rules.current.for_region(region).special_cases


class Application(BaseModel):
    claim_id: str = Field(min_length=1, max_length=100)
    reasons: list[str] = Field(min_length=1, max_length=50)
    documents: list[str] = Field(default_factory=list, max_length=200)


class Decision(BaseModel):
    decision: Literal["approve", "reject"]
    reasons: list[str] = Field(default_factory=list, max_length=50)


@contextmanager
def _refusals() -> Iterator[None]:
    """404 for what is not there; 403 a wrong actor; 409 a case's status or the quota (with its figures);
    422 an application's problems, each with its field path."""
    try:
        yield
    except NotFound as e:
        raise HTTPException(404, detail={"title": e.title, **e.ids}) from None
    except ApplicationRefused as e:
        raise HTTPException(422, detail={"title": "invalid application", "status": 422,
                                         "problem_count": len(e.problems), "problems": e.problems}) from None
    except QuotaExceeded as e:
        raise HTTPException(409, detail={"title": "QuotaExceeded", "message": str(e), "quota": e.figures}) from None
    except AuditDomainError as e:
        status = 403 if isinstance(e, WrongActor) else 409 if isinstance(e, InvalidTransition) else 422
        raise HTTPException(status, detail={"title": type(e).__name__, "message": str(e)}) from None


def _view(case: SpecialCase, caller: Principal) -> dict:
    named = caller.role is not Role.ANALYST  # analysts: no user ids, no free text
    c = case.claim
    return {
        "case_id": case.case_id, "claim_id": c.claim_id, "version": c.version, "setl_id": c.setl_id,
        "hospital_code": c.hospital_code, "treat_admdvs": c.treatment_region, "insu_admdvs": c.insured_region,
        "pool_admdvs": c.pool_region,
        "origin": case.origin.value, "status": case.status.value, "period": case.period,
        "total_cost": str(c.total_cost), "basic_fund_payment": str(c.basic_fund_payment), "case_kind": c.case_kind,
        "reasons": list(case.reasons) if named else None, "documents": list(case.documents) if named else None,
        "applied_at": case.applied_at,
        "history": [{"action": s.action, "status": s.status.value, "by": s.by if named else None, "role": s.role,
                     "region": s.region, "at": s.at, "reasons": list(s.reasons) if named else None,
                     "documents": list(s.documents) if named else None} for s in case.history],
    }


def _visible(caller: Principal, case: SpecialCase | None, case_id: str) -> SpecialCase:
    if case is None or not sees_claim(caller, treatment_region=case.claim.treatment_region,
                                      insured_region=case.claim.insured_region,
                                      hospital_code=case.claim.hospital_code, pool_region=case.claim.pool_region):
        raise HTTPException(404, detail={"title": "no such special case", "case_id": case_id})
    return case


@router.post("/v1/special-cases", status_code=201, summary="A hospital applies for 特例单议 of its claim",
             description="For the claim's current version as priced (known to audit from payment.priced). 404 for "
                         "another hospital's claim or one audit does not hold; 409 when a case is open or decided for "
                         "that version; 422 naming every problem (blank reasons or documents, a claim already paid "
                         "per item).")
async def apply(body: Application, request: Request, caller: Principal = Depends(authorize(Role.HOSPITAL)),
                audit: AuditStore = Depends(store)) -> dict:
    now = datetime.now(timezone.utc)
    with _refusals():
        async with audit.transaction() as tx:
            case = await special_cases.apply(tx, body.claim_id, body.reasons, body.documents, hospital=caller.hospital,
                                             by=caller.user, at=now,
                                             params_for=lambda region: quota_params(request, region))
    return _view(case, caller)


@router.post("/v1/special-cases/{case_id}/decision",
             summary="The treatment region's bureau approves or rejects, within the hospital's quota",
             description="403 unless the caller is the bureau of the claim's treatment region (a 省本级 claim's: its "
                         "pool region); 409 when the case is "
                         "not open, or when an approval would pass the hospital's quota for the period (the answer's "
                         "`quota` gives the figures: claims, approved cases, shares and limits); a rejection needs a "
                         "reason (422). Published as special-case.decided.")
async def decide(case_id: str, body: Decision, request: Request, caller: Principal = Depends(authorize(Role.BUREAU)),
                 audit: AuditStore = Depends(store)) -> dict:
    now = datetime.now(timezone.utc)
    with _refusals():
        async with audit.transaction() as tx:
            case = _visible(caller, await tx.repo.load_case(case_id), case_id)
            decided, figures = await special_cases.decide(
                tx, case_id, body.decision, body.reasons, by=caller.user, role=caller.role.value, region=caller.region,
                at=now, params=quota_params(request, case.claim.reviewing_region))
    return {**_view(decided, caller), "quota": figures}


@router.get("/v1/special-cases", summary="Special cases by region (treatment or insured), hospital, status, period",
            description="A bureau sees the cases of claims treated or insured in its region, a hospital its own, the "
                        "province and analysts all (analysts without user ids or reasons).")
async def list_cases(region: str | None = None, hospital_code: str | None = None,
                     status: Literal["open", "approved", "rejected", "superseded"] | None = None,
                     period: str | None = Query(None, pattern=r"^\d{4}(-Q[1-4])?$"),
                     limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=100_000_000),
                     caller: Principal = Depends(authorize(*READERS)), audit: AuditStore = Depends(store)) -> dict:
    async with audit.reading() as repo:
        cases = await repo.list_cases(scope=scope_of(caller), region=region, hospital=hospital_code, status=status,
                                      period=period, limit=limit, offset=offset)
    return {"items": [_view(c, caller) for c in cases]}


QUARTER_COLUMNS = ("hospital_code", "claims", "fund", "applications", "referrals", "approved", "rejected", "open",
                   "approved_fund", "case_share", "max_case_share", "fund_share", "max_fund_share", "within_quota")


@router.get("/v1/special-cases/quarterly", summary="季公告: each hospital's special cases of a quarter vs its quota",
            description="Seed 004 (二): 特病单议受理及评审结算 per hospital of the treatment region, over the claims "
                        "discharged in the quarter: applications (by the hospital) and referrals (the list's flag, "
                        "pricing), approvals, rejections, open cases, shares of cases and of fund (Σ F) approved, and "
                        "the quota. A bureau reads its own region, the province and analysts any. JSON or CSV.")
async def quarterly(request: Request, region: str = Query(pattern=r"^\d{6}$"),
                    quarter: str = Query(pattern=r"^\d{4}-Q[1-4]$"), format: Literal["json", "csv"] = "json",
                    caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST)),
                    audit: AuditStore = Depends(store)) -> Any:
    if not caller.sees_region(region):
        raise HTTPException(403, detail={"title": f"the quarterly list of {region} is its bureau's",
                                         "message": f"{caller.user} acts for {caller.region}"})
    try:
        start, end = sc.period_bounds(quarter)
    except ValueError as e:  # a year datetime cannot hold
        raise HTTPException(422, detail={"title": "invalid request", "problems": [
            {"field": "quarter", "rule": "period", "message": str(e)}]}) from None
    async with audit.reading() as repo:
        cases = await repo.cases_discharged(region, start, end)
        totals = await repo.claim_totals(region, start, end)
    params = quota_params(request, region)
    lines = sc.quarter_lines(cases, totals, params.limit_for)
    rows = [{"hospital_code": l.hospital_code, "claims": l.claims, "fund": str(l.fund),
             "applications": l.applications, "referrals": l.referrals, "approved": l.approved,
             "rejected": l.rejected, "open": l.open, "approved_fund": str(l.approved_fund),
             "case_share": str(l.case_share), "max_case_share": str(l.max_case_share),
             "fund_share": str(l.fund_share), "max_fund_share": str(l.max_fund_share),
             "within_quota": l.within_quota} for l in lines]
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=QUARTER_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="special-cases-{region}-{quarter}.csv"'})
    return {"region": region, "quarter": quarter, "quota_period": params.period.value, "hospitals": rows}


@router.get("/v1/special-cases/{case_id}", summary="One special case with its whole history (who, when)",
            description="404 for a case outside the caller's scope, as for one that does not exist.")
async def get_case(case_id: str, caller: Principal = Depends(authorize(*READERS)),
                   audit: AuditStore = Depends(store)) -> dict:
    async with audit.reading() as repo:
        case = await repo.load_case(case_id)
    return _view(_visible(caller, case, case_id), caller)
