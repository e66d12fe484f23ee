"""省本级 (seed 000 二(一)): a provincial hospital in Nanchang (360100) has its cross-region cases priced,
budgeted and cleared in the province-level pool region 369900 ("纳入省本级统筹区DIP付费年度预算和医保支付管理";
the rest of Nanchang's hospitals "由南昌市负责开展"). So the 369900 bureau is the one that reviews them as
the treatment region's bureau: it proposes or withdraws their flags and decides their special cases within
its quota; 360100 (where the hospital stands) and the insured region keep reading them.

Worked by hand: the hospital H3601999 has 10 cross-region claims in the pool (F 5,000.00 each) and 5 local
claims in 360100's own pool (F 5,000.00 each)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import httpx
import pytest
from fastapi import FastAPI

from yidi_audit.api import flags as flags_api
from yidi_audit.api import special_cases as cases_api
from yidi_audit.domain import review as decide
from yidi_audit.domain.actors import Actor, ActorRole
from yidi_audit.domain.errors import WrongActor
from yidi_audit.domain.findings import flag_id
from yidi_audit.domain.params import SpecialCaseParams, audit_config
from yidi_audit.domain.review import FlagStatus, open_review
from yidi_audit.domain.rules import self_pay
from yidi_audit.domain.special_cases import QuotaExceeded
from yidi_audit.service_layer import special_cases as use_cases
from yidi_audit.service_layer.repository import Scope
from yidi_common.auth import Role
from yidi_common.auth.testing import TestIssuer
from yidi_common.events.v1 import PoolRef
from yidi_common.http import install_error_handlers
from yidi_common.unit_of_work import Transaction

from .conftest import make_claim
from .fakes import FakeAuditRepository, FakeStore
from .test_handlers import handle, priced

CST = timezone(timedelta(hours=8))
AT = datetime(2025, 4, 2, 10, tzinfo=CST)
HOSPITAL = "H3601999"
POOL = PoolRef(treat_admdvs="369900", year=2025, payment_method="DIP", insutype="all", origin="all")
LOCAL_POOL = PoolRef(treat_admdvs="360100", year=2025, payment_method="DRG", insutype="310", origin="local")


def pooled(claim_id: str, *, psn_ownpay: str = "300.00", pool: PoolRef = POOL):
    """A payment.priced of H3601999 treated in 360100, insured in 360700, priced in `pool`."""
    event = priced(claim_id, "2025-03-01T09:00", "2025-03-08T09:00", psn_ownpay=psn_ownpay)
    event.data["claim"] |= {"hospital_code": HOSPITAL, "treat_admdvs": "360100", "insu_admdvs": "360700"}
    event.data["pricing"]["pool"] = pool.model_dump(mode="json")
    return event


def hospital_claims() -> list:
    pool = [make_claim(claim_id=f"P{i}", setl_id=f"SP{i}", psn_no=f"PP{i}", hospital_code=HOSPITAL,
                       treatment_region="360100", insured_region="360700", pool_region="369900",
                       fund_payments={"310100": D("5000.00")}) for i in range(1, 11)]
    local = [make_claim(claim_id=f"L{i}", setl_id=f"SL{i}", psn_no=f"PL{i}", hospital_code=HOSPITAL,
                        treatment_region="360100", insured_region="360100",
                        fund_payments={"310100": D("5000.00")}) for i in range(1, 6)]
    return pool + local


# ---------------------------------------------------------------- the claim and its flags


async def test_a_claim_priced_in_the_pool_region_is_filed_under_it_with_the_pool_regions_rules():
    # 369900 tolerates 5 % self-pay: 1,000.00 - 0.05 x 8,000.00 = 600.00 (360100's default 10 % would give 200.00)
    config = audit_config({"regions": {"369900": {"self_pay": {"max_share": 0.05}}}})
    repo = FakeAuditRepository()
    await handle(repo, pooled("C1", psn_ownpay="1000.00"), pooled("C2", psn_ownpay="1000.00", pool=LOCAL_POOL),
                 config=config, now=AT)
    assert (repo.claims["C1"].pool_region, repo.claims["C2"].pool_region) == ("369900", None)
    pooled_flag, local_flag = repo.reviews[flag_id("AUD-SELF-PAY", "C1", 1)], repo.reviews[flag_id("AUD-SELF-PAY", "C2", 1)]
    assert (pooled_flag.pool_region, pooled_flag.treatment_region, pooled_flag.suspected_amount) == (
        "369900", "360100", D("600.00"))
    assert (local_flag.pool_region, local_flag.suspected_amount) == (None, D("200.00"))


def test_the_pool_regions_bureau_proposes_and_the_city_bureau_may_not():
    claim = make_claim(hospital_code=HOSPITAL, treatment_region="360100", insured_region="360700",
                       pool_region="369900", psn_ownpay=D("1000.00"))
    (finding,) = self_pay.evaluate(claim, [], self_pay.Params())
    review = open_review(finding, AT)
    assert review.reviewing_region == "369900"
    with pytest.raises(WrongActor, match="treatment_region 369900"):
        decide.propose(review, Actor(ActorRole.TREATMENT_REGION, "360100", "nc-1"), AT)
    proposed = decide.propose(review, Actor(ActorRole.TREATMENT_REGION, "369900", "sbj-1"), AT)
    confirmed = decide.confirm(proposed, Actor(ActorRole.INSURED_REGION, "360700", "gz-1"), AT)
    assert (confirmed.status, confirmed.confirmed_amount) == (FlagStatus.CONFIRMED, D("200.00"))


def test_the_pool_region_reads_what_it_reviews():
    scope = Scope.of_region("369900")
    assert scope.admits(treatment_region="360100", insured_region="360700", hospital_code=HOSPITAL,
                        pool_region="369900")
    assert not scope.admits(treatment_region="360100", insured_region="360700", hospital_code=HOSPITAL)


# ---------------------------------------------------------------- special cases: who decides, which quota


async def test_the_pool_region_decides_within_a_quota_over_the_hospitals_pool_claims_only():
    # quota 15 %: 1/10 = 0.10 passes, 2/10 = 0.20 is refused; counted over all 15 claims 2/15 = 0.1333 would pass
    params = SpecialCaseParams.model_validate({"max_case_share": 0.15, "max_fund_share": 0.15})
    repo = FakeAuditRepository(claims=hospital_claims())
    tx = Transaction(repo)
    first, second = [await use_cases.apply(tx, c, ["罕见病"], [], hospital=HOSPITAL, by="his", at=AT,
                                           params_for=lambda region: params) for c in ("P1", "P2")]
    with pytest.raises(WrongActor, match="369900"):
        await use_cases.decide(tx, first.case_id, "approve", [], by="nc", role="bureau", region="360100", at=AT,
                               params=params)
    decided, figures = await use_cases.decide(tx, first.case_id, "approve", [], by="sbj", role="bureau",
                                              region="369900", at=AT, params=params)
    # F 5,000.00 of the pool claims' 50,000.00 = 0.10
    assert (figures["claims"], figures["case_share"], figures["fund"], figures["fund_share"]) == (
        10, "0.1000", "50000.00", "0.1000")
    with pytest.raises(QuotaExceeded) as refused:
        await use_cases.decide(tx, second.case_id, "approve", [], by="sbj", role="bureau", region="369900", at=AT,
                               params=params)
    assert (refused.value.figures["claims"], refused.value.figures["case_share"]) == (10, "0.2000")
    assert repo.quota_locks[-1] == ("369900", HOSPITAL, "2025")


# ---------------------------------------------------------------- routes

ISSUER = TestIssuer()
PROVINCE_POOL = ISSUER.headers(Role.BUREAU, region="369900", user="sbj-auditor-01")
NANCHANG = ISSUER.headers(Role.BUREAU, region="360100", user="nc-auditor-01")
GANZHOU = ISSUER.headers(Role.BUREAU, region="360700", user="gz-reviewer-01")  # insured region
JIUJIANG = ISSUER.headers(Role.BUREAU, region="360400", user="jj-auditor-02")
HIS = ISSUER.headers(Role.HOSPITAL, hospital=HOSPITAL, user="his-3601999")


class Rules:
    current = audit_config({})


@pytest.fixture
def store() -> FakeStore:
    claims = hospital_claims()
    claims[0] = replace(claims[0], psn_ownpay=D("1000.00"))
    (finding,) = self_pay.evaluate(claims[0], [], self_pay.Params())
    repo = FakeAuditRepository(claims=claims, reviews=[open_review(finding, AT)])
    repo.findings = {finding.flag_id: finding}
    return FakeStore(repo)


@pytest.fixture
async def client(store):
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(flags_api.router)
    app.include_router(cases_api.router)
    app.state.verifier = ISSUER.verifier()
    app.state.audit_rules = Rules()
    app.dependency_overrides[flags_api.store] = lambda: store
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://audit") as c:
        yield c


async def test_the_pool_regions_bureau_sees_and_reviews_the_flag_over_http(client, store):
    (flag,) = store.repo.reviews
    listed = (await client.get("/v1/flags", headers=PROVINCE_POOL)).json()["items"]
    assert [(f["flag_id"], f["treat_admdvs"], f["pool_admdvs"]) for f in listed] == [(flag, "360100", "369900")]
    assert [f["flag_id"] for f in (await client.get("/v1/flags?region=369900", headers=GANZHOU)).json()["items"]] == [flag]
    assert (await client.get(f"/v1/flags/{flag}", headers=JIUJIANG)).status_code == 404
    assert (await client.post(f"/v1/flags/{flag}/propose", json={}, headers=NANCHANG)).status_code == 403
    proposed = await client.post(f"/v1/flags/{flag}/propose", json={"reason": "自费超标"}, headers=PROVINCE_POOL)
    assert proposed.status_code == 200 and proposed.json()["trail"][0]["region"] == "369900"
    assert (await client.get(f"/v1/flags/{flag}", headers=NANCHANG)).status_code == 200
    confirmed = await client.post(f"/v1/flags/{flag}/confirm", json={}, headers=GANZHOU)
    assert confirmed.status_code == 200 and confirmed.json()["confirmed_amount"] == "200.00"


async def test_the_pool_regions_bureau_decides_the_special_case_and_lists_the_quarter(client, store):
    applied = await client.post("/v1/special-cases", json={"claim_id": "P2", "reasons": ["多学科会诊"]}, headers=HIS)
    assert applied.status_code == 201 and applied.json()["pool_admdvs"] == "369900"
    url = f"/v1/special-cases/{applied.json()['case_id']}"
    assert (await client.post(f"{url}/decision", json={"decision": "approve"}, headers=NANCHANG)).status_code == 403
    approved = await client.post(f"{url}/decision", json={"decision": "approve"}, headers=PROVINCE_POOL)
    # default quota 5 %: 1/10 = 0.10 > 0.05 refused; the same case over 15 claims (0.0667) would be refused too,
    # so the figures name the pool's 10 claims
    assert approved.status_code == 409 and approved.json()["detail"]["quota"]["claims"] == 10
    assert (await client.post(f"{url}/decision", json={"decision": "reject", "reasons": ["超出协商比例"]},
                              headers=PROVINCE_POOL)).status_code == 200
    assert [c["claim_id"] for c in (await client.get("/v1/special-cases", headers=PROVINCE_POOL)).json()["items"]] == [
        "P2"]
    pool_quarter = (await client.get("/v1/special-cases/quarterly?region=369900&quarter=2025-Q1",
                                     headers=PROVINCE_POOL)).json()["hospitals"]
    city_quarter = (await client.get("/v1/special-cases/quarterly?region=360100&quarter=2025-Q1",
                                     headers=NANCHANG)).json()["hospitals"]
    assert [(h["hospital_code"], h["claims"], h["fund"], h["rejected"]) for h in pool_quarter] == [
        (HOSPITAL, 10, "50000.00", 1)]
    assert [(h["hospital_code"], h["claims"], h["fund"], h["rejected"]) for h in city_quarter] == [
        (HOSPITAL, 5, "25000.00", 0)]
