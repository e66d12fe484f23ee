"""The soak's own instruments: its webhook receiver (signatures checked, each event counted once) and the
scope it expects each subscriber to get, worked by hand here from the lists posted."""
import time
from datetime import datetime, timezone

import httpx
import orjson
from standardwebhooks import Webhook

from yidi_common.auth import Role
from yidi_demo.receivers import Receivers
from yidi_demo.soak import Subscriber, in_scope, subscribers_for

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # any base64 key


def _delivery(sent: dict | list, secret: str = SECRET) -> tuple[bytes, dict]:
    body = orjson.dumps(sent)
    message_id = sent["id"] if isinstance(sent, dict) else "batch_1_2_2"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    signature = Webhook(secret).sign(message_id, now, body.decode())
    return body, {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature}


async def test_a_receiver_counts_each_signed_event_once_alone_or_batched_and_refuses_a_bad_signature():
    receivers = await Receivers(["bureau-360100"]).start()
    try:
        event = {"id": "e1", "type": "payment.priced", "position": 7, "data": {}}
        async with httpx.AsyncClient() as client:
            body, headers = _delivery(event)
            too_early = await client.post(receivers.url("bureau-360100"), content=body, headers=headers)
            receivers.expect("bureau-360100", SECRET)
            ok = [(await client.post(receivers.url("bureau-360100"), content=body, headers=headers)).status_code
                  for _ in range(2)]
            forged_body, forged_headers = _delivery({**event, "id": "e2"}, "whsec_" + "A" * 32)
            forged = await client.post(receivers.url("bureau-360100"), content=forged_body, headers=forged_headers)
            batch_body, batch_headers = _delivery([{**event, "id": "e3", "position": 8}, {**event, "position": 7}])
            batch = await client.post(receivers.url("bureau-360100"), content=batch_body, headers=batch_headers)
            unknown = await client.post(receivers.url("nobody"), content=body, headers=headers)
            an_hour_ago = datetime.fromtimestamp(time.time() - 3600, timezone.utc).isoformat()
            timed_body, timed_headers = _delivery({**event, "id": "e4", "position": 9, "time": an_hour_ago})
            await client.post(receivers.url("bureau-360100"), content=timed_body, headers=timed_headers)
        inbox = receivers.inboxes["bureau-360100"]
        assert (too_early.status_code, ok, forged.status_code, batch.status_code, unknown.status_code) == (
            503, [204, 204], 401, 204, 404)
        assert (inbox.positions, inbox.deliveries, inbox.duplicates, inbox.bad_signatures) == (
            {"e1": 7, "e3": 8, "e4": 9}, 5, 2, 1)
        assert len(inbox.delays) == 1 and 3600 <= inbox.delays[0] < 3660  # only e4 carried a time
    finally:
        await receivers.stop()


CLAIMS = {  # claim id -> setlinfo, as posted
    "C-cross": {"treat_admdvs": "360100", "insu_admdvs": "360700", "fixmedins_code": "H1"},
    "C-local": {"treat_admdvs": "360200", "insu_admdvs": "360200", "fixmedins_code": "H2"},
}
BUREAU_100, BUREAU_700, BUREAU_200 = (Subscriber(f"bureau-{r}", Role.BUREAU, region=r) for r in ("360100", "360700", "360200"))
PROVINCE, HOSPITAL_1 = Subscriber("province", Role.PROVINCE), Subscriber("hospital-H1", Role.HOSPITAL, hospital="H1")
EVERYONE = (BUREAU_100, BUREAU_700, BUREAU_200, PROVINCE, HOSPITAL_1)


def _who(event: dict) -> set[str]:
    return {s.name for s in EVERYONE if in_scope(s, event, CLAIMS)}


def test_a_cross_region_claims_events_go_to_both_bureaus_and_its_outcomes_to_its_hospital():
    submitted = {"type": "settlement-list.submitted", "data": {"claim_id": "C-cross", "settlement_list": {}}}
    priced = {"type": "payment.priced", "data": {"claim": {"claim_id": "C-cross"}}}
    posted = {"type": "ledger.posted", "data": {"claim_id": "C-cross", "lines": [
        {"account": "360700:cross-region-medical-expense"}, {"account": "province:settlement-clearing:360100"}]}}
    flag = {"type": "audit-flag.raised", "data": {"claim_id": "C-cross"}}
    assert _who(submitted) == _who(posted) == _who(flag) == {"bureau-360100", "bureau-360700", "province"}
    assert _who(priced) == {"bureau-360100", "bureau-360700", "province", "hospital-H1"}


def test_a_ledger_entry_goes_to_the_regions_its_lines_book_to_and_without_lines_only_to_the_province():
    local = {"type": "ledger.posted", "data": {"claim_id": "C-local", "lines": [{"account": "360200:fund-payable"}]}}
    nothing_to_book = {"type": "ledger.posted", "data": {"claim_id": "C-cross", "lines": []}}
    assert _who(local) == {"bureau-360200", "province"}
    assert _who(nothing_to_book) == {"province"}


def test_a_local_claim_reaches_its_own_bureau_and_no_other_hospital():
    grouped = {"type": "settlement-list.grouped", "data": {"claim": {"claim_id": "C-local"}}}
    assert _who(grouped) == {"bureau-360200", "province"}


def test_an_objection_goes_to_the_treatment_region_and_its_hospital_and_an_alert_to_its_region():
    objection = {"type": "objection.decided", "data": {"claim_id": "C-cross"}}
    alert = {"type": "budget.alert", "data": {"region": "360700"}}
    assert _who(objection) == {"bureau-360100", "province", "hospital-H1"}
    assert _who(alert) == {"bureau-360700", "province"}


def test_the_subscribers_are_each_involved_regions_bureau_the_province_and_the_busiest_hospital():
    lists = [{"setlinfo": {"treat_admdvs": t, "insu_admdvs": i, "fixmedins_code": h}}
             for t, i, h in [("360100", "360700", "H1"), ("360100", "110000", "H1"), ("360200", "360200", "H2")]]
    names = [s.name for s in subscribers_for(lists, {"360100", "360200", "360300", "360700"})]
    assert names == ["bureau-360100", "bureau-360200", "bureau-360700", "province", "hospital-H1"]
