"""Inbox + transactional outbox over Kafka.

A consumer batch runs in one DB transaction: processed-event ids (inbox), the handlers' state
changes and the events they emit (outbox) commit together, then offsets are committed. The relay
publishes outbox rows in id order (one relay at a time per service, by advisory lock) and deletes
them once Kafka has acknowledged them. Redelivery is harmless: the inbox skips what was applied. A
message that cannot be decoded or handled goes to the service's dead-letter topic (through the
outbox) with the error.

Trace context (yidi_common.tracing) rides on the events: an event emitted while handling another
continues that one's trace; one emitted in an HTTP request continues the request's.
"""
from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import orjson
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.client import AIOKafkaClient
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from opentelemetry import trace
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from . import tracing
from .events import Envelope, dead_letter_topic, topic_for
from .metrics import ConsumerMetrics
from .personal_data import mask_text
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
    """Events with no trace context of their own are stamped with the current one (an HTTP request's)."""
    events = list(events)
    context = tracing.current()
    if context is not None:
        for event in events:
            if event.traceparent is None:
                tracing.stamp(event, context)
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


@dataclass
class _Tally:
    """What a transaction did, counted once it has committed."""

    received: float  # perf_counter() when the consumer got the records
    applied: Counter = field(default_factory=Counter)  # event type -> count
    duplicates: Counter = field(default_factory=Counter)
    dead: list[tuple[str, str]] = field(default_factory=list)  # (event type or "undecodable", topic)


class _Handling:
    """The span each consumed event is handled in (created when something it caused is emitted, or
    for every event when OpenTelemetry records spans); what it emits carries that span."""

    def __init__(self, service: str):
        self.service = service
        self.tracer = trace.get_tracer("yidi.messaging") if tracing.recording() else None
        self.spans: dict[str, object] = {}
        self.contexts: dict[str, tracing.TraceContext] = {}

    def start(self, events: list[Envelope]) -> None:
        if self.tracer is not None:
            for event in events:
                self.spans[event.id] = tracing.start_handling_span(self.tracer, self.service, event, topic_for(event.type))

    def context(self, cause: Envelope) -> tracing.TraceContext:
        context = self.contexts.get(cause.id)
        if context is None:
            parent = tracing.parse_traceparent(cause.traceparent)
            span = self.spans.get(cause.id)
            if span is not None:
                context = tracing.of_span(span, parent.span_id if parent else None)
            else:
                context = parent.child() if parent else tracing.new_trace()
            self.contexts[cause.id] = context
        return context

    def stamp(self, emitted: list[Envelope], cause: Envelope) -> None:
        for event in emitted:
            if event.traceparent is None:
                tracing.stamp(event, self.context(cause))

    def end(self, error: BaseException | None) -> None:
        for span in self.spans.values():
            if error is not None:
                span.record_exception(error)
                span.set_status(trace.StatusCode.ERROR)
            span.end()


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
        self.topics = sorted({topic_for(t) for t in handlers})
        self.consumer = AIOKafkaConsumer(
            *self.topics,
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
        self.metrics = ConsumerMetrics(service, self.topics)

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

    async def partition_lags(self) -> dict:
        """Per partition this process holds: end offset - position (the next offset it will consume). One
        ListOffsets request; positions are local. A batch being applied counts as consumed."""
        partitions = list(self.consumer.assignment())
        if not partitions:
            return {}
        ends = await self.consumer.end_offsets(partitions)
        lags = {}
        for tp in partitions:
            try:
                position = await asyncio.wait_for(self.consumer.position(tp), timeout=1)
            except (asyncio.TimeoutError, IllegalStateError):
                continue  # being reset or revoked right now
            lags[tp] = max(0, ends[tp] - position)
        return lags

    async def ask_broker(self) -> None:
        """One ListOffsets request through this consumer's own client (the Kafka watchdog's probe)."""
        await self.consumer.end_offsets([TopicPartition(topic, 0) for topic in self.topics])

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
                await self._apply_with_retry(records, time.perf_counter())
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

    async def _apply_with_retry(self, records: list, received: float) -> None:
        delay = 0.5
        while True:
            try:
                await self._apply_batch(records, received)
                return
            except TransientFailure as exc:
                log.warning("consumer batch transient failure, retrying", error=repr(exc), delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def _apply_batch(self, records: list, received: float) -> None:
        try:
            tally = _Tally(received)
            async with self.engine.begin() as conn:
                await self._apply(conn, records, tally)
            self._count(tally)
        except Exception as exc:  # noqa: BLE001
            if is_transient(exc):
                raise TransientFailure(repr(exc)) from exc
            # Somewhere in the batch is a message its handler rejects: apply one by one to isolate it.
            for record in records:
                tally = _Tally(received)
                try:
                    async with self.engine.begin() as conn:
                        await self._apply(conn, [record], tally)
                except Exception as exc:  # noqa: BLE001 - a poison message, whatever the cause
                    if is_transient(exc):
                        raise TransientFailure(repr(exc)) from exc
                    tally = _Tally(received)
                    await self._dead_letter(record, exc, tally)
                self._count(tally)

    def _count(self, tally: _Tally) -> None:
        """Counters and metrics of a committed transaction (per event type, not per event)."""
        seconds = time.perf_counter() - tally.received
        for event_type, count in tally.applied.items():
            self.metrics.handled(event_type, "applied", count)
            self.metrics.latency(event_type, seconds, count)
        for event_type, count in tally.duplicates.items():
            self.metrics.handled(event_type, "duplicate", count)
        for event_type, topic in tally.dead:
            self.metrics.handled(event_type, "dead_lettered", 1)
            self.metrics.dead_lettered(topic)
        self.dead_lettered += len(tally.dead)

    async def _apply(self, conn: AsyncConnection, records: list, tally: _Tally) -> None:
        envelopes: list[tuple[object, Envelope]] = []
        for record in records:
            try:
                envelopes.append((record, Envelope.from_bytes(record.value)))
            except Exception as exc:  # noqa: BLE001 - undecodable: dead-letter in this same transaction
                if await self._record_dead_letter(conn, record, exc,
                                                  event_id=f"{record.topic}:{record.partition}:{record.offset}"):
                    tally.dead.append(("undecodable", record.topic))
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
        handling = _Handling(self.service)
        handling.start(new)
        error = None
        try:
            for event_type, run in itertools.groupby(new, key=lambda e: e.type):
                handler = self.handlers.get(event_type)
                if handler is None:
                    continue
                if getattr(handler, "takes_batches", False):
                    run = list(run)
                    before = len(uow.emitted)
                    await handler(uow, run)
                    if len(uow.emitted) > before:  # each emitted event continues the trace of its claim's event
                        by_claim = {e.correlationid: e for e in run}
                        for event in uow.emitted[before:]:
                            if event.correlationid in by_claim:
                                handling.stamp([event], by_claim[event.correlationid])
                else:
                    for envelope in run:
                        before = len(uow.emitted)
                        await handler(uow, envelope)
                        if len(uow.emitted) > before:
                            handling.stamp(uow.emitted[before:], envelope)
            await write_outbox(conn, uow.emitted)
        except BaseException as exc:
            error = exc
            raise
        finally:
            handling.end(error)
        tally.applied.update(e.type for e in new)
        if len(new) < len(envelopes):
            tally.duplicates.update(e.type for _, e in envelopes)
            tally.duplicates.subtract(tally.applied)
            tally.duplicates = +tally.duplicates
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
                tally = _Tally(time.perf_counter())
                await self._apply(conn, [record], tally)
        except LookupError:
            raise
        except Exception as exc:  # noqa: BLE001 - still failing: rolled back, the dead letter stays
            return f"{type(exc).__name__}: {exc}"
        self._count(tally)
        log.info("dead letter replayed", event_id=event_id, topic=record.topic)
        self.relay.wake()
        return None

    async def _dead_letter(self, record, exc: Exception, tally: _Tally) -> None:
        async with self.engine.begin() as conn:
            try:
                event = Envelope.from_bytes(record.value)
                event_id, event_type, trace = event.id, event.type, tracing.parse_traceparent(event.traceparent)
            except Exception:  # noqa: BLE001
                event_id, event_type, trace = f"{record.topic}:{record.partition}:{record.offset}", "undecodable", None
            if await self._record_dead_letter(conn, record, exc, event_id=event_id,
                                              trace_id=trace.trace_id if trace else None):
                tally.dead.append((event_type, record.topic))
            await conn.execute(
                text("INSERT INTO inbox (event_id, event_type) VALUES (:id, 'dead-letter') ON CONFLICT DO NOTHING"),
                {"id": event_id},
            )

    async def _record_dead_letter(self, conn: AsyncConnection, record, exc: Exception, event_id: str,
                                  trace_id: str | None = None) -> bool:
        """True when recorded now, False when it was dead-lettered before (a redelivery). The dead-letter
        topic gets the message with its personal fields masked (it is read by operations' tools); the
        dead_letters table keeps it whole, for the replay."""
        error = f"{type(exc).__name__}: {exc}"
        dead_letter_id = f"dlq:{self.service}:{event_id}"
        body = orjson.dumps(
            {
                "id": dead_letter_id,  # the relay delivers at least once: readers deduplicate on it
                "error": mask_text(error),
                "traceback": mask_text(traceback.format_exception_only(exc)[-1].strip()),
                "consumer_group": self.service,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
                "failed_at": datetime.now(timezone.utc).isoformat(),
                "value": mask_text((record.value or b"").decode("utf-8", errors="replace")),
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
            return False
        await conn.execute(
            text(
                "INSERT INTO outbox (event_id, topic, key, body) VALUES (:id, :topic, :key, :body) "
                "ON CONFLICT (event_id) DO NOTHING"
            ),
            {
                "id": dead_letter_id,
                "topic": dead_letter_topic(self.service),
                "key": (record.key or b"").decode("utf-8", errors="replace"),
                "body": body,
            },
        )
        log.error("dead-lettered message", topic=record.topic, partition=record.partition, offset=record.offset,
                  error=error, **({"trace_id": trace_id} if trace_id else {}))
        return True


async def broker_answers(bootstrap_servers: str) -> None:
    """The cluster's metadata through a client made for the question (the Kafka watchdog's second opinion)."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap_servers, **get_settings().kafka_client_options())
    try:
        await client.bootstrap()
    finally:
        await client.close()


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
