"""The consumer's handler logs every published type, de-identified, with what each event concerns; the
delivery metrics land in Prometheus's default registry."""
from datetime import datetime, timedelta, timezone

import orjson
from prometheus_client import REGISTRY

from yidi_common.events import EVENT_TYPES, new_event
from yidi_common.events.v1 import SettlementListRejected
from yidi_common.messaging import UnitOfWork
from yidi_subscriptions.adapters.webhooks import PrometheusDeliveryMetrics
from yidi_subscriptions.consumers.handlers import make_handlers
from yidi_subscriptions.domain.scope import Concerns


class FakeLog:
    def __init__(self):
        self.appended = []

    async def append(self, events):
        self.appended += events


async def test_every_published_type_is_consumed_and_logged_with_its_scope():
    log = FakeLog()
    handlers = make_handlers(repository=lambda conn: log)
    assert set(handlers) == set(EVENT_TYPES)
    rejected = new_event(type="settlement-list.rejected", source="/t", subject="C1", correlationid="C1", payload=
                         SettlementListRejected(claim_id="C1", version=1, setl_id="S1", hospital_code="H36070000002",
                                                treat_admdvs="360700", insu_admdvs="360400", problems=[]))
    await handlers["settlement-list.rejected"](UnitOfWork(conn=None), [rejected])
    logged, = log.appended
    assert (logged.event_id, logged.type, logged.subject) == (rejected.id, "settlement-list.rejected", "C1")
    assert logged.about == Concerns(frozenset({"360700", "360400"}), "H36070000002")
    assert orjson.loads(logged.body)["data"]["hospital_code"] == "H36070000002"


def test_delivery_metrics_per_subscription():
    metrics = PrometheusDeliveryMetrics()
    sample = REGISTRY.get_sample_value
    metrics.delivered("sub_m", datetime.now(timezone.utc) - timedelta(seconds=3))
    metrics.failed("sub_m", final=False)
    metrics.failed("sub_m", final=True)
    assert sample("yidi_subscription_deliveries_total", {"subscription": "sub_m"}) == 3  # attempts
    assert sample("yidi_subscription_delivery_failures_total", {"subscription": "sub_m", "final": "false"}) == 1
    assert sample("yidi_subscription_delivery_failures_total", {"subscription": "sub_m", "final": "true"}) == 1
    assert sample("yidi_subscription_delivery_seconds_count", {"subscription": "sub_m"}) == 1
    assert sample("yidi_subscription_delivery_seconds_bucket", {"subscription": "sub_m", "le": "2.0"}) == 0
    assert sample("yidi_subscription_delivery_seconds_bucket", {"subscription": "sub_m", "le": "5.0"}) == 1
    metrics.backlog({"sub_m": 7, "sub_n": 0})
    assert sample("yidi_subscription_backlog", {"subscription": "sub_m"}) == 7
    metrics.backlog({"sub_n": 2})  # sub_m deleted
    assert sample("yidi_subscription_backlog", {"subscription": "sub_m"}) is None
    assert sample("yidi_subscription_backlog", {"subscription": "sub_n"}) == 2
