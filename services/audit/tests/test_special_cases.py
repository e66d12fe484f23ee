"""特例单议: the domain (quota worked by hand, transitions, periods), the use cases and the priced-claim
handler over the in-memory repository, and the routes with tokens (who may call, what each sees)."""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import httpx
import pytest
from fastapi import FastAPI

from yidi_audit.api import flags as flags_api
from yidi_audit.api import special_cases as api
from yidi_audit.domain import special_cases as sc
from yidi_audit.domain.errors import InvalidInput, InvalidTransition, WrongActor
from yidi_audit.domain.params import AuditConfig, SpecialCaseParams, audit_config
from yidi_audit.domain.special_cases import CaseClaim, CaseStatus, Origin, QuotaExceeded, QuotaLimit, QuotaUse
from yidi_audit.service_layer import special_cases as use_cases
from yidi_audit.service_layer.repository import NotFound
from yidi_common.auth import Role
from yidi_common.auth.testing import TestIssuer
from yidi_common.events.registry import SPECIAL_CASE_DECIDED
from yidi_common.http import install_error_handlers
from yidi_common.unit_of_work import Transaction

from .conftest import make_claim
from .fakes import FakeAuditRepository, FakeStore
from .test_handlers import handle, priced

CST = timezone(timedelta(hours=8))
AT = datetime(2025, 4, 2, 10, tzinfo=CST)
FIVE_PERCENT = QuotaLimit(D("0.05"), D("0.05"))


def case_claim(claim_id: str = "C1", *, fund: str = "3000.00", kind: str = "normal", version: int = 1,
               hospital: str = "H3607001") -> CaseClaim:
    return CaseClaim(claim_id=claim_id, version=version, setl_id=f"S-{claim_id}", hospital_code=hospital,
                     treatment_region="360700", insured_region="360100",
                     dscg_time=datetime(2025, 3, 8, 9, tzinfo=CST), total_cost=D("20000.00"),
                     basic_fund_payment=D(fund), case_kind=kind)


def opened(claim: CaseClaim | None = None) -> sc.SpecialCase:
    return sc.open_case(claim or case_claim(), Origin.HOSPITAL, ["罕见病, 多学科会诊"], ["doc://mdt/1"], by="his-1",
                        role="hospital", at=AT, period=sc.QuotaPeriod.YEAR)


# ---------------------------------------------------------------- domain: quota by hand


def test_an_approval_within_both_shares_passes_with_the_figures():
    # 40 claims with Σ F 200,000.00; one approved (F 6,000.00); this one F 3,000.00:
    # cases 2/40 = 0.05 <= 0.05; fund 9,000.00/200,000.00 = 0.045 <= 0.05
    use = QuotaUse(claims=40, fund=D("200000.00"), approved_cases=1, approved_fund=D("6000.00"))
    figures = sc.check_quota(case_claim(fund="3000.00"), use, FIVE_PERCENT, "2025")
    assert (figures["approved_cases"], figures["case_share"], figures["approved_fund"], figures["fund_share"]) == (
        2, "0.0500", "9000.00", "0.0450")


def test_a_third_approval_passes_the_case_share_and_is_refused_naming_it():
    # 3/40 = 0.075 > 0.05; fund 8,000.00/200,000.00 = 0.04 is within
    use = QuotaUse(claims=40, fund=D("200000.00"), approved_cases=2, approved_fund=D("6000.00"))
    with pytest.raises(QuotaExceeded) as refused:
        sc.check_quota(case_claim(fund="2000.00"), use, FIVE_PERCENT, "2025")
    assert "cases 3/40 > 0.05" in str(refused.value) and "fund" not in str(refused.value).split(":", 1)[1]
    assert refused.value.figures["case_share"] == "0.0750"


def test_a_costly_case_passes_the_fund_share_alone():
    # cases 2/40 = 0.05 within; fund (6,000.00 + 5,000.01)/200,000.00 = 0.05500005 > 0.05
    use = QuotaUse(claims=40, fund=D("200000.00"), approved_cases=1, approved_fund=D("6000.00"))
    with pytest.raises(QuotaExceeded) as refused:
        sc.check_quota(case_claim(fund="5000.01"), use, FIVE_PERCENT, "2025")
    assert "fund 11000.01/200000.00 > 0.05" in str(refused.value) and "cases" not in str(refused.value)


def test_exactly_at_the_fund_limit_passes():
    # (6,000.00 + 4,000.00)/200,000.00 = 0.05 exactly
    use = QuotaUse(claims=40, fund=D("200000.00"), approved_cases=1, approved_fund=D("6000.00"))
    assert sc.check_quota(case_claim(fund="4000.00"), use, FIVE_PERCENT, "2025")["fund_share"] == "0.0500"


def test_periods_are_counted_in_china_time():
    # 2025-03-31 20:00 UTC is 1 April 04:00 in China: the second quarter
    assert sc.period_of(datetime(2025, 3, 31, 20, tzinfo=timezone.utc), sc.QuotaPeriod.QUARTER) == "2025-Q2"
    assert sc.period_of(datetime(2025, 12, 31, 17, tzinfo=timezone.utc), sc.QuotaPeriod.YEAR) == "2026"
    assert sc.period_bounds("2025-Q4") == (datetime(2025, 10, 1, tzinfo=CST), datetime(2026, 1, 1, tzinfo=CST))
    assert sc.period_bounds("2025") == (datetime(2025, 1, 1, tzinfo=CST), datetime(2026, 1, 1, tzinfo=CST))
    with pytest.raises(ValueError):
        sc.period_bounds("2025-Q5")


# ---------------------------------------------------------------- domain: transitions


def test_the_treatment_regions_bureau_approves_an_open_case_once():
    case = opened()
    approved = sc.decide(case, "approve", ["专家评议通过"], by="gz-1", role="bureau", region="360700", at=AT)
    assert approved.status is CaseStatus.APPROVED
    assert [(s.action, s.status, s.by, s.role) for s in approved.history] == [
        ("apply", CaseStatus.OPEN, "his-1", "hospital"), ("approve", CaseStatus.APPROVED, "gz-1", "bureau")]
    with pytest.raises(InvalidTransition):
        sc.decide(approved, "reject", ["twice"], by="gz-1", role="bureau", region="360700", at=AT)


def test_the_insured_region_may_not_decide_and_a_rejection_needs_a_reason():
    with pytest.raises(WrongActor):
        sc.decide(opened(), "approve", [], by="nc-1", role="bureau", region="360100", at=AT)
    with pytest.raises(InvalidInput):
        sc.decide(opened(), "reject", ["  "], by="gz-1", role="bureau", region="360700", at=AT)


def test_a_replaced_version_closes_an_open_case_but_not_a_decided_one():
    closed = sc.supersede(opened(), 2, AT)
    assert closed.status is CaseStatus.SUPERSEDED and closed.history[-1].reasons == ("superseded by version 2",)
    approved = sc.decide(opened(), "approve", [], by="gz-1", role="bureau", region="360700", at=AT)
    assert sc.supersede(approved, 2, AT) is approved


def test_an_application_names_every_problem():
    problems = sc.application_problems(case_claim(kind="low_outlier"), ["ok", " "], ["", "doc://1"])
    assert [(p["field"], p["rule"]) for p in problems] == [
        ("reasons[1]", "blank"), ("documents[0]", "blank"), ("claim_id", "already-per-item")]
    assert [p["field"] for p in sc.application_problems(case_claim(), [], [])] == ["reasons"]


def test_the_quarter_list_counts_each_hospitals_cases_and_shares():
    a = sc.decide(opened(case_claim("C1", fund="3000.00")), "approve", [], by="gz", role="bureau",
                  region="360700", at=AT)
    b = sc.decide(opened(case_claim("C2")), "reject", ["常规病例"], by="gz", role="bureau", region="360700", at=AT)
    c = sc.open_case(case_claim("C3"), Origin.PRICING, ["dip-above-multiple"], [], by="system", role="system", at=AT,
                     period=sc.QuotaPeriod.YEAR)
    (line, other) = sc.quarter_lines([a, b, c], {"H3607001": (20, D("60000.00")), "H3607002": (5, D("1.00"))},
                                     lambda h: FIVE_PERCENT)
    # 1 approved of 20 claims = 0.05; fund 3,000.00/60,000.00 = 0.05
    assert (line.applications, line.referrals, line.approved, line.rejected, line.open) == (2, 1, 1, 1, 1)
    assert (line.case_share, line.fund_share, line.within_quota) == (D("0.0500"), D("0.0500"), True)
    assert (other.hospital_code, other.applications, other.case_share) == ("H3607002", 0, D("0"))


def test_the_quota_is_configured_per_region_and_hospital():
    config = audit_config({"province": {"special_cases": {"max_case_share": 0.03}},
                           "regions": {"360700": {"special_cases": {
                               "period": "quarter", "hospitals": {"H3607001": {"max_case_share": 0.10,
                                                                               "max_fund_share": 0.08}}}}}})
    gz = config.for_region("360700").special_cases
    assert gz.limit_for("H3607001") == QuotaLimit(D("0.10"), D("0.08"))
    assert gz.limit_for("H3607002") == QuotaLimit(D("0.03"), D("0.05"))  # province value, built-in fund share
    assert gz.period is sc.QuotaPeriod.QUARTER
    assert AuditConfig().for_region("360100").special_cases.limit_for("H1") == FIVE_PERCENT


# ---------------------------------------------------------------- use cases


def hospital_claims(n: int, fund: str = "5000.00") -> list:
    """n claims of H3607001 discharged in March 2025, Σ F = n × fund."""
    return [make_claim(claim_id=f"C{i}", setl_id=f"S{i}", psn_no=f"P{i}", fund_payments={"310100": D(fund)})
            for i in range(1, n + 1)]


async def test_apply_then_approve_publishes_the_decision_with_who_and_when():
    repo = FakeAuditRepository(claims=hospital_claims(20))
    tx = Transaction(repo)
    case = await use_cases.apply(tx, "C1", ["新技术"], ["doc://1"], hospital="H3607001", by="his-1", at=AT,
                                 params_for=lambda region: SpecialCaseParams())
    with pytest.raises(use_cases.CaseExists):
        await use_cases.apply(tx, "C1", ["again"], [], hospital="H3607001", by="his-1", at=AT,
                              params_for=lambda region: SpecialCaseParams())
    with pytest.raises(NotFound):
        await use_cases.apply(tx, "C2", ["not mine"], [], hospital="H3607999", by="his-9", at=AT,
                              params_for=lambda region: SpecialCaseParams())
    decided, figures = await use_cases.decide(tx, case.case_id, "approve", ["专家评议"], by="gz-1", role="bureau",
                                              region="360700", at=AT, params=SpecialCaseParams())
    # 1 of 20 claims = 0.05; F 5,000.00 of 100,000.00 = 0.05
    assert (figures["case_share"], figures["fund_share"]) == ("0.0500", "0.0500")
    (event,) = tx.emitted
    payload = event.payload()
    assert (event.type, event.subject, payload.decision, payload.decided_by, payload.decided_role, payload.period) == (
        SPECIAL_CASE_DECIDED, "C1", "approved", "gz-1", "bureau", "2025")
    assert (payload.treat_admdvs, payload.insu_admdvs, payload.reasons) == ("360700", "360100", ["专家评议"])
    assert [s.action for s in repo.history[case.case_id]] == ["apply", "approve"]


async def test_an_approval_beyond_the_quota_is_refused_and_nothing_changes():
    repo = FakeAuditRepository(claims=hospital_claims(20))
    tx = Transaction(repo)
    first = await use_cases.apply(tx, "C1", ["a"], [], hospital="H3607001", by="h", at=AT,
                                  params_for=lambda region: SpecialCaseParams())
    second = await use_cases.apply(tx, "C2", ["b"], [], hospital="H3607001", by="h", at=AT,
                                   params_for=lambda region: SpecialCaseParams())
    await use_cases.decide(tx, first.case_id, "approve", [], by="gz", role="bureau", region="360700", at=AT,
                           params=SpecialCaseParams())
    with pytest.raises(QuotaExceeded) as refused:  # 2/20 = 0.10 > 0.05
        await use_cases.decide(tx, second.case_id, "approve", [], by="gz", role="bureau", region="360700", at=AT,
                               params=SpecialCaseParams())
    assert refused.value.figures["approved_cases"] == 2 and refused.value.figures["claims"] == 20
    assert repo.cases[second.case_id].status is CaseStatus.OPEN and len(tx.emitted) == 1
    assert repo.quota_locks == [("360700", "H3607001", "2025")] * 2
    rejected, _ = await use_cases.decide(tx, second.case_id, "reject", ["超出协商比例"], by="gz", role="bureau",
                                         region="360700", at=AT, params=SpecialCaseParams())
    assert rejected.status is CaseStatus.REJECTED and tx.emitted[-1].payload().decision == "rejected"


# ---------------------------------------------------------------- the priced-claim handler


def flagged(claim_id: str, *, version: int = 1, special_review: str | None = None, list_flag: bool = False,
            case_id: str | None = None, kind: str = "normal"):
    event = priced(claim_id, "2025-03-01T09:00", "2025-03-08T09:00", version=version)
    data = event.data
    data["claim"] |= {"special_case_review": list_flag, "special_case_id": case_id}
    data["pricing"] |= {"special_review": special_review, "case_kind": kind}
    return event


async def test_pricing_and_the_lists_flag_open_cases_in_the_same_queue():
    repo = FakeAuditRepository()
    await handle(repo, flagged("C-DIP", special_review="dip-above-multiple"), flagged("C-LIST", list_flag=True),
                 flagged("C-PLAIN"), flagged("C-ISSUED", version=2, list_flag=True, case_id="case-x",
                                             kind="special_review"), now=AT)
    cases = {c.claim.claim_id: c for c in repo.cases.values()}
    assert sorted(cases) == ["C-DIP", "C-LIST"]
    assert (cases["C-DIP"].origin, cases["C-DIP"].reasons) == (Origin.PRICING, ("dip-above-multiple",))
    assert (cases["C-LIST"].origin, cases["C-LIST"].history[0].action, cases["C-LIST"].history[0].by) == (
        Origin.HOSPITAL_LIST, "refer", "system")
    await handle(repo, flagged("C-LIST", list_flag=True), now=AT)  # redelivered: nothing twice
    assert len(repo.history[cases["C-LIST"].case_id]) == 1


async def test_the_lists_flag_opens_nothing_where_the_region_turns_it_off():
    config = audit_config({"regions": {"360700": {"special_cases": {"open_from_list_flag": False}}}})
    repo = FakeAuditRepository()
    await handle(repo, flagged("C-LIST", list_flag=True), config=config, now=AT)
    assert repo.cases == {}


async def test_a_correction_closes_the_open_case_of_the_version_it_replaces():
    repo = FakeAuditRepository()
    await handle(repo, flagged("C-LIST", list_flag=True), now=AT)
    await handle(repo, flagged("C-LIST", version=2), now=AT + timedelta(days=1))
    (case,) = repo.cases.values()
    assert case.status is CaseStatus.SUPERSEDED
    assert [(s.action, s.by) for s in repo.history[case.case_id]] == [("refer", "system"), ("supersede", "system")]


# ---------------------------------------------------------------- routes


ISSUER = TestIssuer()
HOSPITAL = ISSUER.headers(Role.HOSPITAL, hospital="H3607001", user="his-3607001")
OTHER_HOSPITAL = ISSUER.headers(Role.HOSPITAL, hospital="H3607002", user="his-3607002")
GANZHOU = ISSUER.headers(Role.BUREAU, region="360700", user="gz-auditor-01")  # treatment region
NANCHANG = ISSUER.headers(Role.BUREAU, region="360100", user="nc-reviewer-07")  # insured region
JIUJIANG = ISSUER.headers(Role.BUREAU, region="360400", user="jj-auditor-02")  # neither
PROVINCE = ISSUER.headers(Role.PROVINCE, user="jx-1")
ANALYST = ISSUER.headers(Role.ANALYST, user="analyst-1")
OPS = ISSUER.headers(Role.OPS, user="ops-1")


class Rules:
    current = audit_config({})


@pytest.fixture
def store() -> FakeStore:
    return FakeStore(FakeAuditRepository(claims=hospital_claims(20)))


@pytest.fixture
async def client(store):
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(api.router)
    app.state.verifier = ISSUER.verifier()
    app.state.audit_rules = Rules()
    app.dependency_overrides[flags_api.store] = lambda: store
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://audit") as c:
        yield c


async def test_the_hospital_applies_the_treatment_region_decides_the_insured_region_reads(client, store):
    body = {"claim_id": "C1", "reasons": ["多学科联合诊疗"], "documents": ["doc://mdt/1"]}
    assert (await client.post("/v1/special-cases", json=body, headers=GANZHOU)).status_code == 403
    assert (await client.post("/v1/special-cases", json=body, headers=OTHER_HOSPITAL)).status_code == 404
    applied = await client.post("/v1/special-cases", json=body, headers=HOSPITAL)
    assert applied.status_code == 201, applied.text
    case_id = applied.json()["case_id"]
    assert (await client.post("/v1/special-cases", json=body, headers=HOSPITAL)).status_code == 409
    url = f"/v1/special-cases/{case_id}"
    assert (await client.post(f"{url}/decision", json={"decision": "approve"}, headers=NANCHANG)).status_code == 403
    assert (await client.post(f"{url}/decision", json={"decision": "approve"}, headers=JIUJIANG)).status_code == 404
    approved = await client.post(f"{url}/decision", json={"decision": "approve", "reasons": ["同意"]}, headers=GANZHOU)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert approved.json()["quota"]["case_share"] == "0.0500"
    seen = (await client.get(url, headers=NANCHANG)).json()
    assert [(h["action"], h["by"], h["role"]) for h in seen["history"]] == [
        ("apply", "his-3607001", "hospital"), ("approve", "gz-auditor-01", "bureau")]
    assert (await client.get(url, headers=JIUJIANG)).status_code == 404
    assert (await client.get(url, headers=OTHER_HOSPITAL)).status_code == 404
    assert (await client.get(url, headers=OPS)).status_code == 403
    anonymous = (await client.get(url, headers=ANALYST)).json()
    assert anonymous["history"][1]["by"] is None and anonymous["reasons"] is None
    assert [c["case_id"] for c in (await client.get("/v1/special-cases", headers=NANCHANG)).json()["items"]] == [case_id]
    assert (await client.get("/v1/special-cases", headers=JIUJIANG)).json()["items"] == []


async def test_an_application_with_problems_names_each_and_stores_nothing(client, store):
    store.repo.claims["C1"] = replace(store.repo.claims["C1"], case_kind="low_outlier")
    answer = await client.post("/v1/special-cases", json={"claim_id": "C1", "reasons": [" "], "documents": [""]},
                               headers=HOSPITAL)
    assert answer.status_code == 422
    assert [p["field"] for p in answer.json()["detail"]["problems"]] == ["reasons", "reasons[0]", "documents[0]",
                                                                         "claim_id"]
    assert store.repo.cases == {}


async def test_a_refused_approval_answers_409_with_the_quota_figures(client, store):
    ids = []
    for claim in ("C1", "C2"):
        answer = await client.post("/v1/special-cases", json={"claim_id": claim, "reasons": ["x"]}, headers=HOSPITAL)
        ids.append(answer.json()["case_id"])
    assert (await client.post(f"/v1/special-cases/{ids[0]}/decision", json={"decision": "approve"},
                              headers=GANZHOU)).status_code == 200
    refused = await client.post(f"/v1/special-cases/{ids[1]}/decision", json={"decision": "approve"}, headers=GANZHOU)
    assert refused.status_code == 409
    quota = refused.json()["detail"]["quota"]
    assert (quota["approved_cases"], quota["claims"], quota["case_share"], quota["max_case_share"]) == (
        2, 20, "0.1000", "0.05")


async def test_the_quarterly_list_is_the_regions_in_json_and_csv(client, store):
    answer = await client.post("/v1/special-cases", json={"claim_id": "C1", "reasons": ["x"]}, headers=HOSPITAL)
    await client.post(f"/v1/special-cases/{answer.json()['case_id']}/decision", json={"decision": "approve"},
                      headers=GANZHOU)
    params = {"region": "360700", "quarter": "2025-Q1"}
    assert (await client.get("/v1/special-cases/quarterly", params=params, headers=NANCHANG)).status_code == 403
    assert (await client.get("/v1/special-cases/quarterly", params=params, headers=HOSPITAL)).status_code == 403
    (line,) = (await client.get("/v1/special-cases/quarterly", params=params, headers=GANZHOU)).json()["hospitals"]
    # 20 claims of F 5,000.00 discharged in March 2025; one approved
    assert (line["claims"], line["fund"], line["applications"], line["approved"], line["case_share"],
            line["fund_share"], line["within_quota"]) == (20, "100000.00", 1, 1, "0.0500", "0.0500", True)
    text = (await client.get("/v1/special-cases/quarterly", params={**params, "format": "csv"},
                             headers=PROVINCE)).text
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["hospital_code"], row["approved_fund"], row["max_fund_share"]) == ("H3607001", "5000.00", "0.05")
    for impossible in ("0000-Q1", "9999-Q4"):
        assert (await client.get("/v1/special-cases/quarterly", params={**params, "quarter": impossible},
                                 headers=GANZHOU)).status_code == 422
    empty = (await client.get("/v1/special-cases/quarterly", params={**params, "quarter": "2025-Q2"},
                              headers=GANZHOU)).json()
    assert empty["hospitals"] == []
