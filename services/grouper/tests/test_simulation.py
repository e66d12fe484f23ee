"""POST /v1/simulate and /v1/simulate/batch over the in-memory repository, with a stand-in for the pricing
service (its real answers are checked in tests/integration/test_simulation.py): scope, the forms of a
batch, what is priced, the difference from per-item cost, totals and CSV.

The stand-in prices every DRG case at 1,000.00 with fund due 600.00 and refuses group XX99; EXAMPLE's
lists cost 100.00 per item, so each priced case differs from its per-item cost by +900.00.
"""
from __future__ import annotations

import copy
import csv
import io
from contextlib import asynccontextmanager
from types import SimpleNamespace

import httpx
import orjson
import pytest
from fastapi import FastAPI

from yidi_common.auth import Role
from yidi_common.auth.testing import TestIssuer
from yidi_common.events.v1 import GroupingOutcome, QcProblem
from yidi_common.http import install_error_handlers
from yidi_common.settlement_list import EXAMPLE
from yidi_common.unit_of_work import Transaction
from yidi_grouper.api.settlement_lists import IntakeFastPath, claims_opener, router
from yidi_grouper.api.simulation import pricing_client, router as simulation_router
from yidi_grouper.service_layer.simulation import PricingUnavailable

from .fakes import FakeClaimsRepository, FakeIntake

ISSUER = TestIssuer()
H1 = ISSUER.headers(Role.HOSPITAL, hospital="H36010000001")
H2 = ISSUER.headers(Role.HOSPITAL, hospital="H36020000001")
NANCHANG = ISSUER.headers(Role.BUREAU, region="360100")
JIUJIANG = ISSUER.headers(Role.BUREAU, region="360400")
PROVINCE = ISSUER.headers(Role.PROVINCE)


def a_list(setl_id: str, hospital: str = "H36010000001", region: str = "360100", period: str = "2026-10",
           diagnosis: str = "J18.900") -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(setl_id=setl_id, fixmedins_code=hospital, treat_admdvs=region, insu_admdvs=region,
                            setl_period=period)
    body["diseinfo"] = [{"diag_code": diagnosis, "maindiag_flag": True}]
    return body


class _Grouper:
    """QC rejects principal Z99.999; K00.000 groups to XX99 (which the stand-in pricing refuses)."""

    def quality_problems(self, sl):
        code = sl.diseinfo[0].diag_code
        return [QcProblem(field="diseinfo[0].diag_code", rule="QC-DIAG-UNKNOWN", message=f"{code} unknown")] \
            if code == "Z99.999" else []

    def group(self, sl):
        drg = "XX99" if sl.diseinfo[0].diag_code == "K00.000" else "ES35"
        return GroupingOutcome(payment_method="DRG", scheme="CHS-DRG 1.1", status="grouped", drg=drg,
                               explanation=[f"grouped {drg}"])


class _Pricing:
    def __init__(self):
        self.asked: list[list[dict]] = []
        self.down = False

    async def price(self, cases):
        if self.down:
            raise PricingUnavailable("pricing at http://pricing did not answer (ConnectError)")
        self.asked.append(cases)
        return [{"error": "no weight for XX99"} if case["grouping"]["drg"] == "XX99" else {"pricing": {
            "case_kind": "normal", "basis": "weight", "weight": "1.0000", "rate": "1000.00", "coefficient": "1.00",
            "standard": "1000.00", "payment": "1000.00", "fund_due": "600.00", "explanation": ["basis=weight"]}}
            for case in cases]


@pytest.fixture
async def client():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    pricing = _Pricing()
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
    app.dependency_overrides[pricing_client] = lambda: pricing
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grouper") as c:
        c.pricing = pricing
        yield c


async def test_one_list_is_grouped_and_priced_nothing_kept(client):
    answer = await client.post("/v1/simulate", json=a_list("S1"), headers=H1)
    assert answer.status_code == 200
    case = answer.json()
    assert (case["status"], case["grouping"]["drg"], case["pricing"]["standard"]) == ("priced", "ES35", "1000.00")
    assert (case["total_cost"], case["payment"], case["fund_due"], case["difference"]) == (
        "100.00", "1000.00", "600.00", "900.00")
    assert case["qc"] == {"passed": True, "problems": []}
    assert "grouped ES35" in case["explanation"] and any("difference 900.00" in line for line in case["explanation"])
    assert "certno" not in answer.text and "甲" not in answer.text
    # pricing is given the grouper's whole outcome (DIP category and severity priced as in the chain)
    assert (client.pricing.asked[0][0]["grouping"]["drg"], client.pricing.asked[0][0]["grouping"]["status"]) == (
        "ES35", "grouped")
    listing = await client.get("/v1/settlement-lists", headers=H1)
    assert listing.json()["items"] == []  # nothing kept


async def test_a_list_qc_rejects_is_not_priced(client):
    case = (await client.post("/v1/simulate", json=a_list("S1", diagnosis="Z99.999"), headers=H1)).json()
    assert (case["status"], case["pricing"], case["payment"], case["difference"]) == ("rejected", None, None, None)
    assert case["qc"]["problems"][0]["rule"] == "QC-DIAG-UNKNOWN"
    assert client.pricing.asked == []


async def test_scope_a_hospital_its_own_lists_a_bureau_its_region(client):
    assert (await client.post("/v1/simulate", json=a_list("S1"), headers=H2)).status_code == 403
    assert (await client.post("/v1/simulate", json=a_list("S1"), headers=JIUJIANG)).status_code == 403
    for headers in (H1, NANCHANG, PROVINCE):
        assert (await client.post("/v1/simulate", json=a_list("S1"), headers=headers)).status_code == 200
    assert (await client.post("/v1/simulate", json=a_list("S1"))).status_code == 401
    assert (await client.post("/v1/group", json=a_list("S1"), headers=H2)).status_code == 403


async def test_pricing_down_answers_503(client):
    client.pricing.down = True
    answer = await client.post("/v1/simulate", json=a_list("S1"), headers=H1)
    assert answer.status_code == 503 and "did not answer" in answer.json()["detail"]["reason"]


BATCH = [a_list("S1"), a_list("S2", diagnosis="Z99.999"), a_list("S3", diagnosis="K00.000"), a_list("S4")]


def check_totals(totals: dict) -> None:
    # S1 and S4 priced: cost 2 × 100.00, payment 2 × 1,000.00, fund due 2 × 600.00, difference 2 × 900.00
    assert totals == {"cases": 4, "priced": 2, "rejected": 1, "not_priced": 1, "total_cost": "200.00",
                      "payment": "2000.00", "fund_due": "1200.00", "difference": "1800.00",
                      "by_group": {"ES35": 2, "XX99": 1}}


@pytest.mark.parametrize("body, content_type", [
    (orjson.dumps(BATCH), "application/json"),
    (b"\n".join(orjson.dumps(item) for item in BATCH) + b"\n", "application/x-ndjson"),
])
async def test_a_file_of_lists_as_json_array_or_json_lines(client, body, content_type):
    answer = await client.post("/v1/simulate/batch", content=body, headers={**H1, "Content-Type": content_type})
    assert answer.status_code == 200
    result = answer.json()
    assert [(c["setl_id"], c["status"]) for c in result["cases"]] == [
        ("S1", "priced"), ("S2", "rejected"), ("S3", "not priced"), ("S4", "priced")]
    assert result["cases"][2]["explanation"][-1] == "not priced: no weight for XX99"
    check_totals(result["totals"])
    assert len(client.pricing.asked) == 1 and len(client.pricing.asked[0]) == 3  # one call, QC-clean lists only


@pytest.mark.parametrize("how", [{"headers": {"Accept": "text/csv"}}, {"params": {"format": "csv"}}])
async def test_the_batch_as_csv_with_a_total_row(client, how):
    answer = await client.post("/v1/simulate/batch", json=BATCH, headers={**H1, **how.get("headers", {})},
                               params=how.get("params"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(r["setl_id"], r["status"], r["group"], r["payment"], r["difference"]) for r in rows[:4]] == [
        ("S1", "priced", "ES35", "1000.00", "900.00"), ("S2", "rejected", "ES35", "", ""),
        ("S3", "not priced", "XX99", "", ""), ("S4", "priced", "ES35", "1000.00", "900.00")]
    assert rows[1]["qc_problems"] == "QC-DIAG-UNKNOWN" and rows[2]["pricing_error"] == "no weight for XX99"
    total = rows[4]
    assert (total["setl_id"], total["total_cost"], total["payment"], total["fund_due"], total["difference"]) == (
        "TOTAL", "200.00", "2000.00", "1200.00", "1800.00")


async def test_bad_batches_name_every_problem(client):
    body = b'{"setlinfo": {}}\nnot json\n'
    answer = await client.post("/v1/simulate/batch", content=body, headers={**H1, "Content-Type": "application/x-ndjson"})
    assert answer.status_code == 422
    fields = [p["field"] for p in answer.json()["detail"]["problems"]]
    assert "line 2" in fields and any(field.startswith("line 1.setlinfo") for field in fields)
    assert (await client.post("/v1/simulate/batch", json={"hospital": "H36010000001", "period": "2026-13"},
                              headers=H1)).status_code == 422
    assert (await client.post("/v1/simulate/batch", json=[a_list("S9", hospital="H36020000001", region="360200")],
                              headers=H1)).status_code == 403


async def test_a_hospitals_stored_lists_of_a_period_are_simulated_again(client):
    for body in (a_list("P1"), a_list("P2", diagnosis="Z99.999"), a_list("P3", period="2026-11"),
                 a_list("Q1", hospital="H36020000001", region="360200")):
        headers = ISSUER.headers(Role.HOSPITAL, hospital=body["setlinfo"]["fixmedins_code"])
        assert (await client.post("/v1/settlement-lists", json=body, headers=headers)).status_code == 202
    answer = await client.post("/v1/simulate/batch", json={"hospital": "H36010000001", "period": "2026-10"}, headers=H1)
    assert answer.status_code == 200
    result = answer.json()
    assert (result["hospital"], result["period"]) == ("H36010000001", "2026-10")
    assert [(c["setl_id"], c["status"], c["version"]) for c in result["cases"]] == [
        ("P1", "priced", 1), ("P2", "rejected", 1)] or [(c["setl_id"], c["status"]) for c in result["cases"]] == [
        ("P2", "rejected"), ("P1", "priced")]
    assert all(c["claim_id"] for c in result["cases"])
    year = (await client.post("/v1/simulate/batch", json={"hospital": "H36010000001", "period": "2026"},
                              headers=H1)).json()
    assert sorted(c["setl_id"] for c in year["cases"]) == ["P1", "P2", "P3"]
    assert (year["totals"]["priced"], year["totals"]["payment"]) == (2, "2000.00")
    # another hospital's lists: refused to a hospital, empty for a bureau of another region
    assert (await client.post("/v1/simulate/batch", json={"hospital": "H36020000001", "period": "2026"},
                              headers=H1)).status_code == 403
    other = await client.post("/v1/simulate/batch", json={"hospital": "H36020000001", "period": "2026"}, headers=NANCHANG)
    assert other.json()["cases"] == []
