"""Inbox pruning against real Kafka topic configurations: ids Kafka can no longer redeliver go, the
rest stay, and a topic kept forever keeps the whole inbox."""
from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from yidi_common.events.registry import PAYMENT_PRICED, topic_for
from yidi_common.inbox import prune_once
from yidi_common.settings import Settings

from .harness import wait_until


async def _set_topic(kafka: str, topic: str, config: dict[str, str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, config)])
    finally:
        await admin.close()


async def _ids(engine) -> set[str]:
    async with engine.connect() as conn:
        return set((await conn.execute(text("SELECT event_id FROM inbox WHERE event_id LIKE 'aged-%'"))).scalars())


async def test_a_running_service_prunes_what_kafka_cannot_redeliver_and_keeps_the_rest(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    budget = start_service("budget", INBOX_PRUNE_SECONDS="1")
    engine = create_async_engine(Settings().service_database_url("budget"))
    try:
        async with engine.begin() as conn:  # the topics keep messages 7 days, segments roll after 7: 15 days with the margin
            await conn.execute(text(
                "INSERT INTO inbox (event_id, event_type, processed_at) VALUES "
                "('aged-16d', 'payment.priced', now() - interval '16 days'), "
                "('aged-14d', 'payment.priced', now() - interval '14 days'), "
                "('aged-now', 'payment.priced', now())"))

        async def pruned() -> bool:
            return "aged-16d" not in await _ids(engine)

        await wait_until(pruned, timeout=30, what="the running service's pruning pass")
        budget.stop()
        assert await _ids(engine) == {"aged-14d", "aged-now"}

        topic = topic_for(PAYMENT_PRICED)
        await _set_topic(kafka, topic, {"retention.ms": "-1"})
        assert await prune_once(engine, kafka, [topic]) is None
        assert await prune_once(engine, kafka, [topic, topic_for("no-such-topic")]) is None
        assert await _ids(engine) == {"aged-14d", "aged-now"}

        await _set_topic(kafka, topic, {"retention.ms": "3600000", "segment.ms": "3600000"})  # now 1 day 2 hours
        assert await prune_once(engine, kafka, [topic]) == 1
        assert await _ids(engine) == {"aged-now"}
    finally:
        await engine.dispose()
