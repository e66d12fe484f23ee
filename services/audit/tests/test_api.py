"""The audit routes with bearer tokens: who may call each, what each caller sees, and who acts in joint review.

The real router over the in-memory repository (the `store` dependency overridden), tokens from TestIssuer.
Regions: 360100 南昌, 360400 九江, 360700 赣州; the province is 360000.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import httpx
import pytest
from fastapi import FastAPI

from yidi_audit.api import flags as api
from yidi_audit.domain.findings import AuditFinding, Severity
from yidi_audit.domain.review import open_review
from yidi_common.auth import Role, route_roles
from yidi_common.auth.testing import TestIssuer
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED
from yidi_common.http import install_error_handlers

from .conftest import make_claim
from .fakes import FakeAuditRepository, FakeStore

ISSUER = TestIssuer()
RAISED = datetime(2025, 3, 10, 9, tzinfo=timezone(timedelta(hours=8)))


def _finding(claim_id: str, hospital: str, treatment: str, insured: str, amount: str = "6600.00") -> AuditFinding:
    return AuditFinding(rule_id="AUD-SPLIT-ADMISSION", claim_id=claim_id, version=1, setl_id=f"S-{claim_id}",
                        hospital_code=hospital, treatment_region=treatment, insured_region=insured,
                        severity=Severity.HIGH, suspected_amount=D(amount), evidence={"gap_days": 4})


# claim -> (hospital, treatment region, insured region)
FINDINGS = {
    "C-JJ-LOCAL": _finding("C-JJ-LOCAL", "H3604001", "360400", "360400", "1000.00"),  # 九江's own
    "C-GZ-JJ": _finding("C-GZ-JJ", "H3607001", "360700", "360400", "2000.00"),  # 九江 insured, treated in 赣州
    "C-JJ-NC": _finding("C-JJ-NC", "H3604001", "360400", "360100", "3000.00"),  # 南昌 insured, treated in 九江
    "C-GZ-NC": _finding("C-GZ-NC", "H3607001", "360700", "360100", "4000.00"),  # not 九江's
    "C-NC-LOCAL": _finding("C-NC-LOCAL", "H3601001", "360100", "360100", "5000.00"),  # not 九江's
}
FLAG = {claim: f.flag_id for claim, f in FINDINGS.items()}
GZ_NC = f"/v1/flags/{FLAG['C-GZ-NC']}"  # the cross-region flag reviewed below

GANZHOU = ISSUER.headers(Role.BUREAU, region="360700", user="gz-auditor-01")
NANCHANG = ISSUER.headers(Role.BUREAU, region="360100", user="nc-reviewer-07")
JIUJIANG = ISSUER.headers(Role.BUREAU, region="360400", user="jj-auditor-02")
PROVINCE = ISSUER.headers(Role.PROVINCE, user="jx-arbiter")
ANALYST = ISSUER.headers(Role.ANALYST, user="analyst-1")
OPS = ISSUER.headers(Role.OPS, user="ops-1")
HOSPITAL_GZ = ISSUER.headers(Role.HOSPITAL, hospital="H3607001", user="his-3607001")


@pytest.fixture
def store() -> FakeStore:
    f = FINDINGS["C-GZ-NC"]
    claims = [make_claim(claim_id=f.claim_id, setl_id=f.setl_id, hospital_code=f.hospital_code,
                         treatment_region=f.treatment_region, insured_region=f.insured_region)]
    repo = FakeAuditRepository(claims=claims, reviews=[open_review(f, RAISED) for f in FINDINGS.values()])
    repo.findings = {f.flag_id: f for f in FINDINGS.values()}
    return FakeStore(repo)


@pytest.fixture
async def client(store):
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(api.router)
    app.state.verifier = ISSUER.verifier()
    app.dependency_overrides[api.store] = lambda: store
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://audit") as c:
        yield c


async def _trail(client, path: str = GZ_NC) -> list[tuple]:
    body = (await client.get(path, headers=PROVINCE)).json()
    return [(t["action"], t["role"], t["region"], t["user_id"]) for t in body["trail"]]


# who may call each route

ROUTE_ROLES = {
    ("GET", "/v1/flags"): {"hospital", "bureau", "province", "analyst"},
    ("GET", "/v1/flags/{flag_id}"): {"hospital", "bureau", "province", "analyst"},
    ("POST", "/v1/flags/{flag_id}/propose"): {"bureau"},
    ("POST", "/v1/flags/{flag_id}/withdraw"): {"bureau"},
    ("POST", "/v1/flags/{flag_id}/confirm"): {"bureau"},
    ("POST", "/v1/flags/{flag_id}/dispute"): {"bureau"},
    ("POST", "/v1/flags/{flag_id}/resolve"): {"province"},
    ("POST", "/v1/assistance-requests"): {"bureau"},
    ("POST", "/v1/assistance-requests/{request_id}/answer"): {"bureau"},
    ("GET", "/v1/assistance-requests"): {"bureau", "province"},
}
SCOPES = {"hospital": {"hospital": "H3607001"}, "bureau": {"region": "360700"}}


def test_every_route_declares_its_owners():
    declared = {(m, r.path): {str(role) for role in route_roles(r)} for r in api.router.routes for m in r.methods}
    assert declared == ROUTE_ROLES


@pytest.mark.parametrize(("method", "path"), sorted(ROUTE_ROLES))
async def test_no_token_401_and_other_roles_403(client, method, path):
    url = path.format(flag_id=FLAG["C-GZ-NC"], request_id="R1")
    assert (await client.request(method, url, json={})).status_code == 401
    bad = {"Authorization": "Bearer not-a-token"}
    assert (await client.request(method, url, json={}, headers=bad)).status_code == 401
    for role in set(Role) - {Role(r) for r in ROUTE_ROLES[method, path]}:
        answer = await client.request(method, url, json={}, headers=ISSUER.headers(role, **SCOPES.get(role, {})))
        assert answer.status_code == 403, role
        assert answer.json()["detail"]["allowed"] == sorted(ROUTE_ROLES[method, path])


# what each caller sees

async def test_a_bureau_lists_only_the_flags_of_claims_treated_or_insured_in_its_region(client):
    answer = (await client.get("/v1/flags", headers=JIUJIANG)).json()
    assert {f["flag_id"] for f in answer["items"]} == {FLAG["C-JJ-LOCAL"], FLAG["C-GZ-JJ"], FLAG["C-JJ-NC"]}
    # the summary counts the same three flags: 1000 + 2000 + 3000
    assert answer["summary"] == [{"rule_id": "AUD-SPLIT-ADMISSION", "status": "raised", "flags": 3,
                                  "suspected": "6000.00"}]
    # a filter narrows within the scope, never widens it
    nanchang = (await client.get("/v1/flags", params={"region": "360100"}, headers=JIUJIANG)).json()["items"]
    assert [f["flag_id"] for f in nanchang] == [FLAG["C-JJ-NC"]]


async def test_a_hospital_lists_its_own_flags_the_province_and_analysts_all(client):
    hospital = (await client.get("/v1/flags", headers=HOSPITAL_GZ)).json()
    assert {f["flag_id"] for f in hospital["items"]} == {FLAG["C-GZ-JJ"], FLAG["C-GZ-NC"]}
    assert hospital["summary"][0]["flags"] == 2
    for everyone in (PROVINCE, ANALYST):
        answer = (await client.get("/v1/flags", headers=everyone)).json()
        assert {f["flag_id"] for f in answer["items"]} == set(FLAG.values())
        assert answer["summary"][0]["flags"] == 5


async def test_a_flag_outside_the_callers_scope_is_404_as_if_it_did_not_exist(client):
    assert (await client.get(GZ_NC, headers=NANCHANG)).status_code == 200
    assert (await client.get(GZ_NC, headers=HOSPITAL_GZ)).status_code == 200
    assert (await client.get(GZ_NC, headers=JIUJIANG)).status_code == 404
    assert (await client.get(f"/v1/flags/{FLAG['C-JJ-LOCAL']}", headers=HOSPITAL_GZ)).status_code == 404
    # nor can it act on it
    assert (await client.post(f"{GZ_NC}/propose", json={}, headers=JIUJIANG)).status_code == 404


async def test_analysts_see_the_trail_without_reviewers_or_their_words(client):
    await client.post(f"{GZ_NC}/propose", json={"reason": "张三 readmitted after 4 days"}, headers=GANZHOU)
    (step,) = (await client.get(GZ_NC, headers=ANALYST)).json()["trail"]
    assert (step["action"], step["region"], step["user_id"], step["reason"]) == ("propose", "360700", None, None)
    (step,) = (await client.get(GZ_NC, headers=NANCHANG)).json()["trail"]
    assert (step["user_id"], step["reason"]) == ("gz-auditor-01", "张三 readmitted after 4 days")


# joint review: the actor is the token

async def test_a_hospital_may_not_propose(client, store):
    answer = await client.post(f"{GZ_NC}/propose", json={}, headers=HOSPITAL_GZ)
    assert answer.status_code == 403
    assert answer.json()["detail"] == {"title": "role hospital may not call this route", "allowed": ["bureau"]}
    assert store.repo.reviews[FLAG["C-GZ-NC"]].transitions == ()


async def test_the_insured_regions_bureau_may_not_propose(client, store):
    answer = await client.post(f"{GZ_NC}/propose", json={"reason": "not ours"}, headers=NANCHANG)
    assert answer.status_code == 403
    assert answer.json()["detail"]["title"] == "propose needs the bureau of the claim's treatment_region 360700"
    assert store.repo.reviews[FLAG["C-GZ-NC"]].transitions == ()


async def test_the_treatment_regions_bureau_proposes_as_its_tokens_user(client):
    answer = await client.post(f"{GZ_NC}/propose", json={"reason": "readmitted", "amount": "3000.00"},
                               headers=GANZHOU)
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["proposed_amount"]) == ("proposed", "3000.00")
    assert await _trail(client) == [("propose", "treatment_region", "360700", "gz-auditor-01")]


async def test_a_body_actor_is_ignored(client, store):
    # the treatment region's bureau claiming to be 南昌's reviewer still acts as itself
    claimed = {"role": "insured_region", "region": "360100", "user_id": "nc-reviewer-07"}
    answer = await client.post(f"{GZ_NC}/propose", json={"actor": claimed, "reason": "r"}, headers=GANZHOU)
    assert answer.status_code == 200
    assert await _trail(client) == [("propose", "treatment_region", "360700", "gz-auditor-01")]
    # and 南昌 claiming to be 赣州's auditor is still 南昌, which only insures 九江's claim C-JJ-NC
    claimed = {"role": "treatment_region", "region": "360700", "user_id": "gz-auditor-01"}
    refused = await client.post(f"/v1/flags/{FLAG['C-JJ-NC']}/propose", json={"actor": claimed}, headers=NANCHANG)
    assert refused.status_code == 403
    assert store.repo.reviews[FLAG["C-JJ-NC"]].transitions == ()


async def test_the_insured_region_confirms_and_the_deduction_is_published(client, store):
    await client.post(f"{GZ_NC}/propose", json={"amount": "3000.00"}, headers=GANZHOU)
    assert (await client.post(f"{GZ_NC}/confirm", json={}, headers=GANZHOU)).status_code == 403
    answer = await client.post(f"{GZ_NC}/confirm", json={"reason": "agreed", "amount": "2500.00"}, headers=NANCHANG)
    assert answer.status_code == 200
    assert (answer.json()["status"], answer.json()["confirmed_amount"]) == ("confirmed", "2500.00")
    assert await _trail(client) == [("propose", "treatment_region", "360700", "gz-auditor-01"),
                                    ("confirm", "insured_region", "360100", "nc-reviewer-07")]
    assert [(e.type, e.payload().amount) for e in store.emitted] == [(AUDIT_FLAG_CONFIRMED, D("2500.00"))]


async def test_a_local_claims_bureau_proposes_and_confirms(client):
    local = f"/v1/flags/{FLAG['C-JJ-LOCAL']}"
    assert (await client.post(f"{local}/propose", json={}, headers=JIUJIANG)).status_code == 200
    assert (await client.post(f"{local}/confirm", json={}, headers=JIUJIANG)).status_code == 200
    assert await _trail(client, local) == [("propose", "treatment_region", "360400", "jj-auditor-02"),
                                           ("confirm", "insured_region", "360400", "jj-auditor-02")]


async def test_the_province_resolves_a_dispute_a_bureau_may_not(client):
    await client.post(f"{GZ_NC}/propose", json={}, headers=GANZHOU)
    assert (await client.post(f"{GZ_NC}/dispute", json={"reason": "r"}, headers=GANZHOU)).status_code == 403
    assert (await client.post(f"{GZ_NC}/dispute", json={"reason": "the stay was needed"},
                              headers=NANCHANG)).status_code == 200
    for bureau in (GANZHOU, NANCHANG):
        refused = await client.post(f"{GZ_NC}/resolve", json={"upheld": True, "reason": "r"}, headers=bureau)
        assert refused.status_code == 403 and refused.json()["detail"]["allowed"] == ["province"]
    answer = await client.post(f"{GZ_NC}/resolve", json={"upheld": False, "reason": "records back the stay"},
                               headers=PROVINCE)
    assert answer.status_code == 200 and answer.json()["status"] == "dismissed"
    assert (await _trail(client))[-1] == ("resolve", "province", "360000", "jx-arbiter")


# assistance requests (协查)

async def test_assistance_asked_by_the_insured_region_answered_by_the_treatment_region(client):
    ask = {"claim_id": "C-GZ-NC", "question": "one episode?", "deadline": "2099-01-01T00:00:00+08:00"}
    assert (await client.post("/v1/assistance-requests", json=ask, headers=GANZHOU)).status_code == 403
    assert (await client.post("/v1/assistance-requests", json=ask, headers=JIUJIANG)).status_code == 404
    claimed = {"role": "insured_region", "region": "360100", "user_id": "someone-else"}
    asked = await client.post("/v1/assistance-requests", json={**ask, "actor": claimed}, headers=NANCHANG)
    assert asked.status_code == 201 and asked.json()["requested_by"] == "nc-reviewer-07"
    url = f"/v1/assistance-requests/{asked.json()['request_id']}/answer"
    assert (await client.post(url, json={"answer": "yes"}, headers=NANCHANG)).status_code == 403
    assert (await client.post(url, json={"answer": "yes"}, headers=JIUJIANG)).status_code == 404
    answered = await client.post(url, json={"answer": "yes, one episode"}, headers=GANZHOU)
    assert answered.status_code == 200
    assert (answered.json()["status"], answered.json()["closed_by"]) == ("answered", "gz-auditor-01")
    listed = {name: [i["request_id"] for i in (await client.get("/v1/assistance-requests", headers=h)).json()["items"]]
              for name, h in (("nanchang", NANCHANG), ("ganzhou", GANZHOU), ("jiujiang", JIUJIANG),
                              ("province", PROVINCE))}
    mine = [asked.json()["request_id"]]
    assert listed == {"nanchang": mine, "ganzhou": mine, "jiujiang": [], "province": mine}
