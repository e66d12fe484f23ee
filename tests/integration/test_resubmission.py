"""A list rejected for a gap in the bureau's configuration is sent again unchanged, as a correction, once
the gap is filled: it is checked anew as the next version and goes on; sending it again changes nothing."""
from __future__ import annotations

import copy
import shutil

import httpx

from yidi_common.settings import REPO_ROOT
from yidi_common.settlement_list import EXAMPLE

from .harness import wait_until

NEW_HOSPITAL = "H36079999002"


async def test_a_list_rejected_for_the_configuration_goes_on_when_resent_after_the_fix(start_service, tmp_path):
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "demo" / "config", config_dir)
    grouper = start_service("grouper", YIDI_CONFIG_DIR=str(config_dir), YIDI_CONFIG_POLL_SECONDS="0")
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"] |= {"fixmedins_code": NEW_HOSPITAL, "treat_admdvs": "360700", "setl_id": "RESUBMIT-1"}
    first = httpx.post(f"{grouper.url}/v1/settlement-lists", json=body, timeout=10).json()
    claim = f"{grouper.url}/v1/settlement-lists/{first['claim_id']}"

    def stage_is(stage: str, version: int):
        async def check():
            view = httpx.get(claim, timeout=5).json()
            return view if (view["stage"], view["current_version"]) == (stage, version) else None
        return check

    rejected = await wait_until(stage_is("rejected", 1), what="the rejection")
    problems = [s["result"]["problems"] for s in rejected["timeline"] if s["stage"] == "rejected"][0]
    assert [p["rule"] for p in problems] == ["QC-HOSPITAL-UNKNOWN"]
    unchanged = httpx.post(f"{grouper.url}/v1/settlement-lists", json=body, timeout=10).json()
    assert (unchanged["version"], unchanged["status"]) == (1, "already accepted")

    with (config_dir / "hospitals.csv").open("a", encoding="utf-8") as f:
        f.write(f"{NEW_HOSPITAL},新开医院(测试),360700,2,,1.00,0\n")
    assert httpx.post(f"{grouper.url}/v1/config/reload", timeout=10).status_code == 200
    resent = httpx.post(f"{claim}/corrections", json=body, timeout=10)
    assert resent.status_code == 202 and (resent.json()["version"], resent.json()["status"]) == (2, "accepted")
    await wait_until(stage_is("grouped", 2), what="version 2 grouped")
    again = httpx.post(f"{claim}/corrections", json=body, timeout=10).json()
    assert (again["version"], again["status"]) == (2, "already accepted")
