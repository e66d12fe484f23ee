"""The seed 004 reports: list (with due dates and overdue flags), on-demand generation, downloads."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from yidi_common.auth import Principal, Role, authorize, forbid_out_of_scope
from yidi_common.unit_of_work import transaction

from ..adapters.render import render_all
from ..adapters.repository import PostgresReportsRepository
from ..domain.reports import ReportKind, StoredReport, china_date
from ..service_layer import reports as use_cases
from .feedback import scoped_items as scoped_feedback
from .feedback import view as feedback_view
from .scope import hospital_region, problems

router = APIRouter(tags=["reports"])
MEDIA = {"html": "text/html; charset=utf-8", "pdf": "application/pdf",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
READERS = (Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST, Role.OPS)


class ReportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["monthly-notice", "quarterly-announcement", "annual-report", "problem-list"]
    region: str = Field(pattern=r"^\d{6}$")
    hospital: str | None = Field(None, min_length=1, max_length=30)
    period: str = Field(max_length=10, description="2026-03 (monthly notice), 2026-Q1 or 2026")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def sees(caller: Principal, report: StoredReport, request: Request) -> bool:
    """A hospital its own notices and its region's announcements and annual reports; a bureau its region's;
    the province, analysts and operations every report."""
    if caller.role is Role.HOSPITAL:
        if report.kind == ReportKind.MONTHLY_NOTICE:
            return report.hospital == caller.hospital
        return (report.kind in (ReportKind.QUARTERLY_ANNOUNCEMENT, ReportKind.ANNUAL_REPORT)
                and hospital_region(request, caller.hospital or "") == report.region)
    if caller.role is Role.BUREAU:
        return report.region == caller.region
    return True


def view(report: StoredReport, generations: int, today) -> dict:
    generated = report.generated_at is not None
    return {"id": report.id if generated else None, "kind": report.kind, "region": report.region,
            "hospital": report.hospital or None, "period": report.period,
            "status": "generated" if generated else "expected", "revision": report.revision,
            "generations": generations, "due_date": report.due_date, "generated_at": report.generated_at,
            "overdue": report.overdue(today), "trigger": report.trigger, "config_version": report.config_version,
            "data_version": report.data_version, "input_hash": report.input_hash,
            "links": {f: f"/v1/reports/{report.id}.{f}" for f in MEDIA} if generated else {}}


def _json(status: int, content: dict) -> Response:
    return Response(orjson.dumps(content, default=str), status_code=status, media_type="application/json")


async def _listing(request: Request, caller: Principal, **filters) -> list[dict]:
    today = china_date(_now())
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        stored = await tx.repo.reports(**filters)
    return [view(r, n, today) for r, n in use_cases.latest(stored) if sees(caller, r, request)]


@router.get("/v1/reports", summary="Reports expected and generated, with due dates and overdue flags")
async def list_reports(request: Request, kind: str | None = None, region: str | None = None,
                       hospital: str | None = None, period: str | None = None,
                       caller: Principal = Depends(authorize(*READERS))) -> Response:
    """Each report's latest generation (or, while none was made, the expected report with its due date)."""
    return _json(200, {"items": await _listing(request, caller, kind=kind, region=region, hospital=hospital,
                                               period=period)})


@router.get("/v1/reports/overdue", summary="Reports past their due date without a generation, or generated late; "
                                          "feedback items unanswered after their round's answer window")
async def overdue_reports(request: Request, caller: Principal = Depends(authorize(*READERS))) -> Response:
    today = china_date(_now())
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        feedback = [feedback_view(i, caller, today) for i in await scoped_feedback(tx.repo, caller) if i.overdue(today)]
    return _json(200, {"items": [r for r in await _listing(request, caller) if r["overdue"]], "feedback": feedback})


@router.post("/v1/reports", status_code=201, summary="Generate a report now (HTML, PDF and XLSX)")
async def generate_report(request: Request, body: ReportRequest,
                          caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE))) -> Response:
    """A bureau generates its own region's reports; each generation is a new revision, kept beside the earlier."""
    forbid_out_of_scope(caller.sees_region(body.region), f"region {body.region}'s reports")
    config = request.app.state.config.current
    try:
        async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
            report = await use_cases.generate(tx, kind=body.kind, region=body.region, hospital=body.hospital or "",
                                              period=body.period, trigger="on-demand", now=_now(),
                                              config_version=config.version, render=render_all,
                                              norms=request.app.state.group_norms)
    except use_cases.ReportRequestError as e:
        raise problems(422, e.problems) from None
    return _json(201, view(report, report.revision, china_date(_now())))


@router.get("/v1/reports/{report_id}.{fmt}", summary="A generated report as HTML, PDF or XLSX")
async def download(request: Request, report_id: str = Path(max_length=200),
                   fmt: Literal["html", "pdf", "xlsx"] = Path(),
                   caller: Principal = Depends(authorize(Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> Response:
    async with transaction(request.app.state.runtime.engine, PostgresReportsRepository) as tx:
        report = await tx.repo.report(report_id)
        if report is None or report.generated_at is None or not sees(caller, report, request):
            raise HTTPException(404, detail={"title": "no such report", "id": report_id})
        body = await tx.repo.report_body(report_id, fmt)
    return Response(body, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'{"inline" if fmt == "html" else "attachment"}; filename="{report_id}.{fmt}"',
        "X-Config-Version": report.config_version or "", "X-Data-Version": report.data_version or ""})
