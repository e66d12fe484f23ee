"""HIS intake: hospitals post settlement lists (医保结算清单), correct them and follow them down the chain.

Who may call what: a hospital posts and corrects its own lists only (setlinfo.fixmedins_code must be
its token's); a hospital reads its own claims, a bureau those treated or insured in its region, the
province every claim, an analyst every claim de-identified (personal fields masked); operations read
the stage counts only (GET /v1/settlement-lists answers them no claims). Rejection counts: bureau (its
region), province, operations, analyst.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from opentelemetry import trace
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from yidi_common.auth import Principal, Role, authorize, bearer, forbid_out_of_scope
from yidi_common.http import json_response, nul_character_problems, problem_list, problems_body
from yidi_common.personal_data import MASK, mask_value
from yidi_common.settlement_list import SettlementList
from yidi_common.unit_of_work import Transaction, transaction

from ..adapters.claims_repository import PostgresClaimsRepository
from ..adapters.data_keys import DataKeyError
from ..domain.intake import Decision, Outcome
from ..service_layer.claims import claim_listing, claim_status, list_version, rejections_by_rule
from ..service_layer.intake import Intake, submit
from ..service_layer.repository import ClaimsRepository

router = APIRouter(prefix="/v1/settlement-lists", tags=["settlement lists (HIS)"])

HOSPITAL_ONLY = authorize(Role.HOSPITAL)
READERS = authorize(Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST)
LISTING = authorize(Role.HOSPITAL, Role.BUREAU, Role.PROVINCE, Role.ANALYST, Role.OPS)  # ops: counts only
REJECTION_READERS = authorize(Role.BUREAU, Role.PROVINCE, Role.OPS, Role.ANALYST)

ClaimsOpener = Callable[[], AbstractAsyncContextManager[Transaction[ClaimsRepository]]]


async def claims_opener(request: Request) -> ClaimsOpener:
    """Opens a transaction on the claims repository (tests override this dependency)."""
    engine = request.app.state.runtime.engine
    return lambda: transaction(engine, PostgresClaimsRepository)


def scope_of(caller: Principal) -> tuple[str | None, str | None]:
    """(hospital, region) the caller's claims are confined to; (None, None): the whole province."""
    if caller.role is Role.HOSPITAL:
        return caller.hospital, None
    if caller.role is Role.BUREAU:
        return None, caller.region
    return None, None


def shown(caller: Principal, answer: dict) -> dict:
    """Personal data only to the roles that may see it; masked for the others."""
    return answer if caller.sees_personal_data else mask_value(answer)


# The body is read and validated by `accept` rather than declared as a parameter: FastAPI's own body
# handling (stdlib JSON, dependency solving) cost about a quarter of the intake's CPU. The schema is still
# published (SETTLEMENT_LIST_BODY, and SettlementList among the app's components).
SETTLEMENT_LIST_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/SettlementList"}}}}}


async def accept(intake: Intake, raw: bytes, *, caller: Principal, correction_of: str | None) -> tuple[int, dict]:
    """The intake's answer to one posted body, as (HTTP status, JSON body): 202, 403 (another hospital's
    list), 404, 409 or 422."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return 422, problems_body([{"field": "(body)", "rule": "json_invalid", "message": f"invalid JSON: {exc}"}])
    # U+0000 would fail the whole intake batch in the database: refused here, with the list's other problems
    unstorable = nul_character_problems(data) if b"\\u0000" in raw else []
    try:
        sl = SettlementList.model_validate(data)
    except ValidationError as exc:
        return 422, problems_body(problem_list(list(exc.errors()), drop_prefix=()) + unstorable)
    if unstorable:
        return 422, problems_body(unstorable)
    if sl.setlinfo.fixmedins_code != caller.hospital:
        return 403, {"detail": {"title": "the list is another hospital's: setlinfo.fixmedins_code is not your token's",
                                "fixmedins_code": sl.setlinfo.fixmedins_code, "token_hospital": caller.hospital}}
    return answer(*await submit(intake, sl, correction_of=correction_of), correction_of=correction_of)


def answer(claim_id: str, decision: Decision, *, correction_of: str | None) -> tuple[int, dict]:
    if decision.outcome is Outcome.OTHER_CLAIM:
        return 409, {"detail": {
            "title": "correction names another claim",
            "claim_id": correction_of,
            "message": f"the body's (fixmedins_code, setl_id) belong to claim {claim_id}",
        }}
    if decision.outcome is Outcome.NOT_FOUND:
        return 404, {"detail": {"title": "no such claim", "claim_id": correction_of}}
    if decision.outcome is Outcome.CONFLICT:
        return 409, {"detail": {
            "title": "settlement list already posted with other content",
            "claim_id": claim_id,
            "current_version": decision.version,
            "message": f"to replace it, POST the corrected list to /v1/settlement-lists/{claim_id}/corrections",
        }}
    return 202, {
        "claim_id": claim_id,
        "version": decision.version,
        "status": "accepted" if decision.outcome is Outcome.ACCEPTED else "already accepted",
        "links": {"self": f"/v1/settlement-lists/{claim_id}"},
    }


class IntakeFastPath:
    """ASGI middleware answering POST /v1/settlement-lists itself, the one route under load: it skips
    FastAPI's exception middleware, routing and dependency solving (~15 % of the grouper's CPU per list).
    It authenticates by calling the route's own dependencies (bearer, HOSPITAL_ONLY; verified tokens are
    cached, so a repeated token costs a dict lookup, ~3 µs). Body size limits and 500s still come from the
    layers outside it; the route below stays declared, for the OpenAPI document, and answers identically."""

    PATH = "/v1/settlement-lists"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.PATH:
            await self.app(scope, receive, send)
            return
        server_span = trace.get_current_span()
        if server_span.is_recording():  # named as routing would name it (OpenTelemetry's HTTP conventions)
            server_span.set_attribute("http.route", self.PATH)
            server_span.update_name(f"POST {self.PATH}")
        request = Request(scope)
        try:
            caller = await HOSPITAL_ONLY(request, await bearer(request))
        except HTTPException as exc:  # 401 or 403, as FastAPI would answer it
            await Response(orjson.dumps({"detail": exc.detail}), status_code=exc.status_code, headers=exc.headers,
                           media_type="application/json")(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        answer = await accept(_intake(scope["app"]), b"".join(chunks), caller=caller, correction_of=None)
        await json_response(*answer)(scope, receive, send)


def _intake(app):
    """The running service's intake writer (started with the app)."""
    return app.state.runtime.extras["intake"]


@router.post("", status_code=202, summary="Post one settlement list", openapi_extra=SETTLEMENT_LIST_BODY,
             responses={403: {"description": "the list's setlinfo.fixmedins_code is not the token's hospital"},
                        409: {"description": "same (hospital, setl_id) already posted with other content"},
                        422: {"description": "invalid list: every problem with its field path"}})
async def post_settlement_list(request: Request, caller: Principal = Depends(HOSPITAL_ONLY)) -> Response:
    """Posting the same list again answers the same and creates nothing."""
    return json_response(*await accept(_intake(request.app), await request.body(), caller=caller, correction_of=None))


@router.post("/{claim_id}/corrections", status_code=202, summary="Post a corrected version of a list",
             openapi_extra=SETTLEMENT_LIST_BODY,
             responses={403: {"description": "another hospital's claim or list"}, 404: {"description": "no such claim"},
                        422: {"description": "invalid list"}})
async def post_correction(claim_id: str, request: Request, caller: Principal = Depends(HOSPITAL_ONLY),
                          claims: ClaimsOpener = Depends(claims_opener)) -> Response:
    """The new version supersedes the previous one all the way down the chain."""
    async with claims() as tx:
        claim = await tx.repo.claim(claim_id)
    forbid_out_of_scope(claim is None or claim["hospital_code"] == caller.hospital, f"claim {claim_id}")
    return json_response(*await accept(_intake(request.app), await request.body(), caller=caller,
                                       correction_of=claim_id))


@router.get("/rejections", summary="Quality-control failures by rule, over every rejected version")
async def rejections(caller: Principal = Depends(REJECTION_READERS),
                     claims: ClaimsOpener = Depends(claims_opener)) -> dict:
    """A bureau's counts cover the claims treated or insured in its region."""
    async with claims() as tx:
        return shown(caller, await rejections_by_rule(tx, region=scope_of(caller)[1]))


@router.get("/{claim_id}", summary="Where a claim is, with each stage's result")
async def get_settlement_list(claim_id: str, caller: Principal = Depends(READERS),
                              claims: ClaimsOpener = Depends(claims_opener)) -> dict:
    async with claims() as tx:
        view = await claim_status(tx, claim_id)
    if view is None:
        raise HTTPException(404, detail={"title": "no such claim", "claim_id": claim_id})
    forbid_out_of_scope(_sees(caller, view), f"claim {claim_id}")
    if not caller.sees_personal_data:  # a hash of the list as posted would let a guessed ID number be checked
        view = {**view, "versions": [{**v, "content_hash": MASK} for v in view["versions"]]}
    return shown(caller, view)


@router.get("/{claim_id}/versions/{version}", summary="One version of a claim's list, as the hospital posted it")
async def get_list_version(claim_id: str, version: int, caller: Principal = Depends(READERS),
                           claims: ClaimsOpener = Depends(claims_opener)) -> dict:
    """Personal fields (certno, psn_name) are stored encrypted; shown to the hospital, the bureaus and the
    province, masked for analysts."""
    async with claims() as tx:
        claim = await tx.repo.claim(claim_id)
        if claim is None:
            raise HTTPException(404, detail={"title": "no such claim", "claim_id": claim_id})
        forbid_out_of_scope(_sees(caller, claim), f"claim {claim_id}")
        try:
            stored = await list_version(tx, claim_id, version)
        except DataKeyError as exc:
            raise HTTPException(500, detail={"title": "the stored list does not open", "reason": str(exc)}) from None
    if stored is None:
        raise HTTPException(404, detail={"title": "no such version", "claim_id": claim_id, "version": version})
    return shown(caller, stored)


@router.get("", summary="Claims by hospital and stage (e.g. the rejected lists to correct)")
async def list_settlement_lists(
    hospital_code: str | None = None,
    stage: str | None = Query(None, pattern="^(submitted|rejected|grouped|priced|posted)$"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=100_000_000),
    caller: Principal = Depends(LISTING),
    claims: ClaimsOpener = Depends(claims_opener),
) -> dict:
    """Within the caller's scope, and the stage counts of the whole scope; operations get the counts only."""
    scope_hospital, scope_region = scope_of(caller)
    if scope_hospital is not None:
        forbid_out_of_scope(hospital_code in (None, scope_hospital), f"hospital {hospital_code}")
    async with claims() as tx:
        listing = await claim_listing(tx, hospital_code=hospital_code, stage=stage, limit=limit, offset=offset,
                                      scope_hospital=scope_hospital, scope_region=scope_region,
                                      counts_only=caller.role is Role.OPS)
    return shown(caller, listing)


def _sees(caller: Principal, claim: dict) -> bool:
    return caller.sees(treatment_region=claim["treat_admdvs"], insured_region=claim["insu_admdvs"],
                       hospital_code=claim["hospital_code"])
