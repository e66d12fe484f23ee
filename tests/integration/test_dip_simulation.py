"""模拟测算 of DIP lists equals the chain (seed 000 二(二)): POST /v1/simulate on the grouper prices a list through
pricing with the grouper's whole outcome, so a severity level and a 中医优势 category count as they do when the
same list travels grouper → pricing on Kafka.

新余 (360500, DIP) of the demo configuration as in test_dip_whole: H36050000001 (C = 1.00) a 重点专科 hospital
worth a 5 % bonus, J96 at severity 2 (× 1.2), and here I63.9:保守 a 中医优势 type at score_ratio 1.1.
Type I63.9:保守: D = 980, mean 9 800; V_p = 9.80. Figures by hand:
- severity: J96.000 secondary, T = 8 000: P = 980 × 1.00 × 1.2 × 1.05 = 1 234.8 -> 12 101.04
  (priced on the type alone it would be 980 × 1.05 = 1 029 -> 10 084.20)
- 中医优势: 中药饮片 1 000 of T = 9 000 (0.1111 >= 0.10): P = 980 × 1.1 × C 1 × 1.05 = 1 131.9 -> 11 092.62
"""
from __future__ import annotations

from decimal import Decimal

import httpx

from yidi_common.events.registry import PAYMENT_PRICED, topic_for
from yidi_grouper.domain.intake import claim_id_for

from .harness import read_topic
from .test_dip_whole import HOSPITAL, a_list, dip_config


def tcm_list() -> dict:
    body = a_list("SIM-TCM", "9000.00", "6000.00", ["I63.900"])
    body["iteminfo"] = [{"med_chrgitm_type": "09", "amt": "8000.00"}, {"med_chrgitm_type": "10", "amt": "1000.00"}]
    return body


LISTS = {"severity": a_list("SIM-SEVERE", "8000.00", "5000.00", ["I63.900", "J96.000"]), "tcm": tcm_list()}
EXPECTED = {"severity": ("12101.04", 2, None), "tcm": ("11092.62", 0, "tcm")}


async def test_a_dip_simulation_pays_what_the_chain_pays(stack_env, start_service, tmp_path):
    config = dip_config(tmp_path)
    with (config / "regions" / "360500-2026.toml").open("a", encoding="utf-8") as f:
        f.write('\n[policy.dip.tcm]\ntypes = ["I63.9:保守"]\nscore_ratio = 1.1\n')
    pricing = start_service("pricing", name="sim-pricing", YIDI_CONFIG_DIR=str(config))
    grouper = start_service("grouper", name="sim-grouper", YIDI_CONFIG_DIR=str(config), PRICING_URL=pricing.url)

    simulated = {}
    async with httpx.AsyncClient(base_url=grouper.url, timeout=30) as client:
        for name, body in LISTS.items():
            answer = await client.post("/v1/simulate", json=body)
            assert answer.status_code == 200, answer.text
            simulated[name] = answer.json()
            assert (await client.post("/v1/settlement-lists", json=body)).status_code == 202
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    priced = {e["subject"]: e["data"] for e in await read_topic(kafka, topic_for(PAYMENT_PRICED), min_count=2,
                                                               timeout=90)}
    for name, body in LISTS.items():
        chain = priced[claim_id_for(HOSPITAL, body["setlinfo"]["setl_id"])]
        payment, severity, category = EXPECTED[name]
        case = simulated[name]
        assert (case["status"], case["payment"], chain["pricing"]["payment"]) == ("priced", payment, payment), name
        assert (case["fund_due"], case["grouping"]["dip_severity"], case["grouping"]["dip_category"]) == (
            chain["pricing"]["fund_due"], severity, category), name
        assert Decimal(case["difference"]) == Decimal(payment) - Decimal(body["iteminfo"][0]["amt"]) - sum(
            Decimal(i["amt"]) for i in body["iteminfo"][1:])
