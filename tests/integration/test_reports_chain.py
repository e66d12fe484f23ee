"""Indicators from lists a HIS posts, through grouper, pricing and audit to reports (real Kafka, PostgreSQL).

The expected figures come from the posted lists themselves (costs, self-pay, persons, which lists QC
rejects) and from the grouper's own answer for each claim (grouped or not, its weight), never from reports.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import httpx
import pytest

from yidi_common.auth import Role
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo import tokens
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.intake import claim_id_for

from .harness import drained, wait_until

SERVICES = ("grouper", "pricing", "audit", "reports")
FOUR = Decimal("0.0001")


@pytest.fixture(scope="module")
def chain(start_service):
    return {s: start_service(s, name=f"reports-chain-{s}", REPORTS_SCHEDULE_SECONDS="0") for s in SERVICES}


@pytest.fixture(scope="module")
def workload():
    from yidi_common.settings import get_settings

    config = load_config(REPO_ROOT / "demo" / "config")
    engine = GroupingEngine.from_settings(get_settings())
    return generate(config, engine.scheme, count=60, seed=11, codes=engine.codes, error_share=0, qc_share=0.1,
                    duplicate_share=0, correction_share=0, violation_share=0)


def _ratio(a, b) -> str:
    return str((Decimal(a) / Decimal(b)).quantize(FOUR, rounding=ROUND_HALF_UP))


async def test_region_indicators_match_the_posted_lists(chain, workload):
    grouper, reports = chain["grouper"].url, chain["reports"].url
    async with httpx.AsyncClient(base_url=grouper, timeout=30) as client:
        answers = await asyncio.gather(*[client.post("/v1/settlement-lists", json=sl) for sl in workload.lists])
        assert {a.status_code for a in answers} == {202}
        await wait_until(lambda: drained(chain, settled=frozenset({"priced", "rejected"})), timeout=180, what="the lists to be priced or rejected")
        views = {}
        for sl in workload.lists:
            info = sl["setlinfo"]
            claim_id = claim_id_for(info["fixmedins_code"], info["setl_id"])
            views[claim_id] = (await client.get(f"/v1/settlement-lists/{claim_id}")).json()

    expected: dict[tuple[str, str], dict] = defaultdict(lambda: {"lists": 0, "cases": 0, "persons": set(), "total": Decimal(0),
                                                                 "ownpay": Decimal(0), "grouped": 0, "weights": []})
    for sl in workload.lists:
        info = sl["setlinfo"]
        if info["cross_province"] or info["insu_admdvs"][:2] != info["treat_admdvs"][:2]:
            continue
        unit = expected[(info["treat_admdvs"], "local" if info["insu_admdvs"] == info["treat_admdvs"] else "cross")]
        unit["lists"] += 1
        view = views[claim_id_for(info["fixmedins_code"], info["setl_id"])]
        if view["stage"] == "rejected":
            continue
        unit["cases"] += 1
        unit["persons"].add(info["psn_no"])
        unit["total"] += sum(Decimal(i["amt"]) for i in sl["iteminfo"])
        unit["ownpay"] += Decimal(sl["payinfo"].get("psn_ownpay", "0"))
        grouping, pricing = _stage(view, "grouped"), _stage(view, "priced")
        if grouping.get("status") == "grouped":
            unit["grouped"] += 1
            if pricing.get("weight") is not None:
                unit["weights"].append(Decimal(pricing["weight"]) / (1000 if grouping.get("payment_method") == "DIP" else 1))
    assert sum(u["lists"] - u["cases"] for u in expected.values()) == workload.expected["qc_failures"] > 0

    answer = httpx.get(f"{reports}/v1/indicators", params={"level": "region", "period": "2026-10"},
                       headers=tokens.headers(Role.PROVINCE), timeout=30)
    rows = {(r["region"], r["origin"]): r for r in answer.json()["items"]}
    assert set(rows) == set(expected)
    for key, unit in expected.items():
        row = rows[key]
        assert (row["cases"], row["persons"]) == (unit["cases"], len(unit["persons"])), key
        assert row["avg_cost"] == str((unit["total"] / unit["cases"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)), key
        assert row["person_time_ratio"] == _ratio(unit["cases"], len(unit["persons"])), key
        assert row["grouping_rate"] == _ratio(unit["grouped"], unit["lists"]), key
        assert row["self_pay_share"] == _ratio(unit["ownpay"], unit["total"]), key
        if unit["weights"]:
            assert row["cmi"] == _ratio(sum(unit["weights"]), len(unit["weights"])), key


def _stage(view: dict, name: str) -> dict:
    """The grouper's result of a stage of the claim's current version."""
    steps = [t for t in view["timeline"] if t["stage"] == name and t["version"] == view["current_version"]]
    return steps[-1]["result"] if steps else {}
