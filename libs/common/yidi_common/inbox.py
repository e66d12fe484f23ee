"""Inbox retention: processed-event ids are kept only as long as Kafka could deliver their events again.

A topic keeps a message for its retention.ms, counted from the newest message of the message's
segment, and a segment rolls after segment.ms at most: a message can be read for up to
retention.ms + segment.ms after it was written, and it was written before it was processed. Ids older
than that (plus a day's margin) can never be redelivered, so they are deleted. A topic kept forever
(retention.ms = -1, or compacted) or one Kafka does not describe stops pruning altogether: a replay
from its start must still find every id.
"""
from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .settings import get_settings

log = structlog.get_logger()

MARGIN = timedelta(days=1)
READ = ("retention.ms", "segment.ms", "cleanup.policy")


def redelivery_horizon(configs: dict[str, dict[str, str] | None]) -> timedelta | None:
    """How long after processing an event Kafka could still deliver it, given each consumed topic's
    configuration (None: not described); None when that is forever or unknown."""
    longest = timedelta(0)
    for config in configs.values():
        if config is None or set(config.get("cleanup.policy", "").split(",")) != {"delete"}:
            return None
        retention, segment = int(config.get("retention.ms", -1)), int(config.get("segment.ms", -1))
        if retention < 0 or segment < 0:
            return None
        longest = max(longest, timedelta(milliseconds=retention + segment))
    return longest + MARGIN


async def topic_configs(bootstrap_servers: str, topics: list[str]) -> dict[str, dict[str, str] | None]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **get_settings().kafka_client_options())
    await admin.start()
    try:
        responses = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t, dict.fromkeys(READ)) for t in topics])
    finally:
        await admin.close()
    found: dict[str, dict[str, str] | None] = dict.fromkeys(topics)
    for response in responses:
        for resource in response.to_object()["resources"]:
            if resource["error_code"] == 0:
                found[resource["resource_name"]] = {
                    e["config_names"]: e["config_value"] for e in resource["config_entries"]}
    return found


async def prune_inbox(engine: AsyncEngine, older_than: timedelta, batch: int = 10_000) -> int:
    """Deletes ids processed more than older_than ago, a batch per transaction; returns how many."""
    deleted = 0
    while True:
        async with engine.begin() as conn:
            result = await conn.execute(text(
                "DELETE FROM inbox WHERE ctid = ANY(ARRAY(SELECT ctid FROM inbox "
                "WHERE processed_at < now() - make_interval(secs => :age) LIMIT :n))"),
                {"age": older_than.total_seconds(), "n": batch})
        deleted += result.rowcount
        if result.rowcount < batch:
            return deleted


async def prune_once(engine: AsyncEngine, bootstrap_servers: str, topics: list[str]) -> int | None:
    """One pruning pass for a service consuming `topics`; None when nothing may be pruned."""
    horizon = redelivery_horizon(await topic_configs(bootstrap_servers, topics))
    if horizon is None:
        log.info("inbox kept whole: a consumed topic keeps its messages forever or is not described",
                 topics=topics)
        return None
    deleted = await prune_inbox(engine, horizon)
    log.info("inbox pruned", deleted=deleted, older_than_hours=round(horizon.total_seconds() / 3600, 1))
    return deleted


async def prune_periodically(engine: AsyncEngine, bootstrap_servers: str, topics: list[str],
                             every_seconds: float) -> None:
    while True:
        await asyncio.sleep(every_seconds)
        try:
            await prune_once(engine, bootstrap_servers, topics)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - pruning is housekeeping; the next pass tries again
            log.warning("inbox pruning failed", error=repr(exc))
