"""HIS intake: hospitals post settlement lists (医保结算清单), correct them and follow them down the chain."""
from __future__ import annotations

import orjson
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from yidi_common.http import json_response, nul_character_problems, problem_list, problems_body
from yidi_common.settlement_list import SettlementList
from yidi_common.unit_of_work import transaction

from ..adapters.claims_repository import PostgresClaimsRepository
from ..domain.intake import Decision, Outcome
from ..service_layer.claims import claim_listing, claim_status, rejections_by_rule
from ..service_layer.intake import Intake, submit

router = APIRouter(prefix="/v1/settlement-lists", tags=["settlement lists (HIS)"])


# The body is read and validated by `accept` rather than declared as a parameter: FastAPI's own body
# handling (stdlib JSON, dependency solving) cost about a quarter of the intake's CPU. The schema is still
# published (SETTLEMENT_LIST_BODY, and SettlementList among the app's components).
SETTLEMENT_LIST_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/SettlementList"}}}}}


async def accept(intake: Intake, raw: bytes, *, correction_of: str | None) -> tuple[int, dict]:
    """The intake's answer to one posted body, as (HTTP status, JSON body): 202, 404, 409 or 422."""
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
    FastAPI's exception middleware, routing and request objects (~15 % of the grouper's CPU per list).
    Body size limits and 500s still come from the layers outside it; the route below stays declared,
    for the OpenAPI document, and answers identically."""

    PATH = "/v1/settlement-lists"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.PATH:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        answer = await accept(_intake(scope["app"]), b"".join(chunks), correction_of=None)
        await json_response(*answer)(scope, receive, send)


def _intake(app):
    """The running service's intake writer (started with the app)."""
    return app.state.runtime.extras["intake"]


@router.post("", status_code=202, summary="Post one settlement list", openapi_extra=SETTLEMENT_LIST_BODY,
             responses={409: {"description": "same (hospital, setl_id) already posted with other content"},
                        422: {"description": "invalid list: every problem with its field path"}})
async def post_settlement_list(request: Request) -> Response:
    """Posting the same list again answers the same and creates nothing."""
    return json_response(*await accept(_intake(request.app), await request.body(), correction_of=None))


@router.post("/{claim_id}/corrections", status_code=202, summary="Post a corrected version of a list",
             openapi_extra=SETTLEMENT_LIST_BODY,
             responses={404: {"description": "no such claim"}, 422: {"description": "invalid list"}})
async def post_correction(claim_id: str, request: Request) -> Response:
    """The new version supersedes the previous one all the way down the chain."""
    return json_response(*await accept(_intake(request.app), await request.body(), correction_of=claim_id))


def _transaction(request: Request):
    return transaction(request.app.state.runtime.engine, PostgresClaimsRepository)


@router.get("/rejections", summary="Quality-control failures by rule, over every rejected version")
async def rejections(request: Request) -> dict:
    async with _transaction(request) as tx:
        return await rejections_by_rule(tx)


@router.get("/{claim_id}", summary="Where a claim is, with each stage's result")
async def get_settlement_list(claim_id: str, request: Request) -> dict:
    async with _transaction(request) as tx:
        view = await claim_status(tx, claim_id)
    if view is None:
        raise HTTPException(404, detail={"title": "no such claim", "claim_id": claim_id})
    return view


@router.get("", summary="Claims by hospital and stage (e.g. the rejected lists to correct)")
async def list_settlement_lists(
    request: Request,
    hospital_code: str | None = None,
    stage: str | None = Query(None, pattern="^(submitted|rejected|grouped|priced|posted)$"),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict:
    async with _transaction(request) as tx:
        return await claim_listing(tx, hospital_code=hospital_code, stage=stage, limit=limit, offset=offset)
