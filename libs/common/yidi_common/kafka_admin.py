"""Topic creation: one topic per event type plus a dead-letter topic per service."""
from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from .events.registry import all_topics
from .settings import get_settings


async def ensure_topics(bootstrap_servers: str, partitions: int = 12, replication: int = 1) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **get_settings().kafka_client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in all_topics() if t not in existing]
        if missing:
            parts = {t: (3 if "dead-letter." in t else partitions) for t in missing}
            await admin.create_topics([NewTopic(t, parts[t], replication) for t in missing])
        return missing
    finally:
        await admin.close()


def main() -> None:
    s = get_settings()
    created = asyncio.run(ensure_topics(s.kafka_bootstrap_servers, s.topic_partitions, s.topic_replication))
    print(f"topics: {len(all_topics())} present, {len(created)} created")


if __name__ == "__main__":
    main()
