"""The soak's and the bench's own instruments: what a webhook receiver counts, and which bureaus an event
concerns when the soak checks the subscribers (worked from the events, not by the subscriptions service)."""
import asyncio

import httpx
import orjson

from yidi_demo.receivers import Receivers, events_of
from yidi_demo.soak import regions_of


def test_a_receiver_reads_every_cloudevents_content_mode():
    binary = events_of({"ce-id": "e1", "ce-type": "payment.priced", "ce-time": "2026-10-01T08:00:00+00:00"}, b"{}")
    structured = events_of({}, orjson.dumps({"id": "e2", "type": "ledger.posted", "time": "2026-10-01T08:00:01Z"}))
    batch = events_of({}, orjson.dumps([{"id": "e3", "type": "a"}, {"id": "e4", "type": "b"}]))
    assert binary == [("e1", "payment.priced", "2026-10-01T08:00:00+00:00")]
    assert structured == [("e2", "ledger.posted", "2026-10-01T08:00:01Z")]
    assert batch == [("e3", "a", None), ("e4", "b", None)]


async def test_a_receiver_counts_each_event_once_and_can_be_down():
    receivers = await Receivers(["360100"]).start()
    try:
        receivers.failing["360100"] = 1
        async with httpx.AsyncClient() as client:
            event = {"id": "e1", "type": "payment.priced", "time": "2026-10-01T08:00:00Z"}
            down = await client.post(receivers.url("360100"), json=event)
            ok = [await client.post(receivers.url("360100"), json=event) for _ in range(2)]
            unknown = await client.post(receivers.url("nobody"), json=event)
        inbox = receivers.inboxes["360100"]
        assert (down.status_code, [a.status_code for a in ok], unknown.status_code) == (503, [204, 204], 404)
        assert (list(inbox.first_seen), inbox.deliveries, inbox.duplicates) == (["e1"], 2, 1)
        assert len(inbox.delays) == 1 and inbox.delays[0] > 0
    finally:
        await receivers.stop()


def test_an_events_regions_are_its_claims_treatment_and_insured_regions():
    priced = {"type": "payment.priced", "data": {"claim": {"treat_admdvs": "360100", "insu_admdvs": "360700"}}}
    submitted = {"type": "settlement-list.submitted",
                 "data": {"settlement_list": {"setlinfo": {"treat_admdvs": "360200", "insu_admdvs": "360200"}}}}
    alert = {"type": "budget.alert", "data": {"region": "360300"}}
    assert regions_of(priced) == {"360100", "360700"}
    assert regions_of(submitted) == {"360200"}
    assert regions_of(alert) == {"360300"}
