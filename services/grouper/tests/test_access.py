"""Who may call each grouper route and what each caller sees, over the in-memory repository.

Four claims, posted by FakeIntake (certno and psn_name as in EXAMPLE unless said):
  A  hospital H36010000001, treated 360100 (南昌), insured 360100, rejected by QC
  B  hospital H36010000001, treated 360100, insured 360200 (景德镇)
  C  hospital H36020000001, treated 360200, insured 360200
  D  hospital H36070000001, treated 360700 (赣州), insured 360400 (九江)
so bureau 360100 sees A and B, bureau 360200 sees B and C, hospital H36010000001 sees A and B.
"""
from __future__ import annotations

import copy
from contextlib import asynccontextmanager
from types import SimpleNamespace

import httpx
import orjson
import pytest
from fastapi import FastAPI

from yidi_common.auth import Role
from yidi_common.auth.testing import TestIssuer
from yidi_common.events.v1 import GroupingOutcome
from yidi_common.http import install_error_handlers
from yidi_common.settlement_list import EXAMPLE
from yidi_common.unit_of_work import Transaction
from yidi_grouper.api.settlement_lists import IntakeFastPath, claims_opener, router
from yidi_grouper.api.simulation import router as simulation_router
from yidi_grouper.domain.intake import claim_id_for
from yidi_grouper.domain.timeline import Stage

from .fakes import FakeClaimsRepository, FakeIntake

ISSUER = TestIssuer()
CERTNO, NAME = "360100197001010011", "甲"  # EXAMPLE's


def as_(role: Role, **scope) -> dict:
    return ISSUER.headers(role, **scope)


H1 = as_(Role.HOSPITAL, hospital="H36010000001")
H2 = as_(Role.HOSPITAL, hospital="H36020000001")
NANCHANG = as_(Role.BUREAU, region="360100")
JINGDEZHEN = as_(Role.BUREAU, region="360200")
PROVINCE, OPS, ANALYST = as_(Role.PROVINCE), as_(Role.OPS), as_(Role.ANALYST)


def a_list(setl_id: str, hospital: str, treated: str, insured: str) -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(setl_id=setl_id, fixmedins_code=hospital, treat_admdvs=treated, insu_admdvs=insured)
    return body


LISTS = {"A": a_list("SA", "H36010000001", "360100", "360100"), "B": a_list("SB", "H36010000001", "360100", "360200"),
         "C": a_list("SC", "H36020000001", "360200", "360200"), "D": a_list("SD", "H36070000001", "360700", "360400")}
IDS = {name: claim_id_for(body["setlinfo"]["fixmedins_code"], body["setlinfo"]["setl_id"]) for name, body in LISTS.items()}
PROBLEM = {"field": "setlinfo.act_ipt_days", "rule": "QC-LOS-DATES", "message": "4 days between the dates"}


class _Grouper:
    def quality_problems(self, sl):
        return []

    def group(self, sl):
        return GroupingOutcome(payment_method="DRG", scheme="CHS-DRG 1.1", status="grouped", drg="ES35")


@pytest.fixture
async def client():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(simulation_router)
    app.add_middleware(IntakeFastPath)
    app.state.verifier = ISSUER.verifier()
    app.state.runtime = SimpleNamespace(extras={"intake": intake})
    app.state.grouping_engine = _Grouper()

    @asynccontextmanager
    async def fake_transaction():
        yield Transaction(repo)

    app.dependency_overrides[claims_opener] = lambda: fake_transaction
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grouper") as c:
        for name, body in LISTS.items():
            hospital = as_(Role.HOSPITAL, hospital=body["setlinfo"]["fixmedins_code"])
            assert (await c.post("/v1/settlement-lists", json=body, headers=hospital)).status_code == 202
        await repo.record_stages([Stage(IDS["A"], 1, "rejected", "e-a", {"problems": [PROBLEM]})])
        c.repo, c.intake = repo, intake
        yield c


ROUTES = [("get", "/v1/settlement-lists"), ("get", "/v1/settlement-lists/rejections"),
          ("get", f"/v1/settlement-lists/{IDS['A']}"), ("get", f"/v1/settlement-lists/{IDS['A']}/versions/1"),
          ("post", "/v1/settlement-lists"), ("post", f"/v1/settlement-lists/{IDS['A']}/corrections"),
          ("post", "/v1/group")]


@pytest.mark.parametrize("method, path", ROUTES)
async def test_every_route_answers_401_without_a_valid_token(client, method, path):
    for headers in ({}, {"Authorization": "Bearer x.y.z"}):
        response = await client.request(method, path, json=LISTS["A"], headers=headers)
        assert response.status_code == 401, (path, headers)


# (route, role) -> status for claim A's routes; None: every other role of the table is refused with 403
ALLOWED = {
    ("get", "/v1/settlement-lists"): {"hospital", "bureau", "province", "ops", "analyst"},
    ("get", "/v1/settlement-lists/rejections"): {"bureau", "province", "ops", "analyst"},
    ("get", f"/v1/settlement-lists/{IDS['A']}"): {"hospital", "bureau", "province", "analyst"},
    ("get", f"/v1/settlement-lists/{IDS['A']}/versions/1"): {"hospital", "bureau", "province", "analyst"},
    ("post", "/v1/settlement-lists"): {"hospital"},
    ("post", f"/v1/settlement-lists/{IDS['A']}/corrections"): {"hospital"},
    ("post", "/v1/group"): {"hospital", "bureau", "province", "ops", "analyst"},
}
IN_SCOPE_OF_A = {"hospital": H1, "bureau": NANCHANG, "province": PROVINCE, "ops": OPS, "analyst": ANALYST}


@pytest.mark.parametrize("method, path", ROUTES)
@pytest.mark.parametrize("role", sorted(IN_SCOPE_OF_A))
async def test_each_role_is_admitted_only_where_the_route_says(client, method, path, role):
    body = {**LISTS["A"], "payinfo": {**LISTS["A"]["payinfo"], "psn_selfpay": "39.00"},
            "iteminfo": [{"med_chrgitm_type": "01", "amt": "99.00"}]}  # a correction of A
    if path == "/v1/settlement-lists":
        body = a_list("SN", "H36010000001", "360100", "360100")  # a new list of H36010000001
    response = await client.request(method, path, json=body, headers=IN_SCOPE_OF_A[role])
    expected = {200, 202} if role in ALLOWED[method, path] else {403}
    assert response.status_code in expected, (role, response.json())


async def test_a_hospital_may_post_and_correct_only_its_own_lists(client):
    other = await client.post("/v1/settlement-lists", json=a_list("SX", "H36020000001", "360200", "360200"), headers=H1)
    assert other.status_code == 403 and other.json()["detail"]["fixmedins_code"] == "H36020000001"
    # C is H36020000001's claim: H1 may not correct it, whatever body it sends
    foreign = await client.post(f"/v1/settlement-lists/{IDS['C']}/corrections", json=LISTS["C"], headers=H1)
    assert (foreign.status_code, foreign.json()["detail"]["title"]) == (403, f"claim {IDS['C']} is outside your scope")
    own_body_elsewhere = await client.post(f"/v1/settlement-lists/{IDS['A']}/corrections", json=LISTS["C"], headers=H1)
    assert own_body_elsewhere.status_code == 403  # C's list names H36020000001, not the token's hospital
    fixed = await client.post(f"/v1/settlement-lists/{IDS['C']}/corrections",
                              json={**LISTS["C"], "setlinfo": {**LISTS["C"]["setlinfo"], "psn_no": "P2"}}, headers=H2)
    assert (fixed.status_code, fixed.json()["version"]) == (202, 2)
    assert [client.repo.current[IDS[n]]["current_version"] for n in "ABCD"] == [1, 1, 2, 1]


@pytest.mark.parametrize("headers, claims, counts", [
    (H1, {"A", "B"}, {"rejected": 1, "submitted": 1}),
    (NANCHANG, {"A", "B"}, {"rejected": 1, "submitted": 1}),  # A treated and insured there, B treated there
    (JINGDEZHEN, {"B", "C"}, {"submitted": 2}),  # B insured there, C treated there
    (as_(Role.BUREAU, region="360400"), {"D"}, {"submitted": 1}),  # D insured there
    (PROVINCE, {"A", "B", "C", "D"}, {"rejected": 1, "submitted": 3}),
    (ANALYST, {"A", "B", "C", "D"}, {"rejected": 1, "submitted": 3}),
    (OPS, set(), {"rejected": 1, "submitted": 3}),  # the counts only
])
async def test_listings_hold_only_the_callers_claims_and_count_its_scope(client, headers, claims, counts):
    listing = (await client.get("/v1/settlement-lists", headers=headers)).json()
    assert {item["claim_id"] for item in listing["items"]} == {IDS[n] for n in claims}
    assert listing["stage_counts"] == counts
    rejected = (await client.get("/v1/settlement-lists", params={"stage": "rejected"}, headers=headers)).json()
    assert {item["claim_id"] for item in rejected["items"]} == {IDS[n] for n in claims & {"A"}}


async def test_a_hospital_asking_for_another_hospitals_claims_is_refused_and_a_bureau_filters_within_its_region(client):
    assert (await client.get("/v1/settlement-lists", params={"hospital_code": "H36020000001"},
                             headers=H1)).status_code == 403
    mine = await client.get("/v1/settlement-lists", params={"hospital_code": "H36010000001"}, headers=H1)
    assert {item["claim_id"] for item in mine.json()["items"]} == {IDS["A"], IDS["B"]}
    outside = await client.get("/v1/settlement-lists", params={"hospital_code": "H36070000001"}, headers=NANCHANG)
    assert outside.json()["items"] == []  # D is neither treated nor insured in 360100


CALLERS = {"bureau 360100": NANCHANG, "bureau 360200": JINGDEZHEN, "H36010000001": H1, "H36020000001": H2}


@pytest.mark.parametrize("name, seen_by", [("A", {"bureau 360100", "H36010000001"}),
                                           ("B", {"bureau 360100", "bureau 360200", "H36010000001"}),
                                           ("C", {"bureau 360200", "H36020000001"}),
                                           ("D", set())])
async def test_a_claim_and_its_list_are_shown_only_in_scope(client, name, seen_by):
    for caller, headers in CALLERS.items():
        allowed = caller in seen_by
        for path in (f"/v1/settlement-lists/{IDS[name]}", f"/v1/settlement-lists/{IDS[name]}/versions/1"):
            response = await client.get(path, headers=headers)
            assert response.status_code == (200 if allowed else 403), (name, caller, path)
            if not allowed:
                assert IDS[name] in response.json()["detail"]["title"]


async def test_the_list_as_posted_shows_personal_data_to_its_hospital_and_bureaus_masked_to_analysts(client):
    path = f"/v1/settlement-lists/{IDS['B']}/versions/1"
    for headers in (H1, NANCHANG, JINGDEZHEN, PROVINCE):
        setlinfo = (await client.get(path, headers=headers)).json()["settlement_list"]["setlinfo"]
        assert (setlinfo["certno"], setlinfo["psn_name"], setlinfo["psn_no"]) == (CERTNO, NAME, "P1")
    analyst = await client.get(path, headers=ANALYST)
    setlinfo = analyst.json()["settlement_list"]["setlinfo"]
    assert (setlinfo["certno"], setlinfo["psn_name"], setlinfo["psn_no"], setlinfo["insu_admdvs"]) == (
        "***", "***", "P1", "360200")
    assert CERTNO not in analyst.text and NAME not in analyst.text
    assert (await client.get(f"/v1/settlement-lists/{IDS['B']}/versions/2", headers=H1)).status_code == 404


async def test_an_analyst_reads_claims_de_identified(client):
    view = await client.get(f"/v1/settlement-lists/{IDS['A']}", headers=ANALYST)
    assert view.status_code == 200 and view.json()["stage"] == "rejected"
    # the hash of the list as posted would confirm a guessed ID number: hidden
    assert [v["content_hash"] for v in view.json()["versions"]] == ["***"]
    hospital = (await client.get(f"/v1/settlement-lists/{IDS['A']}", headers=H1)).json()
    assert len(hospital["versions"][0]["content_hash"]) == 64


@pytest.mark.parametrize("headers, problems", [(NANCHANG, 1), (JINGDEZHEN, 0), (PROVINCE, 1), (OPS, 1), (ANALYST, 1)])
async def test_rejection_counts_cover_the_callers_region(client, headers, problems):
    rules = (await client.get("/v1/settlement-lists/rejections", headers=headers)).json()["rules"]
    assert rules == ([{"rule": "QC-LOS-DATES", "example_field": "setlinfo.act_ipt_days", "problems": 1, "claims": 1}]
                     if problems else [])


async def test_posted_lists_are_announced_without_certno_or_name(client):
    assert len(client.intake.emitted) == 4
    for event in client.intake.emitted:
        raw = event.to_bytes()
        assert event.schemaversion == 2 and CERTNO.encode() not in raw and NAME.encode() not in raw
        assert b'"certno"' not in raw and b'"psn_name"' not in raw and b'"psn_no":"P1"' in raw
        assert orjson.loads(raw)["data"]["settlement_list"]["setlinfo"]["setl_id"] in {"SA", "SB", "SC", "SD"}
