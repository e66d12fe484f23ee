"""The dashboard's pages (server-rendered, Chinese) and the forms and downloads they offer. Every page needs
a session; what it shows is what the services answer to the user's own token."""
from __future__ import annotations

import re
from datetime import date

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from yidi_common.auth import Role

from ..adapters.backends import Answer, Backends
from ..adapters.sessions import Session
from ..domain.views import ACTIONS
from ..service_layer import pages
from .web import flash, form_of, hospitals, regions, render, signed_in, this_year

router = APIRouter(include_in_schema=False)

# every page a signed-in user opens (the access test checks each redirects to sign in without a session)
PAGES = ("/", "/budget", "/indicators", "/coverage", "/claims", "/claims/C-NONE", "/flags", "/statements", "/objections",
         "/feedback")


def backends(request: Request) -> Backends:
    return request.app.state.backends


def default_region(session: Session, asked: str | None) -> str:
    """The region a page shows: the one asked for, else the caller's own (a hospital's region), else the
    first configured. A bureau asking for another region gets the service's 403, never more."""
    p = session.principal
    if asked and re.fullmatch(r"\d{6}", asked):
        return asked
    if p.region:
        return p.region
    if p.hospital and p.hospital in hospitals():
        from .web import _configuration

        return _configuration().hospitals[p.hospital].region
    return next(iter(regions()), "360100")


@router.get("/")
async def home(session: Session = Depends(signed_in)) -> Response:
    return RedirectResponse("/claims" if session.principal.role is Role.HOSPITAL else "/budget", status_code=303)


@router.get("/budget")
async def budget_page(request: Request, region: str | None = None, year: int | None = Query(None, ge=2000, le=2100),
                      session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    region, year = default_region(session, region), year or this_year()
    data = await pages.budget(api, session, region, year)
    return render(request, "budget.html", session, title="预算执行", region=region, year=year, **data)


@router.get("/indicators")
async def indicators_page(request: Request, region: str | None = None, start: str | None = Query(None, alias="from"),
                          end: str | None = Query(None, alias="to"), session: Session = Depends(signed_in),
                          api: Backends = Depends(backends)) -> Response:
    year = this_year()
    start = start if start and re.fullmatch(r"\d{4}-\d{2}", start) else f"{year}-01"
    end = end if end and re.fullmatch(r"\d{4}-\d{2}", end) else f"{year}-12"
    hospital = session.principal.hospital
    region = None if hospital else default_region(session, region)
    data = await pages.indicators(api, session, region, hospital, start, end, end[:4])
    return render(request, "indicators.html", session, title="CMI 与消耗指数", region=region, hospital=hospital,
                  start=start, end=end, year=end[:4], **data)


@router.get("/coverage")
async def coverage_page(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                        session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    year = year or this_year()
    data = await pages.coverage(api, session, regions(), year)
    return render(request, "coverage.html", session, title="付费方式覆盖率", year=year, **data)


@router.get("/claims")
async def claims_page(request: Request, stage: str | None = Query(None, pattern="^(submitted|rejected|grouped|priced|posted)$"),
                      offset: int = Query(0, ge=0, le=100_000_000), session: Session = Depends(signed_in),
                      api: Backends = Depends(backends)) -> Response:
    data = await pages.claims(api, session, stage, offset)
    return render(request, "claims.html", session, title="结算清单", stage=stage, offset=offset, **data)


@router.get("/claims/{claim_id}")
async def claim_page(request: Request, claim_id: str = Path(max_length=200), session: Session = Depends(signed_in),
                     api: Backends = Depends(backends)) -> Response:
    data = await pages.claim(api, session, claim_id)
    return render(request, "claim.html", session, title=f"结算清单 {claim_id}", claim_id=claim_id, **data)


@router.get("/flags")
async def flags_page(request: Request,
                     status: str | None = Query(None, pattern="^(raised|proposed|confirmed|disputed|dismissed|closed)$"),
                     offset: int = Query(0, ge=0, le=100_000_000), session: Session = Depends(signed_in),
                     api: Backends = Depends(backends)) -> Response:
    data = await pages.flags(api, session, status, offset)
    return render(request, "flags.html", session, title="审核疑点", status=status, offset=offset, **data)


@router.post("/flags/{flag_id}/{action}")
async def act_on_flag(request: Request, flag_id: str = Path(max_length=200), action: str = Path(),
                      session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    """A review step through the audit service as the user: audit decides whether the user may take it."""
    form = await form_of(request, session)
    if action not in ACTIONS:
        raise HTTPException(404, detail={"title": f"no review step {action}"})
    answer = await pages.act_on_flag(api, session, flag_id, action, form)
    back = form.get("back") if (form.get("back") or "").startswith("/flags") else "/flags"
    return _back_to(back, request, answer, f"疑点 {flag_id}：{ACTIONS[action]}完成")


@router.get("/statements")
async def statements_page(request: Request, region: str | None = None,
                          month: str | None = Query(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$"),
                          session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    region = default_region(session, region)
    today = date.today()
    month = month or f"{today.year}-{today.month:02d}"
    data = await pages.statements(api, session, region, month)
    return render(request, "statements.html", session, title="结算单与报告", region=region, month=month, **data)


DOWNLOADS = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "pdf": "application/pdf", "html": "text/html"}


def _back_to(page: str, request: Request, answer, done: str) -> Response:
    """After a form: back to the page, with `done` or the backend's refusal flashed on it."""
    response = RedirectResponse(page, status_code=303)
    flash(response, request, done if answer.ok else answer.message, answer.ok)
    return response


def _file(request: Request, answer, fallback_name: str) -> Response:
    if isinstance(answer, Answer):
        return render(request, "message.html", None, status_code=answer.status or 503, title="无法下载",
                      text=answer.message, back=True)
    headers = {"Content-Disposition": answer.headers.get("content-disposition", f'attachment; filename="{fallback_name}"')}
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers=headers)


@router.get("/downloads/clearing/{kind}/{region}/{period}.{fmt}")
async def clearing_download(request: Request, kind: str = Path(pattern="^(monthly|annual|year)$"),
                            region: str = Path(pattern=r"^\d{6}$"), period: str = Path(pattern=r"^\d{4}(-\d{2})?$"),
                            fmt: str = Path(pattern="^(csv|xlsx)$"), session: Session = Depends(signed_in),
                            api: Backends = Depends(backends)) -> Response:
    answer = await api.download("clearing", f"/v1/clearing/{kind}/{region}/{period}", session.access_token, format=fmt)
    return _file(request, answer, f"{kind}-{region}-{period}.{fmt}")


@router.get("/downloads/reports/{report_id}.{fmt}")
async def report_download(request: Request, report_id: str = Path(pattern=r"^[\w.:-]{1,200}$"),
                          fmt: str = Path(pattern="^(pdf|xlsx|html)$"), session: Session = Depends(signed_in),
                          api: Backends = Depends(backends)) -> Response:
    answer = await api.download("reports", f"/v1/reports/{report_id}.{fmt}", session.access_token)
    return _file(request, answer, f"{report_id}.{fmt}")


@router.get("/objections")
async def objections_page(request: Request, session: Session = Depends(signed_in),
                          api: Backends = Depends(backends)) -> Response:
    data = await pages.objections(api, session)
    return render(request, "objections.html", session, title="异议申诉", **data)


@router.post("/objections")
async def object_to(request: Request, session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    """A hospital's objection, posted to the reports service as the hospital."""
    form = await form_of(request, session)
    answer = await pages.file_objection(api, session, form)
    return _back_to("/objections", request, answer, "异议已提交")


@router.post("/objections/{objection_id}/decision")
async def decide_objection(request: Request, objection_id: str = Path(max_length=200),
                           session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    """The bureau accepts or rejects an objection (with its reasons), as the bureau."""
    form = await form_of(request, session)
    answer = await pages.decide_objection(api, session, objection_id, form)
    decided = {"accepted": "已接受", "rejected": "已驳回"}.get(form.get("decision") or "", "已处理")
    return _back_to("/objections", request, answer, f"异议 {objection_id[:8]} {decided}")


@router.get("/feedback")
async def feedback_page(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                        session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    year = year or this_year()
    data = await pages.feedback(api, session, year)
    return render(request, "feedback.html", session, title="意见反馈", year=year, **data)


@router.post("/feedback")
async def submit_feedback(request: Request, session: Session = Depends(signed_in),
                          api: Backends = Depends(backends)) -> Response:
    """A hospital's feedback item, posted to the reports service as the hospital."""
    form = await form_of(request, session)
    answer = await pages.submit_feedback(api, session, form)
    return _back_to("/feedback", request, answer, "意见已提交")


@router.post("/feedback/{item_id}/answer")
async def answer_feedback(request: Request, item_id: str = Path(max_length=200),
                          session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    """The bureau answers a feedback item, as the bureau."""
    form = await form_of(request, session)
    answer = await pages.answer_feedback(api, session, item_id, form)
    return _back_to("/feedback", request, answer, f"意见 {item_id} 已答复")


@router.get("/downloads/indicators/{level}/{period}.csv")
async def indicators_download(request: Request, level: str = Path(pattern="^(hospital|region|group)$"),
                              period: str = Path(pattern=r"^\d{4}(-\d{2}|-Q[1-4])?$"), region: str | None = None,
                              session: Session = Depends(signed_in), api: Backends = Depends(backends)) -> Response:
    answer = await api.download("reports", "/v1/indicators", session.access_token, level=level, period=period,
                                format="csv", **({"region": region} if region else {}))
    return _file(request, answer, f"indicators-{level}-{period}.csv")
