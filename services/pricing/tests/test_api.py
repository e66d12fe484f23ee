"""POST /v1/price: a hospital's list priced without keeping anything (same worked case as test_handlers)."""
import copy

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from yidi_common.auth import Role
from yidi_common.auth.testing import TestIssuer
from yidi_common.config_provider import ConfigProvider
from yidi_common.settlement_list import EXAMPLE
from yidi_pricing.api.pricing import router

from .conftest import FIXTURE_CONFIG


ISSUER = TestIssuer()


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    app.include_router(router)
    app.state.config = ConfigProvider.load(FIXTURE_CONFIG)
    app.state.verifier = ISSUER.verifier()
    return TestClient(app, headers=ISSUER.headers(Role.HOSPITAL, hospital="H1"))


def test_pricing_needs_a_token(client):
    assert client.post("/v1/price", json=a_list(), headers={"Authorization": ""}).status_code == 401


def a_list(insured_region: str = "360100", hospital: str = "H1", cross_province: bool = False) -> dict:
    # T = 30000.00, F = 18000.00, H1 AA11: Payment 23000.00, FundDue 11000.00
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(fixmedins_code=hospital, insu_admdvs=insured_region, setl_period="2026-03",
                            cross_province=cross_province)
    body["iteminfo"] = [{"med_chrgitm_type": "01", "amt": "30000.00"}]
    body["payinfo"] = {"funds": [{"fund_pay_type": "310100", "fund_payamt": "18000.00"}], "psn_selfpay": "12000.00"}
    return {"settlement_list": body, "group_code": "AA11"}


@pytest.mark.parametrize("insured, cross_province, pool, payment, due", [
    ("360100", False, "local", "23000.00", "11000.00"),
    ("360400", False, "cross", "23000.00", "11000.00"),
    ("110100", True, None, "30000.00", "18000.00"),
])
def test_a_list_is_priced_in_the_pool_of_its_scope(client, insured, cross_province, pool, payment, due):
    answer = client.post("/v1/price", json=a_list(insured, cross_province=cross_province))
    assert answer.status_code == 200
    outcome = answer.json()
    assert (outcome["payment"], outcome["fund_due"]) == (payment, due)
    assert (outcome["pool"] or {}).get("origin") == pool


def test_a_list_that_cannot_be_priced_answers_422(client):
    answer = client.post("/v1/price", json=a_list(hospital="X"))
    assert answer.status_code == 422 and answer.json()["detail"]["title"] == "cannot price this list"


def test_a_batch_is_priced_case_by_case(client):
    # the worked cases above, in one call; the unknown hospital fails alone
    cases = [a_list("360100"), a_list(hospital="X"), a_list("110100", cross_province=True)]
    answer = client.post("/v1/price/batch", json={"cases": cases})
    assert answer.status_code == 200
    first, failed, third = answer.json()["results"]
    assert (first["pricing"]["payment"], first["pricing"]["fund_due"]) == ("23000.00", "11000.00")
    assert "X" in failed["error"] and "pricing" not in failed
    assert (third["pricing"]["payment"], third["pricing"]["fund_due"]) == ("30000.00", "18000.00")
    assert client.post("/v1/price/batch", json={"cases": [a_list()] * 1001}).status_code == 422


def a_dip_list(grouping: dict | None = None, **request) -> dict:
    # 新余 360500 of the fixture: D1 (C = 1.20), type K80.1:51.2301 D = 1000, mean 10 000, V_p = 10; T 12 000, F 8 000
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(fixmedins_code="D1", treat_admdvs="360500", insu_admdvs="360100", setl_period="2026-03")
    body["iteminfo"] = [{"med_chrgitm_type": "01", "amt": "12000.00"}]
    body["payinfo"] = {"funds": [{"fund_pay_type": "310100", "fund_payamt": "8000.00"}], "psn_selfpay": "4000.00"}
    if grouping is not None:
        request["grouping"] = {"payment_method": "DIP", "scheme": "新余 DIP", "status": "grouped",
                               "dip_type": "K80.1:51.2301", **grouping}
    return {"settlement_list": body, **request}


@pytest.mark.parametrize("request_body, payment, due", [
    # the type alone: P = 1000 × 1.2 = 1200 -> 12000.00; FundDue = 8000 + 12000 − 12000 = 8000.00
    (a_dip_list(group_code="K80.1:51.2301"), "12000.00", "8000.00"),
    # the grouper's outcome with severity level 2 (× 1.2): P = 1000 × 1.2 × 1.2 = 1440 -> 14400.00; due 10400.00
    (a_dip_list({"dip_severity": 2, "complications": ["J96.000"]}), "14400.00", "10400.00"),
    # a 中医优势 case: C = 1 at every level: P = 1000 -> 10000.00; due 6000.00
    (a_dip_list({"dip_category": "tcm"}), "10000.00", "6000.00"),
])
def test_the_groupers_whole_outcome_prices_dip_category_and_severity(client, request_body, payment, due):
    for answer in (client.post("/v1/price", json=request_body).json(),
                   client.post("/v1/price/batch", json={"cases": [request_body]}).json()["results"][0]["pricing"]):
        assert (answer["payment"], answer["fund_due"]) == (payment, due)


def test_a_group_code_that_contradicts_the_grouping_is_refused_naming_it(client):
    answer = client.post("/v1/price", json=a_dip_list({"dip_severity": 1}, group_code="K80.1:51.2302"))
    assert answer.status_code == 422 and "differs from the grouping's group K80.1:51.2301" in answer.text
