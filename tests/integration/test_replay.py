"""A consumer group replayed from the start of its topic (an operator resetting offsets, or commits lost
to a crash): nothing is applied twice and no message is dead-lettered twice."""
from __future__ import annotations

from decimal import Decimal

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from yidi_common.events.registry import PAYMENT_PRICED, dead_letter_topic, topic_for

from .factories import priced_event
from .harness import produce, read_topic, wait_until


async def _rewind_group(kafka: str, group: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        await consumer.commit({tp: 0 for tp in partitions})
    finally:
        await consumer.stop()


async def test_a_replayed_topic_changes_nothing_and_dead_letters_nothing_again(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    topic = topic_for(PAYMENT_PRICED)
    clearing = start_service("clearing")
    events = [priced_event(n) for n in range(5)]
    messages = [(e.subject.encode(), e.to_bytes()) for e in events]
    messages.insert(2, (b"poison", b"\xff not an event"))
    await produce(kafka, topic, messages)

    async def drained() -> bool:
        progress = httpx.get(f"{clearing.url}/v1/ops/progress", timeout=5).json()
        return progress["consumer_lag"] == 0 and progress["outbox_pending"] == 0

    async def trial_balance() -> dict:
        return httpx.get(f"{clearing.url}/v1/ledger/trial-balance", timeout=5).json()

    await wait_until(drained, what="the first pass")
    before = await trial_balance()
    assert before["entries"] == 5 and Decimal(before["debits"]) == Decimal("97500.00")  # 5 × 3 × 6500

    clearing.stop()
    await _rewind_group(kafka, topic_for("clearing"), topic)
    clearing.start()
    await wait_until(drained, what="the replay")

    assert await trial_balance() == before
    dead = await read_topic(kafka, dead_letter_topic("clearing"), min_count=1)
    assert len({d["id"] for d in dead}) == 1 and dead[0]["topic"] == topic
    kept = httpx.get(f"{clearing.url}/v1/ops/dead-letters", timeout=5).json()["items"]
    assert [(k["topic"], k["offset"]) for k in kept] == [(topic, dead[0]["offset"])]  # recorded once, replayed or not
    posted = await read_topic(kafka, topic_for("ledger.posted"), min_count=5)
    assert len(posted) == 5
