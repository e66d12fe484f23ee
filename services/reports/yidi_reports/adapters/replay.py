"""Rebuilding the indicators read model by replay: every consumed topic from its beginning, through the same
handlers, into a fresh PostgreSQL schema; then the figures of both are compared, level by level and
period by period. Identical figures show the read model is a function of the events alone."""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
from collections.abc import Mapping

import orjson
import structlog
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from yidi_common.events import Envelope, topic_for
from yidi_common.messaging import MESSAGING_DDL, UnitOfWork
from yidi_common.settings import get_settings
from yidi_common.unit_of_work import Transaction

from ..domain.indicators import LEVELS
from ..domain.periods import Period
from ..service_layer.indicators import NO_NORMS, indicator_rows
from .repository import PostgresReportsRepository
from .schema import READ_MODEL_DDL

log = structlog.get_logger()
REBUILD_SCHEMA = "indicators_rebuild"


async def _use(conn: AsyncConnection, schema: str | None) -> None:
    if schema:
        await conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))


async def replay_into(engine: AsyncEngine, handlers: Mapping, schema: str = REBUILD_SCHEMA,
                      batch_size: int = 1000) -> int:
    """Drops and creates `schema` with the read model's tables and an inbox, then applies every message of
    the handlers' topics up to their current ends. Returns how many events were applied."""
    async with engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await _use(conn, schema)
        for ddl in MESSAGING_DDL + READ_MODEL_DDL:
            await conn.execute(text(ddl))
    settings = get_settings()
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                                group_id=None, **settings.kafka_client_options())
    await consumer.start()
    applied = 0
    try:
        partitions = []
        for event_type in handlers:
            found = consumer.partitions_for_topic(topic_for(event_type))
            if found is None:
                await consumer._client.force_metadata_update()  # noqa: SLF001 - topic metadata not yet fetched
                found = consumer.partitions_for_topic(topic_for(event_type)) or set()
            partitions += [TopicPartition(topic_for(event_type), p) for p in sorted(found)]
        if not partitions:
            return 0
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=batch_size)
            records = []
            for tp, msgs in batches.items():
                records += [m for m in msgs if m.offset < ends[tp]]
                if msgs and msgs[-1].offset + 1 >= ends[tp]:
                    remaining.discard(tp)
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
            applied += await _apply(engine, handlers, schema, records)
    finally:
        await consumer.stop()
    log.info("read model replayed", schema=schema, events=applied)
    return applied


async def _apply(engine: AsyncEngine, handlers: Mapping, schema: str, records: list) -> int:
    """As the live consumer applies a batch (inbox, handlers by type in order); a message its handler refuses
    is skipped, as the live consumer dead-letters it."""
    envelopes = []
    for record in records:
        try:
            envelopes.append(Envelope.from_bytes(record.value))
        except Exception:  # noqa: BLE001 - undecodable: dead-lettered live too
            continue
    try:
        return await _apply_envelopes(engine, handlers, schema, envelopes)
    except Exception:  # noqa: BLE001 - isolate the message the handler refuses
        applied = 0
        for envelope in envelopes:
            try:
                applied += await _apply_envelopes(engine, handlers, schema, [envelope])
            except Exception as exc:  # noqa: BLE001
                log.warning("replay skipped a message its handler refuses", event_id=envelope.id, error=repr(exc))
        return applied


async def _apply_envelopes(engine: AsyncEngine, handlers: Mapping, schema: str, envelopes: list[Envelope]) -> int:
    async with engine.begin() as conn:
        await _use(conn, schema)
        fresh = set((await conn.execute(text(
            "INSERT INTO inbox (event_id, event_type) SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[])) "
            "ON CONFLICT DO NOTHING RETURNING event_id"),
            {"ids": [e.id for e in envelopes], "types": [e.type for e in envelopes]})).scalars())
        new = []
        for envelope in envelopes:
            if envelope.id in fresh:
                fresh.discard(envelope.id)
                new.append(envelope)
        uow = UnitOfWork(conn)
        for event_type, run in itertools.groupby(new, key=lambda e: e.type):
            handler = handlers.get(event_type)
            if handler is None:
                continue
            if getattr(handler, "takes_batches", False):
                await handler(uow, list(run))
            else:
                for envelope in run:
                    await handler(uow, envelope)
        return len(new)


async def figures(engine: AsyncEngine, schema: str | None = None, norms: Mapping = NO_NORMS) -> list[dict]:
    """Every indicator row of every level for every month, quarter and year with lists, in a stable order."""
    async with engine.begin() as conn:
        await _use(conn, schema)
        repo = PostgresReportsRepository(conn)
        months = sorted({m for _, _, m in await repo.units()})
        periods = sorted({Period.parse(m) for m in months}
                         | {Period.parse(f"{m[:4]}-Q{(int(m[5:]) + 2) // 3}") for m in months}
                         | {Period.parse(m[:4]) for m in months})
        tx = Transaction(repo)
        rows = []
        for period in periods:
            for level in LEVELS:
                for row in await indicator_rows(tx, level=level, period=period, norms=norms):
                    rows.append({f.name: _text(getattr(row, f.name)) for f in dataclasses.fields(row)})
        return rows


def _text(value) -> str | None:
    return None if value is None else str(value)


def digest(rows: list[dict]) -> str:
    return hashlib.sha256(orjson.dumps(rows, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def rebuild_and_compare(engine: AsyncEngine, handlers: Mapping, schema: str = REBUILD_SCHEMA,
                              norms: Mapping = NO_NORMS) -> dict:
    events = await replay_into(engine, handlers, schema)
    live, rebuilt = await figures(engine, norms=norms), await figures(engine, schema, norms=norms)
    differences = [{"live": a, "rebuilt": b} for a, b in itertools.zip_longest(live, rebuilt) if a != b]
    return {"schema": schema, "events_replayed": events, "rows": len(rebuilt), "identical": not differences,
            "live_digest": digest(live), "rebuilt_digest": digest(rebuilt), "differences": differences[:20]}
