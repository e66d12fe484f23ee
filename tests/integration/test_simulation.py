"""模拟测算 on the running grouper and pricing (real Kafka and PostgreSQL): POST /v1/simulate groups with the
published CHS-DRG 1.1 scheme and prices through pricing's API; /v1/simulate/batch does it for a file of
lists and for a hospital's lists already posted. Nothing is kept by the simulation.

Payments worked by hand from the demo tables (demo/config): hospital H36010000001 (南昌, 360100) has
C_h = 1.05 + 0.03 = 1.08 (hospitals.csv); the 310 pool's provisional rate is 11,800 (regions/360100-2026.toml);
its outlier bands: RW < 1.0 low 0.4 high 3.0, RW < 3.0 low 0.4 high 2.5 (same file); weights from
weights/chs-drg-1.1-demo.csv. FundDue = max(0, F + Payment − T); difference = Payment − T.

  BR  I61.900x002 脑出血 + J18.900 肺炎 (a CC only; BR1 splits only into 1 and 5) -> BR15, RW 1.1600:
      S = 1.1600 × 11800 × 1.08 = 14,783.04; T = 15,000.00, k = 1.015 normal -> Payment 14,783.04;
      F = 9,000.00 -> FundDue 9,000.00 + 14,783.04 − 15,000.00 = 8,783.04; difference −216.96
  ES  J18.900 alone -> ES35, RW 0.4115, a base group (基础病组 是): C = 1, S = 0.4115 × 11800 = 4,855.70;
      T = 3,000.00, k = 0.618 normal -> Payment 4,855.70; F = 1,800.00 -> FundDue 3,655.70; difference +1,855.70
  LOW J18.900, T = 1,500.00: k = 1500 / 4855.70 = 0.309 < 0.4, low outlier, per item: Payment 1,500.00;
      F = 900.00 -> FundDue 900.00; difference 0.00
  QC  K52.905 急性胃肠炎 as a second diagnosis: a 医保版 1.0 code, not in 2.0 (360100 is on CHS-DRG 1.1,
      checked with 2.0): rejected by QC, not priced
Totals of the three priced: T 19,500.00, Payment 21,138.74, FundDue 13,338.74, difference +1,638.74.
"""
from __future__ import annotations

import copy
import csv
import io
from decimal import Decimal

import httpx
import pytest

from yidi_common.auth import Role
from yidi_common.settlement_list import EXAMPLE
from yidi_demo import tokens

from yidi_common.settings import get_settings

HOSPITAL = "H36010000001"
SCHEME = get_settings().yidi_reference_dir / "chs-drg-1.1"
pytestmark = pytest.mark.skipif(not SCHEME.is_dir(), reason=f"the published CHS-DRG 1.1 scheme is absent ({SCHEME})")


def a_list(setl_id: str, diagnoses: list[str], total: str, fund: str, selfpay: str, period: str = "2026-10") -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(setl_id=setl_id, fixmedins_code=HOSPITAL, treat_admdvs="360100", insu_admdvs="360100",
                            insutype="310", setl_period=period, adm_time=f"{period}-01T08:00:00",
                            dscg_time=f"{period}-05T08:00:00", act_ipt_days=4)
    body["diseinfo"] = [{"diag_code": code, "maindiag_flag": index == 0} for index, code in enumerate(diagnoses)]
    body["iteminfo"] = [{"med_chrgitm_type": "09", "amt": total}]
    body["payinfo"] = {"funds": [{"fund_pay_type": "310100", "fund_payamt": fund}], "psn_selfpay": selfpay}
    return body


LISTS = {
    "BR": a_list("SIM-BR", ["I61.900x002", "J18.900"], "15000.00", "9000.00", "6000.00"),
    "ES": a_list("SIM-ES", ["J18.900"], "3000.00", "1800.00", "1200.00"),
    "LOW": a_list("SIM-LOW", ["J18.900"], "1500.00", "900.00", "600.00"),
    "QC": a_list("SIM-QC", ["J18.900", "K52.905"], "3000.00", "1800.00", "1200.00"),
}
EXPECTED = {  # setl_id: (status, drg, case_kind, payment, fund_due, difference)
    "SIM-BR": ("priced", "BR15", "normal", "14783.04", "8783.04", "-216.96"),
    "SIM-ES": ("priced", "ES35", "normal", "4855.70", "3655.70", "1855.70"),
    "SIM-LOW": ("priced", "ES35", "low_outlier", "1500.00", "900.00", "0.00"),
    "SIM-QC": ("rejected", "ES35", None, None, None, None),
}


def mine() -> dict:
    """The hospital's token (minted by the test session's issuer, so not at import)."""
    return tokens.headers(Role.HOSPITAL, hospital=HOSPITAL)


@pytest.fixture(scope="module")
def stack(start_service):
    pricing = start_service("pricing")
    grouper = start_service("grouper", PRICING_URL=pricing.url)
    return grouper, pricing


def outcome(case: dict) -> tuple:
    pricing = case["pricing"] or {}
    return (case["status"], case["grouping"]["drg"], pricing.get("case_kind"), case["payment"], case["fund_due"],
            case["difference"])


def test_one_list_is_grouped_and_priced_in_one_call(stack):
    grouper, _ = stack
    answer = httpx.post(f"{grouper.url}/v1/simulate", json=LISTS["BR"], headers=mine(), timeout=30)
    assert answer.status_code == 200, answer.text
    case = answer.json()
    assert outcome(case) == EXPECTED["SIM-BR"]
    pricing = case["pricing"]
    assert tuple(Decimal(pricing[k]) for k in ("weight", "rate", "coefficient", "standard")) == (
        Decimal("1.16"), Decimal("11800"), Decimal("1.08"), Decimal("14783.04"))
    assert case["grouping"]["complications"] == ["J18.900"] and case["total_cost"] == "15000.00"
    assert any(line.startswith("DRG BR15") and "suffix 5 (scheme setting cc_only_split)" in line
               for line in case["explanation"])
    rejected = httpx.post(f"{grouper.url}/v1/simulate", json=LISTS["QC"], headers=mine(), timeout=30).json()
    assert outcome(rejected) == EXPECTED["SIM-QC"]
    assert [p["rule"] for p in rejected["qc"]["problems"]] == ["QC-DIAG-UNKNOWN"]
    other = tokens.headers(Role.HOSPITAL, hospital="H36020000001")
    assert httpx.post(f"{grouper.url}/v1/simulate", json=LISTS["BR"], headers=other, timeout=30).status_code == 403
    # nothing kept: the hospital has no claim
    listing = httpx.get(f"{grouper.url}/v1/settlement-lists", headers=mine(), timeout=10).json()
    assert listing["items"] == []


def check_totals(totals: dict) -> None:
    assert (totals["cases"], totals["priced"], totals["rejected"]) == (4, 3, 1)
    assert (totals["total_cost"], totals["payment"], totals["fund_due"], totals["difference"]) == (
        "19500.00", "21138.74", "13338.74", "1638.74")


def test_a_file_of_lists_as_json_and_csv(stack):
    grouper, _ = stack
    lines = "\n".join(httpx.Request("POST", "/", json=body).content.decode() for body in LISTS.values())
    answer = httpx.post(f"{grouper.url}/v1/simulate/batch", content=lines.encode(), timeout=60,
                        headers={**mine(), "Content-Type": "application/x-ndjson"})
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert {case["setl_id"]: outcome(case) for case in result["cases"]} == EXPECTED
    check_totals(result["totals"])
    table = httpx.post(f"{grouper.url}/v1/simulate/batch?format=csv", json=list(LISTS.values()), headers=mine(),
                       timeout=60)
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [(r["setl_id"], r["group"], r["payment"], r["difference"]) for r in rows] == [
        ("SIM-BR", "BR15", "14783.04", "-216.96"), ("SIM-ES", "ES35", "4855.70", "1855.70"),
        ("SIM-LOW", "ES35", "1500.00", "0.00"), ("SIM-QC", "ES35", "", ""), ("TOTAL", "", "21138.74", "1638.74")]


async def test_a_hospitals_posted_lists_of_a_period_are_simulated_again(stack):
    grouper, _ = stack
    for body in LISTS.values():
        posted = httpx.post(f"{grouper.url}/v1/settlement-lists", json=body, headers=mine(), timeout=30)
        assert posted.status_code == 202, posted.text
    later = a_list("SIM-NOV", ["J18.900"], "3000.00", "1800.00", "1200.00", period="2026-11")
    assert httpx.post(f"{grouper.url}/v1/settlement-lists", json=later, headers=mine(), timeout=30).status_code == 202
    query = {"hospital": HOSPITAL, "period": "2026-10"}
    answer = httpx.post(f"{grouper.url}/v1/simulate/batch", json=query, headers=mine(), timeout=60)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert {case["setl_id"]: outcome(case) for case in result["cases"]} == EXPECTED  # not SIM-NOV (November)
    assert all(case["claim_id"] and case["version"] == 1 for case in result["cases"])
    check_totals(result["totals"])
    bureau = tokens.headers(Role.BUREAU, region="360100")
    assert httpx.post(f"{grouper.url}/v1/simulate/batch", json=query, headers=bureau, timeout=60).json()["totals"] == \
        result["totals"]
    other = tokens.headers(Role.HOSPITAL, hospital="H36020000001")
    assert httpx.post(f"{grouper.url}/v1/simulate/batch", json=query, headers=other, timeout=30).status_code == 403
