"""The intake's two doors answer alike: the ASGI fast path for POST /v1/settlement-lists and the declared route,
tokens and hospitals checked the same way by both."""
from __future__ import annotations

from types import SimpleNamespace

import httpx
import orjson
import pytest
from fastapi import FastAPI

from yidi_common.auth import Role, document_roles
from yidi_common.auth.testing import TestIssuer
from yidi_common.http import install_error_handlers
from yidi_common.settlement_list import EXAMPLE
from yidi_grouper.api.settlement_lists import IntakeFastPath, router
from yidi_grouper.domain.intake import Decision, Outcome

VALID = EXAMPLE
ISSUER = TestIssuer()
HIS = ISSUER.headers(Role.HOSPITAL, hospital="H36010000001")  # EXAMPLE's hospital


class _Writer:
    """Answers as the intake writer would for a first post, and remembers what it was given."""

    def __init__(self) -> None:
        self.submitted = []

    async def submit(self, posted):
        self.submitted.append((posted.claim_id, posted.body, posted.correction))
        return Decision(Outcome.ACCEPTED, 1)


def _app(fast_path: bool) -> tuple[FastAPI, _Writer]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    if fast_path:
        app.add_middleware(IntakeFastPath)
    writer = _Writer()
    app.state.runtime = SimpleNamespace(extras={"intake": writer})
    app.state.verifier = ISSUER.verifier()
    return app, writer


OTHER_HOSPITALS = orjson.dumps({**VALID, "setlinfo": {**VALID["setlinfo"], "fixmedins_code": "H36020000001"}})


@pytest.mark.parametrize("body, headers, status", [
    (orjson.dumps(VALID), HIS, 202),
    (b'{"setlinfo": ', HIS, 422),
    (orjson.dumps({**VALID, "iteminfo": [{"med_chrgitm_type": "01", "amt": "-5"}], "diseinfo": []}), HIS, 422),
    (orjson.dumps(VALID), {}, 401),
    (orjson.dumps(VALID), {"Authorization": "Basic aGlzOmhpcw=="}, 401),
    (orjson.dumps(VALID), {"Authorization": "Bearer not.a.token"}, 401),
    (orjson.dumps(VALID), ISSUER.headers(Role.HOSPITAL, hospital="H36010000001", seconds=-60), 401),
    (orjson.dumps(VALID), ISSUER.headers(Role.BUREAU, region="360100"), 403),
    (orjson.dumps(VALID), ISSUER.headers(Role.PROVINCE), 403),
    (OTHER_HOSPITALS, HIS, 403),
])
async def test_both_doors_answer_the_same(body, headers, status):
    answers = []
    for fast_path in (True, False):
        app, writer = _app(fast_path)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
            response = await client.post("/v1/settlement-lists", content=body, headers=headers)
        answers.append((response.status_code, response.json(), response.headers.get("www-authenticate"),
                        len(writer.submitted)))
    assert answers[0] == answers[1]
    assert answers[0][0] == status and answers[0][3] == (status == 202)


async def test_the_fast_path_refuses_a_post_without_a_hospitals_token_before_reading_it():
    app, writer = _app(fast_path=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        missing = await client.post("/v1/settlement-lists", content=orjson.dumps(VALID))
        bureau = await client.post("/v1/settlement-lists", content=orjson.dumps(VALID),
                                   headers=ISSUER.headers(Role.BUREAU, region="360100"))
        other = await client.post("/v1/settlement-lists", content=OTHER_HOSPITALS, headers=HIS)
    assert (missing.status_code, missing.headers["www-authenticate"], missing.json()) == (
        401, "Bearer", {"detail": {"title": "a bearer token is required"}})
    assert (bureau.status_code, bureau.json()["detail"]["allowed"]) == (403, ["hospital"])
    # the list's hospital and the token's, both named
    assert (other.status_code, other.json()["detail"]["fixmedins_code"], other.json()["detail"]["token_hospital"]) == (
        403, "H36020000001", "H36010000001")
    assert writer.submitted == []


def test_the_documented_route_shows_its_security_and_owner():
    app, _ = _app(fast_path=True)
    document_roles(app)
    operation = app.openapi()["paths"]["/v1/settlement-lists"]["post"]
    assert (operation["security"], operation["x-yidi-roles"]) == ([{"HTTPBearer": []}], ["hospital"])


async def test_the_fast_path_takes_the_post_and_names_every_problem():
    app, writer = _app(fast_path=True)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        ok = await client.post("/v1/settlement-lists", content=orjson.dumps(VALID), headers=HIS)
        bad = await client.post("/v1/settlement-lists", content=orjson.dumps(
            {**VALID, "iteminfo": [{"med_chrgitm_type": "01", "amt": "-5"}], "diseinfo": []}), headers=HIS)
    assert ok.status_code == 202 and ok.json()["version"] == 1 and ok.json()["status"] == "accepted"
    assert len(writer.submitted) == 1 and writer.submitted[0][1]["iteminfo"][0]["amt"] == "100.00"
    assert bad.status_code == 422
    assert {(p["field"], p["rule"]) for p in bad.json()["problems"]} == {("diseinfo", "too_short"),
                                                                         ("iteminfo[0].amt", "amount")}


async def test_a_time_with_an_offset_beside_one_without_is_taken_as_china_time():
    app, writer = _app(fast_path=True)
    body = {**VALID, "setlinfo": {**VALID["setlinfo"], "adm_time": "2026-10-01T00:00:00Z"}}  # 08:00 in China
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        response = await client.post("/v1/settlement-lists", content=orjson.dumps(body), headers=HIS)
    assert response.status_code == 202
    assert writer.submitted[0][1]["setlinfo"]["adm_time"] == VALID["setlinfo"]["adm_time"]


async def test_a_nul_character_is_refused_with_the_lists_other_problems_and_nothing_is_written():
    app, writer = _app(fast_path=True)
    setlinfo = {**VALID["setlinfo"], "psn_name": "甲\u0000乙"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        alone = await client.post("/v1/settlement-lists", content=orjson.dumps({**VALID, "setlinfo": setlinfo}),
                                  headers=HIS)
        with_more = await client.post("/v1/settlement-lists", content=orjson.dumps(
            {**VALID, "setlinfo": setlinfo, "iteminfo": [{"med_chrgitm_type": "01", "amt": "-5"}]}), headers=HIS)
    assert alone.status_code == 422 and [(p["field"], p["rule"]) for p in alone.json()["problems"]] == [
        ("setlinfo.psn_name", "nul_character")]
    assert with_more.status_code == 422 and {(p["field"], p["rule"]) for p in with_more.json()["problems"]} == {
        ("setlinfo.psn_name", "nul_character"), ("iteminfo[0].amt", "amount")}
    assert writer.submitted == []
