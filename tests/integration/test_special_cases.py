"""特例单议 on real Kafka and PostgreSQL: a list flagged by its hospital, the treatment region's approval, the
claim's next version priced per item and cleared as a correction; a rejection; a quota refusal; who reads.

Worked by hand. Hospital H36070000002 (赣州 360700, level 3), patient insured in 南昌 360100. The list: J18.900
without complications -> ES35, a base group (C = 1), RW 0.4115, rate 11200 (demo config):
S = 0.4115 × 11200 = 4608.80; L = 0.4, H = 2.0 -> normal for T = 8000.00 (k = 1.7359).
F = 5000.00: version 1 Payment = 4608.80, FundDue = 5000.00 + 4608.80 - 8000.00 = 1608.80.
Approved, version 2 per item: Payment = T = 8000.00, FundDue = F = 5000.00; the next monthly run settles the
difference 5000.00 - 1608.80 = 3391.20 (withheld q = 5 %: 169.56).
Three more claims of the hospital come as priced events (tests/integration/factories.py: F 6000.00, FundDue
5200.00 each), so audit holds 4 claims with Σ F = 5000.00 + 3 × 6000.00 = 23000.00. The hospital's negotiated
quota (audit rules below): 25 % of cases, 50 % of fund per year.
"""
from __future__ import annotations

import shutil
from decimal import Decimal as D

import httpx

from yidi_common.auth import Role
from yidi_common.events.registry import PAYMENT_PRICED, SPECIAL_CASE_DECIDED, topic_for
from yidi_common.settings import REPO_ROOT
from yidi_demo import tokens

from .factories import priced_event
from .harness import produce, read_topic, wait_until

HOSPITAL = "H36070000002"
LIST = {
    "setlinfo": {"setl_id": "SPECIAL-1", "fixmedins_code": HOSPITAL, "psn_no": "P-SPECIAL", "certno": "360100197001010011",
                 "psn_name": "甲", "gend": "1", "brdy": "1970-01-01", "age": 56, "insutype": "310",
                 "insu_admdvs": "360100", "treat_admdvs": "360700", "adm_time": "2026-10-01T08:00:00",
                 "dscg_time": "2026-10-05T08:00:00", "act_ipt_days": 4, "dscg_way": "1", "setl_period": "2026-10",
                 "special_case_review": True},
    "diseinfo": [{"diag_code": "J18.900", "maindiag_flag": True}],
    "iteminfo": [{"med_chrgitm_type": "01", "amt": "800.00"}, {"med_chrgitm_type": "03", "amt": "1200.00"},
                 {"med_chrgitm_type": "04", "amt": "2000.00"}, {"med_chrgitm_type": "09", "amt": "4000.00"}],
    "payinfo": {"funds": [{"fund_pay_type": "310100", "fund_payamt": "5000.00"}], "psn_selfpay": "3000.00"},
}
QUOTA = f"""
[regions.360700.special_cases.hospitals.{HOSPITAL}]
max_case_share = 0.25
max_fund_share = 0.50
"""



async def test_special_cases_from_application_to_the_cleared_difference(start_service, stack_env, tmp_path):
    # tokens signed by this session's issuer: 赣州 treats, 南昌 insures, 九江 neither
    treatment = tokens.headers(Role.BUREAU, region="360700", user="gz-reviewer-03")
    insured = tokens.headers(Role.BUREAU, region="360100", user="nc-reviewer-07")
    elsewhere = tokens.headers(Role.BUREAU, region="360400", user="jj-auditor-02")
    his = tokens.headers(Role.HOSPITAL, hospital=HOSPITAL, user="his-36070000002")
    other_his = tokens.headers(Role.HOSPITAL, hospital="H36070000003", user="his-36070000003")
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    rules = tmp_path / "audit"
    shutil.copytree(REPO_ROOT / "demo" / "audit", rules)
    with (rules / "rules.toml").open("a", encoding="utf-8") as f:
        f.write(QUOTA)
    grouper = start_service("grouper")
    start_service("pricing")  # the chain runs through it; the test reads the others
    audit = start_service("audit", YIDI_AUDIT_RULES=str(rules / "rules.toml"))
    clearing = start_service("clearing")

    others = [priced_event(n, treatment="360700", insured="360100", period="2026-10", origin="all") for n in (1, 2, 3)]
    await produce(kafka, topic_for(PAYMENT_PRICED), [(e.subject.encode(), e.to_bytes()) for e in others])
    posted = httpx.post(f"{grouper.url}/v1/settlement-lists", json=LIST, headers=his, timeout=10)
    assert posted.status_code == 202, posted.text
    claim_id = posted.json()["claim_id"]
    claim_url = f"{grouper.url}/v1/settlement-lists/{claim_id}"

    def reached(stage: str, version: int):
        async def check():
            view = httpx.get(claim_url, headers=his, timeout=5).json()
            return view if (view.get("current_version"), view.get("stage")) == (version, stage) else None
        return check

    first = await wait_until(reached("posted", 1), what="version 1 posted")
    (priced_v1,) = [s["result"] for s in first["timeline"] if s["stage"] == "priced"]
    # the list's own flag is an application, not a price: version 1 is paid by weight
    assert (priced_v1["case_kind"], priced_v1["basis"], priced_v1["payment"], priced_v1["fund_due"]) == (
        "normal", "weight", "4608.80", "1608.80")

    # the flag opened a case in the treatment region's queue; the hospital cannot apply twice for the version
    async def flagged_case():
        items = httpx.get(f"{audit.url}/v1/special-cases", params={"hospital_code": HOSPITAL},
                          headers=treatment, timeout=5).json()["items"]
        return [c for c in items if c["claim_id"] == claim_id] or None

    (case,) = await wait_until(flagged_case, what="the case the list's flag opened")
    assert (case["origin"], case["status"], case["version"], case["history"][0]["role"]) == (
        "hospital-list", "open", 1, "system")
    again = httpx.post(f"{audit.url}/v1/special-cases", json={"claim_id": claim_id, "reasons": ["罕见病"]},
                       headers=his, timeout=5)
    assert again.status_code == 409

    async def caught_up():
        return all(httpx.get(f"{s.url}/v1/ops/progress", timeout=5).json()["consumer_lag"] == 0
                   for s in (audit, clearing))

    await wait_until(caught_up, what="audit and clearing to take the four claims")
    october = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/2026-10", timeout=30).json()
    (line,) = october["lines"]
    # 1608.80 + 3 × 5200.00 = 17208.80
    assert (line["hospital"], line["cases"], D(line["fund_due"])) == (HOSPITAL, 4, D("17208.80"))

    case_url = f"{audit.url}/v1/special-cases/{case['case_id']}"
    assert httpx.post(f"{case_url}/decision", json={"decision": "approve"}, headers=insured,
                      timeout=5).status_code == 403
    approved = httpx.post(f"{case_url}/decision", json={"decision": "approve", "reasons": ["疑难危重, 专家评议通过"]},
                          headers=treatment, timeout=10)
    assert approved.status_code == 200, approved.text
    # 1 of 4 claims = 0.25 <= 0.25; F 5000.00 of 23000.00 = 0.2174 <= 0.50
    quota = approved.json()["quota"]
    assert (quota["claims"], quota["approved_cases"], quota["case_share"], quota["fund"], quota["fund_share"]) == (
        4, 1, "0.2500", "23000.00", "0.2174")

    second = await wait_until(reached("posted", 2), timeout=90, what="the approved version 2 posted")
    (priced_v2,) = [s["result"] for s in second["timeline"] if s["stage"] == "priced" and s["version"] == 2]
    assert (priced_v2["case_kind"], priced_v2["basis"], priced_v2["payment"], priced_v2["fund_due"]) == (
        "special_review", "per_item", "8000.00", "5000.00")
    assert any(case["case_id"] in line for line in priced_v2["explanation"])

    await wait_until(caught_up, what="clearing to take version 2")
    november = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/2026-11", timeout=30).json()
    (line,) = november["lines"]
    # the difference 5000.00 − 1608.80, withheld 5 %: 169.56
    assert (line["cases"], line["corrections"], D(line["fund_due"]), D(line["withheld"])) == (
        1, 1, D("3391.20"), D("169.56"))

    # a rejection, applied for by the hospital
    applied = httpx.post(f"{audit.url}/v1/special-cases", headers=his, timeout=5,
                         json={"claim_id": "claim-00001", "reasons": ["住院时间长"], "documents": ["doc://case/1"]})
    assert applied.status_code == 201, applied.text
    rejected_url = f"{audit.url}/v1/special-cases/{applied.json()['case_id']}"
    no_reason = httpx.post(f"{rejected_url}/decision", json={"decision": "reject"}, headers=treatment, timeout=5)
    assert no_reason.status_code == 422
    rejected = httpx.post(f"{rejected_url}/decision", json={"decision": "reject", "reasons": ["常规病例, 按病组付费"]},
                          headers=treatment, timeout=5)
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"

    # beyond the quota: 2 of 4 claims = 0.50 > 0.25 (fund (5000.00 + 6000.00)/23000.00 = 0.4783 is within)
    third = httpx.post(f"{audit.url}/v1/special-cases", json={"claim_id": "claim-00002", "reasons": ["新技术"]},
                       headers=his, timeout=5).json()
    refused = httpx.post(f"{audit.url}/v1/special-cases/{third['case_id']}/decision", json={"decision": "approve"},
                         headers=treatment, timeout=5)
    assert refused.status_code == 409
    figures = refused.json()["detail"]["quota"]
    assert (figures["approved_cases"], figures["claims"], figures["case_share"], figures["max_case_share"],
            figures["fund_share"]) == (2, 4, "0.5000", "0.25", "0.4783")
    assert "cases 2/4 > 0.25" in refused.json()["detail"]["message"]
    assert httpx.get(f"{audit.url}/v1/special-cases/{third['case_id']}", headers=treatment,
                     timeout=5).json()["status"] == "open"

    # the insured region reads each case and its history; another region and another hospital do not
    seen = httpx.get(case_url, headers=insured, timeout=5).json()
    assert [(h["action"], h["by"], h["role"]) for h in seen["history"]] == [
        ("refer", "system", "system"), ("approve", "gz-reviewer-03", "bureau")]
    assert httpx.get(case_url, headers=elsewhere, timeout=5).status_code == 404
    assert httpx.get(case_url, headers=other_his, timeout=5).status_code == 404
    assert httpx.get(f"{audit.url}/v1/special-cases", headers=elsewhere, timeout=5).json()["items"] == []
    assert len(httpx.get(f"{audit.url}/v1/special-cases", headers=insured, timeout=5).json()["items"]) == 3

    # and sees each decision on Kafka: who by token subject and role, no names
    decisions = await read_topic(kafka, topic_for(SPECIAL_CASE_DECIDED), min_count=2)
    by_case = {d["data"]["case_id"]: d["data"] for d in decisions}
    assert sorted((d["claim_id"], d["decision"]) for d in by_case.values()) == sorted(
        [(claim_id, "approved"), ("claim-00001", "rejected")])
    decided = by_case[case["case_id"]]
    assert (decided["insu_admdvs"], decided["decided_by"], decided["decided_role"], decided["period"]) == (
        "360100", "gz-reviewer-03", "bureau", "2026")
    assert "psn_name" not in str(decisions) and "certno" not in str(decisions)

    # the 季公告 list of the fourth quarter
    report = httpx.get(f"{audit.url}/v1/special-cases/quarterly", params={"region": "360700", "quarter": "2026-Q4"},
                       headers=treatment, timeout=5).json()
    (row,) = report["hospitals"]
    assert (row["claims"], row["applications"], row["referrals"], row["approved"], row["rejected"], row["open"],
            row["case_share"], row["fund_share"], row["within_quota"]) == (
        4, 2, 1, 1, 1, 1, "0.2500", "0.2174", True)
