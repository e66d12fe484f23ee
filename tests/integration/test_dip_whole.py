"""DIP whole on real Kafka and PostgreSQL (issue 13 item 4): a 分值加成, a case above the special-review
multiple referred instead of paid as an open high outlier, and a severity-raised score without cost
support flagged by audit's up-coding rule.

新余 (360500, DIP) of the demo configuration, with H36050000001 (C = 1.00) a 重点专科 hospital worth a 5 %
bonus and J96 listed at severity 2 (× 1.2). Type I63.9:保守: D = 980, mean 9 800; V_p = 9.80 (310).
Figures by hand:
- normal, T = 9 000: P = 980 × 1.00 × 1.05 = 1 029 -> Payment 10 084.20
- T = 60 000 > 5 × 9 800: referred, paid at the capped multiple 5 − 2 + 1 = 4:
  P = 980 × 4 × 1.05 = 4 116 -> 40 336.80
- J96.000 secondary, T = 8 000 (0.8163 × mean): P = 980 × 1.2 × 1.05 = 1 234.8 -> 12 101.04; without the
  severity 12 101.04 / 1.2 = 10 084.20; F = 5 000: due 9 101.04 vs 7 084.20, suspected 2 016.84
"""
from __future__ import annotations

import copy
import csv
import shutil
from decimal import Decimal

import httpx

from yidi_common.events.registry import AUDIT_FLAG_RAISED, PAYMENT_PRICED, topic_for
from yidi_common.settings import REPO_ROOT
from yidi_common.settlement_list import EXAMPLE
from yidi_grouper.domain.intake import claim_id_for

from .harness import read_topic, wait_until

HOSPITAL = "H36050000001"


def dip_config(tmp_path):
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "demo" / "config", config_dir)
    hospitals = config_dir / "hospitals.csv"
    with hospitals.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with hospitals.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*rows[0], "categories"])
        writer.writeheader()
        writer.writerows({**row, "categories": "重点专科" if row["code"] == HOSPITAL else ""} for row in rows)
    with (config_dir / "regions" / "360500-2026.toml").open("a", encoding="utf-8") as f:
        f.write('\n[policy.dip.bonuses]\n"重点专科" = 0.05\n\n[policy.dip.severity.diagnoses]\n"J96" = 2\n')
    return config_dir


def a_list(setl_id: str, total: str, fund: str, diagnoses: list[str]) -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(setl_id=setl_id, fixmedins_code=HOSPITAL, treat_admdvs="360500", insu_admdvs="360100",
                            psn_no=f"P-{setl_id}")
    body["diseinfo"] = [{"diag_code": code, "maindiag_flag": i == 0} for i, code in enumerate(diagnoses)]
    body["iteminfo"] = [{"med_chrgitm_type": "09", "amt": total}]
    body["payinfo"] = {"funds": [{"fund_pay_type": "310100", "fund_payamt": fund}],
                       "psn_selfpay": str(Decimal(total) - Decimal(fund))}
    return body


LISTS = {
    "bonus": a_list("DIP-BONUS", "9000.00", "6000.00", ["I63.900"]),
    "referred": a_list("DIP-REFER", "60000.00", "40000.00", ["I63.900"]),
    "severity": a_list("DIP-SEVERE", "8000.00", "5000.00", ["I63.900", "J96.000"]),
}
IDS = {name: claim_id_for(HOSPITAL, body["setlinfo"]["setl_id"]) for name, body in LISTS.items()}


async def test_bonus_referral_and_dip_upcoding_travel_the_chain(stack_env, start_service, tmp_path):
    config = str(dip_config(tmp_path))
    grouper = start_service("grouper", name="dip-grouper", YIDI_CONFIG_DIR=config)
    start_service("pricing", name="dip-pricing", YIDI_CONFIG_DIR=config)
    start_service("audit", name="dip-audit", YIDI_CONFIG_DIR=config)
    async with httpx.AsyncClient(base_url=grouper.url, timeout=30) as client:
        for body in LISTS.values():
            answer = await client.post("/v1/settlement-lists", json=body)
            assert answer.status_code == 202, answer.text
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    priced = {e["subject"]: e["data"] for e in await read_topic(kafka, topic_for(PAYMENT_PRICED), min_count=3, timeout=90)}
    assert set(IDS.values()) <= set(priced)

    bonus = priced[IDS["bonus"]]
    assert bonus["grouping"]["dip_type"] == "I63.9:保守"
    assert (bonus["pricing"]["case_kind"], bonus["pricing"]["payment"], bonus["pricing"]["score_bonus"]) == (
        "normal", "10084.20", "0.05")
    assert bonus["pricing"]["special_review"] is None
    assert "分值加成 重点专科: points × (1 + 0.05)" in bonus["pricing"]["explanation"]

    referred = priced[IDS["referred"]]["pricing"]
    assert (referred["special_review"], referred["case_kind"], referred["payment"]) == (
        "dip-above-multiple", "high_outlier", "40336.80")

    severe = priced[IDS["severity"]]
    assert (severe["grouping"]["dip_severity"], severe["grouping"]["complications"]) == (2, ["J96.000"])
    assert (severe["pricing"]["payment"], severe["pricing"]["severity_coefficient"]) == ("12101.04", "1.2")

    async def upcoding_flags() -> list[dict]:
        flags = await read_topic(kafka, topic_for(AUDIT_FLAG_RAISED), timeout=5)
        return [f["data"] for f in flags if f["data"]["rule_id"] == "AUD-UPCODING"]

    upcoding = await wait_until(upcoding_flags, timeout=90, what="the DIP up-coding flag")
    assert [(f["claim_id"], f["suspected_amount"], f["evidence"]["scheme"]) for f in upcoding] == [
        (IDS["severity"], "2016.84", "DIP")]
