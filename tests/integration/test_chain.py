"""The whole chain on real Kafka and PostgreSQL: HIS intake → grouper → pricing → budget, audit → clearing.

Amounts are checked against what the posted lists themselves say, independently of the services.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from decimal import Decimal

import httpx
import pytest

from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.intake import claim_id_for

from .harness import drained, wait_until

SERVICES = ("grouper", "pricing", "budget", "audit", "clearing")


@pytest.fixture(scope="module")
def chain(start_service):
    return {s: start_service(s, name=f"chain-{s}") for s in SERVICES}


@pytest.fixture(scope="module")
def workload():
    from yidi_common.settings import get_settings

    config = load_config(REPO_ROOT / "demo" / "config")
    engine = GroupingEngine.from_settings(get_settings())
    return generate(config, engine.scheme, count=240, seed=7, codes=engine.codes, error_share=0.03, qc_share=0.03, duplicate_share=0.05,
                    correction_share=0.05)


def _expected_remittances(lists: list[dict]) -> dict[str, Decimal]:
    """Σ fund payments (every fund type, per item) of valid cross-region lists, per insured region."""
    owed: dict[str, Decimal] = defaultdict(Decimal)
    for sl in lists:
        info = sl["setlinfo"]
        if info["insu_admdvs"] != info["treat_admdvs"] and not info["cross_province"]:
            owed[info["insu_admdvs"]] += sum(Decimal(f["fund_payamt"]) for f in sl["payinfo"]["funds"])
    return owed


async def _post(client: httpx.AsyncClient, path: str, body: dict) -> httpx.Response:
    return await client.post(path, json=body)


async def test_lists_travel_the_chain_and_end_balanced_in_the_ledger(chain, workload):
    grouper, clearing = chain["grouper"].url, chain["clearing"].url
    async with httpx.AsyncClient(base_url=grouper, timeout=30) as client:
        answers = await asyncio.gather(*[_post(client, "/v1/settlement-lists", sl) for sl in workload.lists])
        statuses = [a.status_code for a in answers]
        assert statuses.count(422) == workload.expected["malformed"]
        assert statuses.count(202) == len(workload.lists) - workload.expected["malformed"]
        malformed = next(a.json() for a in answers if a.status_code == 422)
        assert {p["field"] for p in malformed["problems"]} >= {"setlinfo.insu_admdvs", "diseinfo"}

        # a repeated post answers the same claim and version and creates nothing
        first_valid = next(sl for sl, a in zip(workload.lists, answers) if a.status_code == 202)
        again = await _post(client, "/v1/settlement-lists", first_valid)
        assert again.status_code == 202 and again.json()["status"] == "already accepted"
        # the same list id with other content is a conflict, unless sent as a correction
        altered = {**first_valid, "setlinfo": {**first_valid["setlinfo"], "psn_name": "改名"}}
        conflict = await _post(client, "/v1/settlement-lists", altered)
        assert conflict.status_code == 409

        await wait_until(lambda: drained(chain), timeout=180, what="the chain to drain")
        fixes = [(claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]), sl)
                 for _, sl in workload.corrections]
        fixed = await asyncio.gather(*[_post(client, f"/v1/settlement-lists/{cid}/corrections", sl) for cid, sl in fixes])
        assert [f.json()["version"] for f in fixed] == [2] * len(fixes)
        await wait_until(lambda: drained(chain), timeout=180, what="the corrections to drain")

        counts = (await client.get("/v1/settlement-lists", params={"limit": 1})).json()["stage_counts"]
        valid_claims = workload.expected["valid"]
        assert counts == {"posted": valid_claims}, counts  # every QC failure was corrected and went through

        qc_fixes = [cid for (index, fixed), (cid, _) in zip(workload.corrections, fixes)
                    if workload.lists[index]["iteminfo"] != fixed["iteminfo"]]
        assert len(qc_fixes) == workload.expected["qc_failures"] > 0
        for rejected_once in qc_fixes[:3]:
            view = (await client.get(f"/v1/settlement-lists/{rejected_once}")).json()
            stages = [(s["version"], s["stage"]) for s in view["timeline"]]
            assert (1, "rejected") in stages and (2, "posted") in stages
            problems = next(s["result"]["problems"] for s in view["timeline"] if s["stage"] == "rejected")
            assert problems and all({"field", "rule", "message"} <= set(p) for p in problems)

    async with httpx.AsyncClient(base_url=clearing, timeout=30) as client:
        tb = (await client.get("/v1/ledger/trial-balance")).json()
        assert tb["difference"] == "0.00"
        balances = {a["account"]: Decimal(a["balance"]) for a in (await client.get("/v1/ledger/accounts")).json()["accounts"]}

    final_lists = {}
    for sl in workload.lists:
        key = (sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"])
        final_lists.setdefault(key, sl)
    for _, sl in workload.corrections:
        final_lists[(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"])] = sl
    valid = [sl for sl in final_lists.values() if sl["diseinfo"]]
    expected = _expected_remittances(valid)
    assert expected, "the workload has cross-region claims"
    for region, amount in expected.items():
        assert balances[f"{region}:payable-to-province"] == -amount, region
        assert balances[f"province:receivable:{region}"] == amount, region
    assert sum(v for k, v in balances.items() if k.startswith("province:payable:")) == -sum(expected.values())


async def test_services_killed_mid_stream_apply_every_claim_exactly_once(chain, workload):
    """Pricing and clearing die with SIGKILL while lists flow; after restarts the ledger matches the lists."""
    from yidi_common.settings import get_settings

    engine = GroupingEngine.from_settings(get_settings())
    config = load_config(REPO_ROOT / "demo" / "config")
    lists = generate(config, engine.scheme, count=400, seed=99, codes=engine.codes, error_share=0, qc_share=0,
                     duplicate_share=0, correction_share=0, id_prefix="KILL").lists
    async with httpx.AsyncClient(base_url=chain["grouper"].url, timeout=30) as client:
        before = (await client.get(f"{chain['clearing'].url}/v1/ledger/accounts")).json()["accounts"]
        posting = asyncio.gather(*[_post(client, "/v1/settlement-lists", sl) for sl in lists])
        await asyncio.sleep(1.0)
        chain["pricing"].kill()
        await asyncio.sleep(1.0)
        chain["clearing"].kill()
        answers = await posting
        assert [a.status_code for a in answers] == [202] * len(lists)
        chain["pricing"].start()
        chain["clearing"].start()
        await wait_until(lambda: drained(chain), timeout=240, what="the chain to drain after the kills")

    before_balances = {a["account"]: Decimal(a["balance"]) for a in before}
    async with httpx.AsyncClient(base_url=chain["clearing"].url, timeout=30) as client:
        after = {a["account"]: Decimal(a["balance"]) for a in (await client.get("/v1/ledger/accounts")).json()["accounts"]}
        assert (await client.get("/v1/ledger/trial-balance")).json()["difference"] == "0.00"
    for region, amount in _expected_remittances(lists).items():
        account = f"{region}:payable-to-province"
        assert after[account] - before_balances.get(account, Decimal(0)) == -amount, region


async def test_annual_clearing_publishes_final_rates_to_the_budget_view(chain):
    clearing, budget = chain["clearing"].url, chain["budget"].url
    async with httpx.AsyncClient(timeout=60) as client:
        statement = (await client.post(f"{clearing}/v1/clearing/annual/360100/2026")).json()
        again = (await client.post(f"{clearing}/v1/clearing/annual/360100/2026")).json()
        assert statement["ran"] is True and again["ran"] is False and again["pools"] == statement["pools"]
        expected = {p["pool"]: p["final_rate"] for p in statement["pools"]}
        assert any(rate is not None for rate in expected.values())
        for pool in statement["pools"]:
            # Σ FundDue at the final rate is the distributable amount but for the residue posted to the reserve
            assert Decimal(pool["fund_due_final"]) + Decimal(pool["residue"]) == Decimal(pool["distributable"])

        async def budget_view():
            pools = (await client.get(f"{budget}/v1/pools/360100/2026")).json()["pools"]
            shown = {p["pool"]: p["final_rate"] for p in pools if p["pool"] in expected}
            return shown if shown == expected else None

        await wait_until(budget_view, timeout=60, what="final rates in the budget view")

        # a region-year without configuration has no pools to show and no clearing to run: a stored run
        # is final, and an empty one would stand even after the region was configured
        assert (await client.get(f"{budget}/v1/pools/360100/2031")).status_code == 404
        for run in ("monthly/360100/2031-01", "annual/360100/2031"):
            assert (await client.post(f"{clearing}/v1/clearing/{run}")).status_code == 404
            assert (await client.get(f"{clearing}/v1/clearing/{run}")).status_code == 404


async def test_seeded_violations_are_flagged_once_and_clean_lists_never(chain):
    from yidi_common.settings import get_settings

    engine = GroupingEngine.from_settings(get_settings())
    config = load_config(REPO_ROOT / "demo" / "config")
    w = generate(config, engine.scheme, count=400, seed=5, codes=engine.codes, violation_share=0.03, error_share=0,
                 qc_share=0.02, duplicate_share=0, correction_share=0, id_prefix="AUD")
    assert set(w.seeded.values()) == {"AUD-SPLIT-ADMISSION", "AUD-SELF-PAY", "AUD-COST-SHIFT", "AUD-LOW-ADMISSION",
                                      "AUD-QC-SYMPTOM-PRINCIPAL", "AUD-UPCODING", "AUD-EARLY-DISCHARGE"}
    claim_of = {claim_id_for(*key): key for key in
                {(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]) for sl in w.lists}}
    async with httpx.AsyncClient(base_url=chain["grouper"].url, timeout=30) as client:
        answers = await asyncio.gather(*[_post(client, "/v1/settlement-lists", sl) for sl in w.lists])
        assert {a.status_code for a in answers} == {202}
        await wait_until(lambda: drained(chain), timeout=180, what="the chain to drain")
        fixes = [(claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]), sl) for _, sl in w.corrections]
        await asyncio.gather(*[_post(client, f"/v1/settlement-lists/{cid}/corrections", sl) for cid, sl in fixes])
        await wait_until(lambda: drained(chain), timeout=180, what="the corrections to drain")
        flags = (await client.get(f"{chain['audit'].url}/v1/flags", params={"limit": 1000})).json()["items"]
    flagged = sorted((claim_of[f["claim_id"]], f["rule_id"]) for f in flags if f["claim_id"] in claim_of)
    missing = sorted(set(w.seeded.items()) - set(flagged))
    extra = sorted(set(flagged) - set(w.seeded.items()))
    assert not missing and not extra, f"missing {missing}, extra {extra}"


async def test_every_service_serves_and_reloads_the_configuration_it_works_by(chain):
    async with httpx.AsyncClient(timeout=30) as client:
        versions = {svc: (await client.get(f"{chain[svc].url}/v1/config")).json()["version"]
                    for svc in ("grouper", "pricing", "budget", "clearing")}
        reloaded = await client.post(f"{chain['budget'].url}/v1/config/reload")
    assert versions == dict.fromkeys(versions, "demo-2026.1")
    assert (reloaded.status_code, reloaded.json()) == (200, {"version": "demo-2026.1"})
