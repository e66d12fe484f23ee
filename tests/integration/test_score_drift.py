"""AUD-DIP-SCORE-DRIFT on real Kafka and PostgreSQL: priced DIP claims of one hospital stored by audit, the
hospital's pattern read back from audit's stored claims, one flag for the hospital and period.

Worked by hand. Hospital H36050000001 (新余 360500, DIP); rules: the demo's with 360500's minimum lowered to 4
cases. I63.9 (types I63.9:保守 score 980, I63.9:31.0100 score 2500): in 2025 1 of 4 cases in the higher type
(0.25), in 2026-Q1 3 of 4 (0.75), rise 0.50 >= 0.20. J18.9 (J18.9:保守 900, J18.9:33.2400 1500): 2 of 4 both
times, no rise. One flag, subject 360500/H36050000001/2026-Q1, naming I63.9 only.
"""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import httpx

from yidi_common.auth import Role
from yidi_common.events.registry import PAYMENT_PRICED, topic_for
from yidi_common.settings import REPO_ROOT
from yidi_demo import tokens

from .factories import priced_event
from .harness import produce, wait_until

CST = timezone(timedelta(hours=8))
HOSPITAL = "H36050000001"
SCORES = {"I63.9:保守": "980", "I63.9:31.0100": "2500", "J18.9:保守": "900", "J18.9:33.2400": "1500"}


def dip_event(n: int, diagnosis: str, dip_type: str, discharged: datetime):
    event = priced_event(n, insured="360100", treatment="360500", dscg=discharged,
                         adm=discharged - timedelta(days=6), period=f"{discharged:%Y-%m}")
    data = event.data
    data["claim"] |= {"hospital_code": HOSPITAL, "diagnoses": [diagnosis]}
    data["grouping"] = {"payment_method": "DIP", "scheme": "新余 DIP 2026 (demo)", "status": "grouped",
                        "dip_type": dip_type}
    data["pricing"] |= {"weight": SCORES[dip_type], "pool": None}
    return event


async def test_a_hospitals_rising_share_of_higher_score_types_raises_one_flag(start_service, stack_env, tmp_path):
    rules = tmp_path / "audit"
    shutil.copytree(REPO_ROOT / "demo" / "audit", rules)
    with (rules / "rules.toml").open("a", encoding="utf-8") as f:
        f.write("\n[regions.360500.score_drift]\nmin_cases = 4\n")
    audit = start_service("audit", YIDI_AUDIT_RULES=str(rules / "rules.toml"))
    bureau = tokens.headers(Role.BUREAU, region="360500", user="xy-auditor-01")
    elsewhere = tokens.headers(Role.BUREAU, region="360400", user="jj-auditor-02")

    before, now = datetime(2025, 5, 10, 9, tzinfo=CST), datetime(2026, 2, 10, 9, tzinfo=CST)
    mix = [("I63.900", ["I63.9:保守"] * 3 + ["I63.9:31.0100"], before),
           ("I63.900", ["I63.9:保守"] + ["I63.9:31.0100"] * 3, now),
           ("J18.900", ["J18.9:保守", "J18.9:33.2400"] * 2, before),
           ("J18.900", ["J18.9:保守", "J18.9:33.2400"] * 2, now)]
    events = [dip_event(100 + 10 * i + j, diagnosis, dip_type, at + timedelta(hours=j))
              for i, (diagnosis, types, at) in enumerate(mix) for j, dip_type in enumerate(types)]
    await produce(stack_env["KAFKA_BOOTSTRAP_SERVERS"], topic_for(PAYMENT_PRICED),
                  [(e.subject.encode(), e.to_bytes()) for e in events])

    async def drift_flags():
        items = httpx.get(f"{audit.url}/v1/flags", params={"rule_id": "AUD-DIP-SCORE-DRIFT"}, headers=bureau,
                          timeout=5).json()["items"]
        return items or None

    (flag,) = await wait_until(drift_flags, what="the drift flag")
    assert (flag["claim_id"], flag["hospital_code"], flag["treat_admdvs"], D(flag["suspected_amount"])) == (
        "360500/H36050000001/2026-Q1", HOSPITAL, "360500", D("0.00"))
    assert flag["evidence"]["diagnoses"] == [{
        "diagnosis": "I63.9", "lowest_score": "980", "higher_types": ["I63.9:31.0100"],
        "period_cases": 4, "period_higher": 3, "period_share": "0.7500",
        "baseline_cases": 4, "baseline_higher": 1, "baseline_share": "0.2500", "rise": "0.5000"}]
    assert httpx.get(f"{audit.url}/v1/flags", params={"rule_id": "AUD-DIP-SCORE-DRIFT"}, headers=elsewhere,
                     timeout=5).json()["items"] == []
    proposed = httpx.post(f"{audit.url}/v1/flags/{flag['flag_id']}/propose", json={"reason": "专项稽核"},
                          headers=bureau, timeout=5)
    assert proposed.status_code == 200 and proposed.json()["status"] == "proposed"
