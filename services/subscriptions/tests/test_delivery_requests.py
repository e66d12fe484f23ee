"""How due deliveries become webhook requests: alone (structured mode) or batched per subscription, in log
order, signed over the exact body (verified by the independent `standardwebhooks` library)."""
from datetime import datetime, timezone

import orjson
from standardwebhooks import Webhook

from yidi_subscriptions.domain.scope import Concerns, Scope
from yidi_subscriptions.domain.signing import secret_of
from yidi_subscriptions.service_layer.delivery import requests_of, webhook_request
from yidi_subscriptions.service_layer.repository import DueDelivery, LoggedEvent, Subscription

SECRET = secret_of(b"k" * 32)
AT = datetime(2026, 12, 1, tzinfo=timezone.utc)


def subscription(sid: str, batch_size: int) -> Subscription:
    return Subscription(sid, Scope("bureau", "360100", None), "u", "http://x/hook", ("payment.priced",), "active",
                        0, AT, batch_size)


def due(delivery_id: int, position: int, sub: Subscription, claim: str | None = None) -> DueDelivery:
    body = orjson.dumps({"specversion": "1.0", "id": f"e{position}", "type": "payment.priced", "data": {}})
    event = LoggedEvent(position, "payment.priced", claim or f"C{position}", AT, Concerns(frozenset({"360100"})), body)
    return DueDelivery(delivery_id, sub, 0, event, (SECRET,))


def test_requests_per_subscription_in_log_order_up_to_the_batch_size():
    batched, single = subscription("sub_b", 2), subscription("sub_s", 1)
    dues = [due(11, 7, batched), due(10, 5, batched), due(12, 9, batched), due(13, 6, single), due(14, 8, single)]
    assert [[d.id for d in r] for r in requests_of(dues)] == [[10, 11], [12], [13], [14]]


def test_a_claims_deliveries_stay_in_one_request_in_order():
    batched = subscription("sub_b", 3)
    dues = [due(21, 2, batched, "Y"), due(20, 1, batched, "X"), due(23, 4, batched, "X"), due(22, 3, batched, "Y")]
    # X's two and Y's two do not fit in one request of 3: X's go together, then Y's, never one of each split
    assert [[d.id for d in r] for r in requests_of(dues)] == [[20, 23], [21, 22]]


def test_a_batch_is_a_json_array_of_events_signed_as_sent(webhook_clock):
    batched = subscription("sub_b", 50)
    body, headers = webhook_request([due(10, 5, batched), due(11, 7, batched)], 1764547200)
    assert headers["content-type"] == "application/cloudevents-batch+json"
    assert headers["webhook-id"] == "batch_10_2_11"
    webhook_clock(1764547200)
    assert [(e["id"], e["position"]) for e in Webhook(SECRET).verify(body, headers)] == [("e5", 5), ("e7", 7)]


def test_one_delivery_is_the_event_itself():
    body, headers = webhook_request([due(10, 5, subscription("sub_b", 50))], 1764547200)
    assert headers["content-type"] == "application/cloudevents+json"
    assert headers["webhook-id"] == "e5"
    assert orjson.loads(body)["position"] == 5


def test_a_lease_takes_each_queue_from_its_head_without_gaps():
    from collections import namedtuple

    from yidi_subscriptions.adapters.repository import _queue_prefixes

    Row = namedtuple("Row", "id subscription_id ordering_key")
    places = {1: 1, 5: 2, 8: 3, 9: 4, 4: 1, 6: 2, 7: 1}
    locked = [Row(1, "s", "A"), Row(5, "s", "A"), Row(9, "s", "A"),  # A's third (8) locked by another replica
              Row(6, "s", "B"),  # B's head (4) locked by another replica: nothing of B
              Row(7, "t", "A")]
    assert [r.id for r in _queue_prefixes(locked, places)] == [1, 5, 7]


def test_places_count_each_queue_in_id_order_up_to_its_subscriptions_batch_size():
    from collections import namedtuple

    from yidi_subscriptions.adapters.repository import _places_in_queue

    Candidate = namedtuple("Candidate", "id subscription_id ordering_key batch_size")
    candidates = [Candidate(1, "s", "A", 2), Candidate(2, "s", "B", 2), Candidate(3, "s", "A", 2),
                  Candidate(4, "s", "A", 2),  # A's third: beyond s's batch of 2
                  Candidate(5, "t", "A", 1), Candidate(6, "t", "A", 1)]  # same claim, other subscription
    assert _places_in_queue(candidates) == {1: 1, 2: 1, 3: 2, 5: 1}
