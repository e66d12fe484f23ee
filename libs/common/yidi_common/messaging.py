"""Inbox + transactional outbox over Kafka.

A consumer batch runs in one DB transaction: processed-event ids (inbox), the handlers' state
changes and the events they emit (outbox) commit together, then offsets are committed. The relay
publishes outbox rows in id order (one relay at a time per service, by advisory lock) and deletes
them once Kafka has acknowledged them. Redelivery is harmless: the inbox skips what was applied. A
message that cannot be decoded or handled goes to the service's dead-letter topic (through the
outbox) with the error.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .events import Envelope, dead_letter_topic, topic_for
from .settings import get_settings

log = structlog.get_logger()

MESSAGING_DDL = [
    """CREATE TABLE IF NOT EXISTS inbox (
        event_id text PRIMARY KEY,
        event_type text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now())""",
    """CREATE TABLE IF NOT EXISTS outbox (
        id bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        topic text NOT NULL,
        key text NOT NULL,
        body bytea NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz)""",
    "CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (id) WHERE published_at IS NULL",
    """CREATE TABLE IF NOT EXISTS dead_letters (
        event_id text PRIMARY KEY,
        topic text NOT NULL,
        partition int NOT NULL,
        "offset" bigint NOT NULL,
        error text NOT NULL,
        body bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())""",
]

# Second messaging revision, applied by each service's own migration. The relay deletes what it
# published, so the published mark and its index are dead weight; rows up to 8 kB stay inline
# and uncompressed (pglz on every 2 kB+ event cost more than the rest of the insert).
OUTBOX_REVISION_2 = [
    "DELETE FROM outbox WHERE published_at IS NOT NULL",
    "DROP INDEX IF EXISTS outbox_unpublished",
    "ALTER TABLE outbox DROP COLUMN published_at",
    "ALTER TABLE outbox SET (toast_tuple_target = 8160)",
]

TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, OSError, asyncio.TimeoutError)
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53300"}  # serialization, deadlock, lock, shutdown, too many connections


class TransientFailure(Exception):
    """Worth retrying as it is: the message is fine, the moment was not."""


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT_ERRORS):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or getattr(exc, "sqlstate", None)
    return sqlstate in RETRYABLE_SQLSTATES


@dataclass
class UnitOfWork:
    """What a handler gets: the batch's open transaction and a place for the events it emits."""

    conn: AsyncConnection
    emitted: list[Envelope] = field(default_factory=list)

    def emit(self, event: Envelope) -> None:
        self.emitted.append(event)


Handler = Callable[[UnitOfWork, Envelope], Awaitable[None]]
BatchHandler = Callable[[UnitOfWork, list[Envelope]], Awaitable[None]]


def takes_batches(handler: BatchHandler) -> BatchHandler:
    """Marks a handler that is given every new event of its type in a run of the batch at once, in
    order, so it can read and write with one statement per batch instead of several per event."""
    handler.takes_batches = True  # type: ignore[attr-defined]
    return handler


async def write_outbox(conn: AsyncConnection, events: Iterable[Envelope]) -> int:
    events = list(events)
    if events:
        await conn.execute(
            text(
                "INSERT INTO outbox (event_id, topic, key, body) SELECT * FROM unnest(CAST(:ids AS text[]), "
                "CAST(:topics AS text[]), CAST(:keys AS text[]), CAST(:bodies AS bytea[])) ON CONFLICT (event_id) DO NOTHING"
            ),
            {"ids": [e.id for e in events], "topics": [topic_for(e.type) for e in events],
             "keys": [e.subject for e in events], "bodies": [e.to_bytes() for e in events]},
        )
    return len(events)


def _lock_key(service: str) -> int:
    return int.from_bytes(hashlib.sha256(f"outbox-relay:{service}".encode()).digest()[:8], "big", signed=True)


class OutboxRelay:
    """Publishes committed outbox rows to Kafka, oldest first, then deletes them; woken right after each commit."""

    def __init__(self, service: str, engine: AsyncEngine, producer: AIOKafkaProducer, batch_size: int = 2000,
                 coalesce: float = 0.01):
        self.service = service
        self.coalesce = coalesce
        self.engine = engine
        self.producer = producer
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._lock_key = _lock_key(service)
        self.published = 0

    def wake(self) -> None:
        self._wake.set()

    async def pending(self) -> int:
        async with self.engine.connect() as conn:
            return await conn.scalar(text("SELECT count(*) FROM outbox"))

    async def publish_pending(self) -> int:
        async with self.engine.begin() as conn:
            got = await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self._lock_key})
            if not got:
                return 0
            rows = (
                await conn.execute(text("SELECT id, topic, key, body FROM outbox ORDER BY id LIMIT :n"),
                                   {"n": self.batch_size})
            ).all()
            if not rows:
                return 0
            futures = [
                await self.producer.send(r.topic, value=bytes(r.body), key=r.key.encode()) for r in rows
            ]
            await asyncio.gather(*futures)
            # deleted rather than marked: an update would write each event's body to the WAL a second time
            await conn.execute(text("DELETE FROM outbox WHERE id = ANY(:ids)"), {"ids": [r.id for r in rows]})
        self.published += len(rows)
        return len(rows)

    async def run(self, poll_interval: float = 1.0) -> None:
        while True:
            try:
                while await self.publish_pending() == self.batch_size:
                    pass
            except asyncio.CancelledError:
                raise
            except (KafkaError, *TRANSIENT_ERRORS, DBAPIError) as exc:
                log.warning("outbox relay retry", error=repr(exc))
                await asyncio.sleep(1.0)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=poll_interval)
                await asyncio.sleep(self.coalesce)  # let the next commits join this publication
            except asyncio.TimeoutError:
                pass
            self._wake.clear()


@dataclass(frozen=True)
class StoredRecord:
    """A consumed message as kept with its dead letter: what `_apply` reads of a Kafka record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


class EventConsumer:
    """Consumes topics in a consumer group, one DB transaction per batch, inbox + outbox."""

    def __init__(
        self,
        *,
        service: str,
        engine: AsyncEngine,
        bootstrap_servers: str,
        handlers: dict[str, Handler | BatchHandler],
        relay: OutboxRelay,
        group_id: str | None = None,
        batch_size: int = 500,
        fetch_min_bytes: int = 1,
        fetch_max_wait_ms: int = 100,
        commit_seconds: float = 0.0,
    ):
        """fetch_min_bytes: what a fetch waits for (at most fetch_max_wait_ms), so busy topics come in fewer, larger
        batches; commit_seconds: how often offsets are committed (0: after every batch). The inbox makes
        committed offsets a hint: what a crash or rebalance delivers again is skipped, never applied twice."""
        self.service = service
        self.engine = engine
        self.handlers = handlers
        self.relay = relay
        self.batch_size = batch_size
        self.consumer = AIOKafkaConsumer(
            *[topic_for(t) for t in handlers],
            bootstrap_servers=bootstrap_servers,
            group_id=group_id or topic_for(service),  # namespaced stacks get groups of their own
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=batch_size,
            fetch_max_wait_ms=fetch_max_wait_ms,
            fetch_min_bytes=fetch_min_bytes,
            **get_settings().kafka_client_options(),
        )
        self.commit_seconds = commit_seconds
        self._uncommitted: dict = {}  # partition -> next offset, applied but not yet committed
        self.processed = 0
        self.dead_lettered = 0

    async def start_and_run(self) -> None:
        await self.consumer.start()
        await self.run()

    async def lag(self) -> int | None:
        """Messages on this process's partitions not yet committed by the group; None while it holds no
        partitions (still joining the group, or more processes than partitions), which is not "caught up"."""
        partitions = self.consumer.assignment()
        if not partitions:
            return None
        ends = await self.consumer.end_offsets(list(partitions))
        total = 0
        for tp in partitions:
            committed = await self.consumer.committed(tp)
            total += max(0, ends[tp] - (committed or 0))
        return total

    async def stop(self) -> None:
        await self._commit()
        await self.consumer.stop()

    async def run(self) -> None:
        committed_at = time.monotonic()
        while True:
            wait = 500 if not self._uncommitted else max(1, int(self.commit_seconds * 1000))
            batches = await self.consumer.getmany(timeout_ms=wait, max_records=self.batch_size)
            records = [r for msgs in batches.values() for r in msgs]
            if records:
                await self._apply_with_retry(records)
                self._uncommitted.update({tp: msgs[-1].offset + 1 for tp, msgs in batches.items() if msgs})
                self.relay.wake()
            if self._uncommitted and time.monotonic() - committed_at >= self.commit_seconds:
                await self._commit()
                committed_at = time.monotonic()

    async def _commit(self) -> None:
        offsets = {tp: o for tp, o in self._uncommitted.items() if tp in self.consumer.assignment()}
        self._uncommitted = {}
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # the group rebalanced under us: the new owner gets these again and its inbox skips them
            log.warning("offset commit lost to a rebalance", error=repr(exc))

    async def _apply_with_retry(self, records: list) -> None:
        delay = 0.5
        while True:
            try:
                await self._apply_batch(records)
                return
            except TransientFailure as exc:
                log.warning("consumer batch transient failure, retrying", error=repr(exc), delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _apply_batch(self, records: list) -> None:
        try:
            async with self.engine.begin() as conn:
                await self._apply(conn, records)
        except Exception as exc:  # noqa: BLE001
            if is_transient(exc):
                raise TransientFailure(repr(exc)) from exc
            # Somewhere in the batch is a message its handler rejects: apply one by one to isolate it.
            for record in records:
                try:
                    async with self.engine.begin() as conn:
                        await self._apply(conn, [record])
                except Exception as exc:  # noqa: BLE001 - a poison message, whatever the cause
                    if is_transient(exc):
                        raise TransientFailure(repr(exc)) from exc
                    await self._dead_letter(record, exc)

    async def _apply(self, conn: AsyncConnection, records: list) -> None:
        envelopes: list[tuple[object, Envelope]] = []
        for record in records:
            try:
                envelopes.append((record, Envelope.from_bytes(record.value)))
            except Exception as exc:  # noqa: BLE001 - undecodable: dead-letter in this same transaction
                await self._record_dead_letter(conn, record, exc, event_id=f"{record.topic}:{record.partition}:{record.offset}")
        if not envelopes:
            return
        fresh = set(
            (
                await conn.execute(
                    text(
                        "INSERT INTO inbox (event_id, event_type) SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) "
                        "ON CONFLICT DO NOTHING RETURNING event_id"
                    ),
                    {"ids": [e.id for _, e in envelopes], "types": [e.type for _, e in envelopes]},
                )
            ).scalars()
        )
        new: list[Envelope] = []
        for _, envelope in envelopes:
            if envelope.id in fresh:
                fresh.discard(envelope.id)  # the same id twice in one batch applies once
                new.append(envelope)
        uow = UnitOfWork(conn)
        for event_type, run in itertools.groupby(new, key=lambda e: e.type):
            handler = self.handlers.get(event_type)
            if handler is None:
                continue
            if getattr(handler, "takes_batches", False):
                await handler(uow, list(run))
            else:
                for envelope in run:
                    await handler(uow, envelope)
        await write_outbox(conn, uow.emitted)
        self.processed += len(records)

    async def replay_dead_letter(self, event_id: str) -> str | None:
        """Applies a dead-lettered message again as if it had just been consumed, once its cause is fixed
        (a configuration, a bug): None when it applied and left the dead letters, else why it failed
        again (it stays). LookupError when there is no such dead letter."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(text('SELECT topic, partition, "offset", body FROM dead_letters WHERE event_id = :id'),
                                      {"id": event_id})).first()
        if row is None:
            raise LookupError(event_id)
        record = StoredRecord(row.topic, row.partition, row.offset, None, bytes(row.body))
        try:
            Envelope.from_bytes(record.value)
        except Exception as exc:  # noqa: BLE001 - undecodable: no fix of ours makes it apply
            return f"{type(exc).__name__}: {exc}"
        try:
            async with self.engine.begin() as conn:
                taken = await conn.execute(text("DELETE FROM dead_letters WHERE event_id = :id"), {"id": event_id})
                if taken.rowcount == 0:
                    raise LookupError(event_id)  # replayed meanwhile by another request
                await conn.execute(text("DELETE FROM inbox WHERE event_id = :id AND event_type = 'dead-letter'"),
                                   {"id": event_id})
                await self._apply(conn, [record])
        except LookupError:
            raise
        except Exception as exc:  # noqa: BLE001 - still failing: rolled back, the dead letter stays
            return f"{type(exc).__name__}: {exc}"
        log.info("dead letter replayed", event_id=event_id, topic=record.topic)
        self.relay.wake()
        return None

    async def _dead_letter(self, record, exc: Exception) -> None:
        async with self.engine.begin() as conn:
            try:
                event_id = Envelope.from_bytes(record.value).id
            except Exception:  # noqa: BLE001
                event_id = f"{record.topic}:{record.partition}:{record.offset}"
            await self._record_dead_letter(conn, record, exc, event_id=event_id)
            await conn.execute(
                text("INSERT INTO inbox (event_id, event_type) VALUES (:id, 'dead-letter') ON CONFLICT DO NOTHING"),
                {"id": event_id},
            )

    async def _record_dead_letter(self, conn: AsyncConnection, record, exc: Exception, event_id: str) -> None:
        error = f"{type(exc).__name__}: {exc}"
        body = orjson.dumps(
            {
                "error": error,
                "traceback": traceback.format_exception_only(exc)[-1].strip(),
                "consumer_group": self.service,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "failed_at": datetime.now(timezone.utc).isoformat(),
                "value": (record.value or b"").decode("utf-8", errors="replace"),
            }
        )
        first_time = await conn.scalar(
            text(
                'INSERT INTO dead_letters (event_id, topic, partition, "offset", error, body) '
                "VALUES (:id, :t, :p, :o, :e, :b) ON CONFLICT DO NOTHING RETURNING true"
            ),
            {"id": event_id, "t": record.topic, "p": record.partition, "o": record.offset, "e": error, "b": record.value or b""},
        )
        if not first_time:  # redelivered after a crash: dead-lettered already, perhaps published and gone from the outbox
            return
        await conn.execute(
            text(
                "INSERT INTO outbox (event_id, topic, key, body) VALUES (:id, :topic, :key, :body) "
                "ON CONFLICT (event_id) DO NOTHING"
            ),
            {
                "id": f"dlq:{self.service}:{event_id}",
                "topic": dead_letter_topic(self.service),
                "key": (record.key or b"").decode("utf-8", errors="replace"),
                "body": body,
            },
        )
        log.error(
            "dead-lettered message", topic=record.topic, partition=record.partition, offset=record.offset, error=error
        )
        self.dead_lettered += 1


def make_producer(bootstrap_servers: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        compression_type=None,
        max_batch_size=262144,
        **get_settings().kafka_client_options(),
    )
