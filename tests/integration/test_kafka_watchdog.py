"""The Kafka watchdog's probes against the real broker: a service's own producer and consumer are answered
(so a healthy service is never ended), and a new client is answered too. The decision itself is unit-tested
(libs/common/tests/test_kafka_watchdog.py)."""
from __future__ import annotations

from yidi_common.events.registry import PAYMENT_PRICED
from yidi_common.messaging import EventConsumer, OutboxRelay, make_producer
from yidi_common.runtime import _kafka_watchdog
from yidi_common.settings import get_settings


async def test_a_services_own_clients_and_a_new_one_are_answered(stack_env):
    settings = get_settings()
    producer = make_producer(settings.kafka_bootstrap_servers)
    await producer.start()
    consumer = EventConsumer(service="watchdog-probe", engine=None, bootstrap_servers=settings.kafka_bootstrap_servers,
                             handlers={PAYMENT_PRICED: None}, relay=OutboxRelay("watchdog-probe", None, producer))
    await consumer.consumer.start()
    try:
        watchdog = _kafka_watchdog(settings, producer, consumer)
        await watchdog.own()
        await watchdog.fresh()
        await watchdog.check()
        assert watchdog.failing_since is None
    finally:
        await consumer.consumer.stop()
        await producer.stop()
