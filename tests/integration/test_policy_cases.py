"""The seeds' other payment rules through the chain on real Kafka and PostgreSQL (grouper → pricing →
budget, clearing), each worked by hand.

Configuration: demo/config, plus a psychiatric hospital P in 南昌 (level 2; demo 360100's bed-day category
psychiatric: 320.00 a day, at most 180 days, for hospital type psychiatric) and a provincial hospital S in
南昌 (level 3, C 1.10 + 0.02) whose cross-region cases go to the 省本级 pool 369900 (DIP on 新余's demo
catalogue, point value 10.00). 360100's employee pool: 360100-2026-DRG-310-all, R_p 11800.
"""
from __future__ import annotations

import copy
import csv
import shutil
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal as D

import httpx
import pytest

from yidi_common.auth import Role
from yidi_common.settings import REPO_ROOT
from yidi_common.settlement_list import EXAMPLE
from yidi_demo import tokens

from .harness import wait_until

PSYCHIATRIC, PROVINCIAL, H1 = "H36010000090", "H36990000001", "H36010000001"  # H1: 三甲, C 1.05 + 0.03
SERVICES = ("grouper", "pricing", "budget", "clearing", "audit")


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("policy") / "config"
    shutil.copytree(REPO_ROOT / "demo" / "config", directory)
    hospitals = directory / "hospitals.csv"
    header, *rows = hospitals.read_text(encoding="utf-8").splitlines()
    rows = [f"{r},," for r in rows] + [f"{PSYCHIATRIC},南昌精神专科医院(测试),360100,2,,0.90,0,psychiatric,",
                                       f"{PROVINCIAL},江西省直医院(测试),360100,3,,1.10,0.02,,369900"]
    hospitals.write_text("\n".join([header + ",hospital_type,pool_region", *rows]) + "\n", encoding="utf-8")
    (directory / "regions" / "369900-2026.toml").write_text(
        'region = "369900"\nname = "省本级"\nyear = 2026\nscheme = "DIP"\nscheme_version = "新余 DIP 2026 (demo)"\n'
        'dip_catalogue = "../dip/360500-2026.csv"\nmerge_insutypes = true\nmerge_origins = true\n\n'
        "[[pools]]\nprovisional_rate = 10.00\nbudget = 1000000.00\n", encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def chain(start_service, config_dir):
    return {s: start_service(s, name=f"policy-{s}", YIDI_CONFIG_DIR=str(config_dir)) for s in SERVICES}


def settlement_list(setl_id: str, hospital: str, *, insured: str, diagnosis: str, total: str, fund: str,
                    days: int = 6, **setlinfo) -> dict:
    body = copy.deepcopy(EXAMPLE)
    adm = datetime(2026, 6, 1, 8)
    body["setlinfo"] |= {"setl_id": setl_id, "fixmedins_code": hospital, "insu_admdvs": insured,
                         "treat_admdvs": "360100", "psn_no": f"P-{setl_id}", "adm_time": adm.isoformat(),
                         "dscg_time": (adm + timedelta(days=days)).isoformat(), "act_ipt_days": days,
                         "setl_period": "2026-10", "age": 56, **setlinfo}
    body["diseinfo"] = [{"diag_code": diagnosis, "maindiag_flag": True}]
    body["iteminfo"] = [{"med_chrgitm_type": "01", "amt": total}]
    body["payinfo"] = {"funds": [{"fund_pay_type": "310100", "fund_payamt": fund}],
                       "psn_selfpay": str(D(total) - D(fund))}
    return body


def drg_standard(group: str, rate: D, coefficient: D) -> D:
    """S = RW × R × C from the demo weight table (C = 1 for a base group), to the fen."""
    with (REPO_ROOT / "demo" / "config" / "weights" / "chs-drg-1.1-demo.csv").open(encoding="utf-8") as f:
        row = next(r for r in csv.DictReader(f) if r["DRG编码"] == group)
    c = D(1) if row["基础病组"] == "是" else coefficient
    return (D(row["RW"]) * rate * c).quantize(D("0.01"), ROUND_HALF_UP)


async def test_policy_cases_through_the_chain(chain):
    grouper, clearing, budget = chain["grouper"].url, chain["clearing"].url, chain["budget"].url

    # the group of a pneumonia stay at H1, asked of the grouper's simulation, and its standard worked by hand
    probe = settlement_list("PROBE", H1, insured="360100", diagnosis="J18.900", total="100.00", fund="60.00")
    grouping = httpx.post(f"{grouper}/v1/group", json=probe, timeout=10).json()["grouping"]
    standard = drg_standard(grouping["drg"], D("11800"), D("1.08"))

    lists = {
        # 120 days at a psychiatric hospital: 120 × 320.00 = 38400.00; FundDue = 28000 + 38400 − 40000 = 26400.00
        "bed_day": settlement_list("POL-BED", PSYCHIATRIC, insured="360400", diagnosis="F20.000",
                                   total="40000.00", fund="28000.00", days=120),
        # 省本级: I63.9:保守 (score 980, mean 9800), C 1.12, V 10: 980 × 1.12 × 10 = 10976.00;
        # T 10000 within [4900, 19600]; FundDue = 7000 + 10976 − 10000 = 7976.00
        "provincial": settlement_list("POL-PROV", PROVINCIAL, insured="360400", diagnosis="I63.900",
                                      total="10000.00", fund="7000.00"),
        # 手工报销: priced as normal (T = S), FundDue 0; the insured region paid the person 0.6 × T
        "manual": settlement_list("POL-MANUAL", H1, insured="360400", diagnosis="J18.900", total=str(standard),
                                  fund=str((standard * D("0.6")).quantize(D("0.01"))), manual_reimbursement=True),
        # 急诊转住院: E 800.00 per item, the group on T − E = S (normal): Payment = S + 800; FundDue = F + Payment − T
        "emergency": settlement_list("POL-EMERG", H1, insured="360100", diagnosis="J18.900",
                                     total=str(standard + D("800.00")), fund="2000.00", emergency_fee="800.00"),
        # 优抚: per item, Payment = T = 8000.00, FundDue = F = 5000.00
        "preferential": settlement_list("POL-YOUFU", H1, insured="360400", diagnosis="J18.900", total="8000.00",
                                        fund="5000.00", preferential_treatment=True),
    }
    claims = {}
    for name, body in lists.items():
        answer = httpx.post(f"{grouper}/v1/settlement-lists", json=body, timeout=10)
        assert answer.status_code == 202, answer.text
        claims[name] = answer.json()["claim_id"]

    async def priced(claim_id: str):
        view = httpx.get(f"{grouper}/v1/settlement-lists/{claim_id}", timeout=5).json()
        if view["stage"] == "rejected":
            raise AssertionError(view)
        stages = {s["stage"]: s["result"] for s in view["timeline"]}
        return stages["priced"] if "priced" in stages and view["stage"] == "posted" else None

    outcome = {name: await wait_until(lambda c=c: priced(c), what=f"{name} posted") for name, c in claims.items()}

    def money(name: str) -> tuple:
        o = outcome[name]
        return o["case_kind"], o["pool"] and pool_label(o["pool"]), D(o["payment"]), D(o["fund_due"])

    assert money("bed_day") == ("bed_day", "360100-2026-DRG-310-all", D("38400.00"), D("26400.00"))
    assert "bed-day psychiatric 精神疾病: 120 days × 320.00" in outcome["bed_day"]["explanation"]  # the claim view explains
    assert money("provincial") == ("normal", "369900-2026-DIP-all-all", D("10976.00"), D("7976.00"))
    assert money("manual") == ("manual_reimbursement", "360100-2026-DRG-310-all", standard, D("0.00"))
    emergency_fund_due = D("2000.00") + standard + D("800.00") - (standard + D("800.00"))
    assert money("emergency") == ("normal", "360100-2026-DRG-310-all", standard + D("800.00"), emergency_fund_due)
    assert D(outcome["emergency"]["per_item_part"]) == D("800.00")
    assert money("preferential") == ("preferential", "360100-2026-DRG-310-all", D("8000.00"), D("5000.00"))

    # the ledger: each claim's entry as clearing booked it
    async def entry(name: str):
        entries = httpx.get(f"{clearing}/v1/ledger/claims/{claims[name]}", timeout=5).json()["entries"]
        return {l["account"]: D(l["credit"]) - D(l["debit"]) for l in entries[0]["lines"]} | {
            "kind": entries[0]["kind"]} if entries else None

    bed = await wait_until(lambda: entry("bed_day"), what="bed-day entry")
    assert (bed["kind"], bed[f"360100:hospital-payable:{PSYCHIATRIC}"]) == ("claim.cross-region", D("26400.00"))
    assert bed["360400:cross-region-medical-expense"] == D("-28000.00")
    prov = await wait_until(lambda: entry("provincial"), what="省本级 entry")
    # settled by the province-level pool's region: the province pays 369900, which owes the hospital FundDue
    assert (prov[f"369900:hospital-payable:{PROVINCIAL}"], prov["province:payable:369900"]) == (D("7976.00"), D("7000.00"))
    assert not any(a.startswith("360100:") for a in prov)
    manual = await wait_until(lambda: entry("manual"), what="手工报销 entry")
    fund = D(lists["manual"]["payinfo"]["funds"][0]["fund_payamt"])
    assert manual == {"kind": "claim.manual-reimbursement", "360400:manual-reimbursement-expense": -fund,
                      "360400:fund-bank": fund}

    # budget: each case in its pool; the 省本级 pool holds the provincial hospital's case alone
    async def pool(region: str, label: str, cases: int):
        pools = httpx.get(f"{budget}/v1/pools/{region}/2026", timeout=5).json()["pools"]
        found = next(p for p in pools if p["pool"] == label)
        return found if found["cases"] >= cases else None

    province_level = await wait_until(lambda: pool("369900", "369900-2026-DIP-all-all", 1), what="省本级 pool")
    assert (province_level["cases"], D(province_level["fund_due"])) == (1, D("7976.00"))
    nanchang = await wait_until(lambda: pool("360100", "360100-2026-DRG-310-all", 4), what="南昌 pool")
    # bed-day 26400 + manual 0 + emergency + 优抚 5000
    assert (nanchang["cases"], D(nanchang["fund_due"])) == (4, D("26400.00") + emergency_fund_due + D("5000.00"))

    # monthly run of 369900 pays the provincial hospital; 360100's run does not see the case
    run = httpx.post(f"{clearing}/v1/clearing/monthly/369900/2026-10", timeout=60).json()
    assert [(l["hospital"], D(l["fund_due"])) for l in run["lines"]] == [(PROVINCIAL, D("7976.00"))]
    nanchang_run = httpx.post(f"{clearing}/v1/clearing/monthly/360100/2026-10", timeout=60).json()
    paid = {l["hospital"]: D(l["fund_due"]) for l in nanchang_run["lines"]}
    assert PROVINCIAL not in paid and paid[PSYCHIATRIC] == D("26400.00")
    assert paid[H1] == emergency_fund_due + D("5000.00")  # the 手工报销 list adds nothing
    # two-level clearing: 360400 remits the bed-day, 省本级 and 优抚 fund payments, not the 手工报销 one
    cross = httpx.post(f"{clearing}/v1/clearing/cross-region/2026-10", timeout=60).json()
    remitted = {r["region"]: D(str(r["fund_payments"])) for r in cross["remittances"]}
    assert remitted == {"360400": D("28000.00") + D("7000.00") + D("5000.00")}
    received = {p["region"]: D(str(p["fund_payments"])) for p in cross["payments"]}
    assert received == {"360100": D("33000.00"), "369900": D("7000.00")}

    # audit: the 省本级 claim is reviewed by 369900's bureau (seed 000 二(一)), not 南昌's; 南昌 still reads it
    audit = chain["audit"].url
    province_level_bureau = tokens.headers(Role.BUREAU, region="369900", user="sbj-auditor-01")
    nanchang_bureau = tokens.headers(Role.BUREAU, region="360100", user="nc-auditor-01")
    his = tokens.headers(Role.HOSPITAL, hospital=PROVINCIAL, user="his-36990000001")

    async def applied():
        answer = httpx.post(f"{audit}/v1/special-cases", headers=his, timeout=5, json={
            "claim_id": claims["provincial"], "reasons": ["多学科会诊"], "documents": ["doc://mdt/prov"]})
        return answer if answer.status_code == 201 else None  # 404 until audit holds the claim

    case = (await wait_until(applied, what="the 省本级 claim in audit")).json()
    assert (case["treat_admdvs"], case["pool_admdvs"], case["period"]) == ("360100", "369900", "2026")
    decision = f"{audit}/v1/special-cases/{case['case_id']}/decision"
    assert httpx.post(decision, json={"decision": "reject", "reasons": ["x"]}, headers=nanchang_bureau,
                      timeout=5).status_code == 403
    rejected = httpx.post(decision, json={"decision": "reject", "reasons": ["常规病例"]}, headers=province_level_bureau,
                          timeout=5)
    assert rejected.status_code == 200 and rejected.json()["history"][-1]["region"] == "369900"
    listed = httpx.get(f"{audit}/v1/special-cases", params={"region": "369900"}, headers=province_level_bureau,
                       timeout=5).json()["items"]
    assert [c["claim_id"] for c in listed] == [claims["provincial"]]
    assert httpx.get(f"{audit}/v1/special-cases/{case['case_id']}", headers=nanchang_bureau, timeout=5).status_code == 200
    # the 季公告 of 369900 counts the hospital's one pool claim (F 7000.00); 南昌's does not list the hospital
    quarter = httpx.get(f"{audit}/v1/special-cases/quarterly", params={"region": "369900", "quarter": "2026-Q2"},
                        headers=province_level_bureau, timeout=5).json()["hospitals"]
    assert [(h["hospital_code"], h["claims"], h["fund"], h["rejected"]) for h in quarter] == [
        (PROVINCIAL, 1, "7000.00", 1)]
    city = httpx.get(f"{audit}/v1/special-cases/quarterly", params={"region": "360100", "quarter": "2026-Q2"},
                     headers=nanchang_bureau, timeout=5).json()["hospitals"]
    assert PROVINCIAL not in [h["hospital_code"] for h in city]


def pool_label(pool: dict) -> str:
    return f"{pool['treat_admdvs']}-{pool['year']}-{pool['payment_method']}-{pool['insutype']}-{pool['origin']}"
