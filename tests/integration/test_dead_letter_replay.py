"""Operations replay a dead letter once its cause is fixed: a grouped claim from a hospital pricing does not
know yet is dead-lettered, the hospital is added to the configuration, the replay prices it once."""
from __future__ import annotations

import shutil
from decimal import Decimal

import httpx

from yidi_common.events import new_event
from yidi_common.events.registry import PAYMENT_PRICED, SETTLEMENT_LIST_GROUPED, topic_for
from yidi_common.events.v1 import SettlementListGrouped
from yidi_common.settings import REPO_ROOT

from .factories import priced_event
from .harness import produce, read_topic, wait_until

NEW_HOSPITAL = "H36079999001"


async def test_a_dead_letter_replayed_after_the_fix_is_applied_once(stack_env, start_service, tmp_path):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    config_dir = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "demo" / "config", config_dir)
    pricing = start_service("pricing", YIDI_CONFIG_DIR=str(config_dir), YIDI_CONFIG_POLL_SECONDS="0")
    template = priced_event(1).payload()
    grouped = SettlementListGrouped(claim=template.claim.model_copy(update={"hospital_code": NEW_HOSPITAL}),
                                    grouping=template.grouping)
    event = new_event(type=SETTLEMENT_LIST_GROUPED, source="/tests", subject=grouped.claim.claim_id, payload=grouped,
                      correlationid=grouped.claim.claim_id)
    await produce(kafka, topic_for(SETTLEMENT_LIST_GROUPED),
                  [(event.subject.encode(), event.to_bytes()), (b"poison", b"{not an event")])

    async def dead() -> list[dict] | None:
        items = httpx.get(f"{pricing.url}/v1/ops/dead-letters", timeout=5).json()["items"]
        return items if len(items) == 2 else None

    letters = {d["event_id"]: d for d in await wait_until(dead, what="two dead letters")}
    assert letters[event.id]["error"] == f"PricingError: hospital {NEW_HOSPITAL} is not configured"
    poison, = [d for d in letters.values() if d["event_id"] != event.id]
    assert poison["value"] == "{not an event"

    replay = f"{pricing.url}/v1/ops/dead-letters/{event.id}/replay"
    too_soon = httpx.post(replay, timeout=10)
    assert too_soon.status_code == 409 and "is not configured" in too_soon.json()["detail"]["error"]

    with (config_dir / "hospitals.csv").open("a", encoding="utf-8") as f:
        f.write(f"{NEW_HOSPITAL},新开医院(测试),360700,2,,1.00,0\n")
    assert httpx.post(f"{pricing.url}/v1/config/reload", timeout=10).status_code == 200
    done = httpx.post(replay, timeout=10)
    assert done.status_code == 200 and done.json() == {"event_id": event.id, "status": "replayed"}
    assert httpx.post(replay, timeout=10).status_code == 404

    priced = [p for p in await read_topic(kafka, topic_for(PAYMENT_PRICED), min_count=1)
              if p["subject"] == grouped.claim.claim_id]
    assert len(priced) == 1 and priced[0]["data"]["claim"]["hospital_code"] == NEW_HOSPITAL
    assert Decimal(priced[0]["data"]["pricing"]["payment"]) > 0

    remaining = httpx.get(f"{pricing.url}/v1/ops/dead-letters", timeout=5).json()["items"]
    assert [d["event_id"] for d in remaining] == [poison["event_id"]]
    still = httpx.post(f"{pricing.url}/v1/ops/dead-letters/{poison['event_id']}/replay", timeout=10)
    assert still.status_code == 409 and "JSONDecodeError" in still.json()["detail"]["error"]
