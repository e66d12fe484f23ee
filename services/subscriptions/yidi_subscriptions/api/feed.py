"""The pull feed, for subscribers without a public endpoint: the same events of the same scope as the
webhooks, by position. `GET /v1/events` answers at once, or waits up to `wait` seconds for the first
event (long poll); `GET /v1/events/stream` is server-sent events (id = position, event = type, data =
the event), resumed after `Last-Event-ID`; a stream ends after SUBSCRIPTIONS_STREAM_MAX_SECONDS and
the client reconnects (EventSource does so by itself, sending Last-Event-ID)."""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from sse_starlette import EventSourceResponse

from yidi_common.auth import Principal, authorize
from yidi_common.http import unprocessable
from yidi_common.unit_of_work import transaction

from ..adapters.repository import PostgresSubscriptionRepository
from ..domain.events import with_position
from ..domain.scope import Scope
from ..service_layer.repository import LoggedEvent
from ..service_layer.subscriptions import events_in_scope
from ..settings import get_subscription_settings
from .subscriptions import SUBSCRIBERS, scope_of

router = APIRouter(tags=["pull feed"])
POSITION = dict(ge=0, le=2 ** 62)
TYPES = Query(None, description="event types, repeated or comma-separated; default every type of your scope")


def _requested_types(scope: Scope, types: list[str] | None) -> tuple[list[str], list[dict]]:
    wanted = [t for value in types or [] for t in value.split(",") if t] or list(scope.types)
    return wanted, scope.type_problems(wanted)


def _event(e: LoggedEvent) -> dict:
    return with_position(orjson.loads(e.body), e.position)


async def _read(request: Request, scope: Scope, after: int, types: list[str], limit: int) -> list[LoggedEvent]:
    async with transaction(request.app.state.runtime.engine, PostgresSubscriptionRepository) as tx:
        return await events_in_scope(tx, scope, after, types, limit)


@router.get("/v1/events", summary="Events of your scope after a position (long poll with wait)")
async def events(request: Request, after: int = Query(0, **POSITION), types: list[str] | None = TYPES,
                 limit: int = Query(100, ge=1, le=1000),
                 wait: float = Query(0, ge=0, le=60, description="seconds to wait for a first event (cut to the "
                                                                  "configured maximum, 30 by default)"),
                 caller: Principal = Depends(authorize(*SUBSCRIBERS))):
    scope = scope_of(caller)
    wanted, problems = _requested_types(scope, types)
    if problems:
        return unprocessable(problems)
    settings = get_subscription_settings()
    deadline = time.monotonic() + min(wait, settings.long_poll_max_seconds)
    found = await _read(request, scope, after, wanted, limit)
    while not found and time.monotonic() < deadline and not await request.is_disconnected():
        await asyncio.sleep(min(settings.feed_poll_seconds, max(0.0, deadline - time.monotonic())))
        found = await _read(request, scope, after, wanted, limit)
    return {"events": [_event(e) for e in found], "next_after": found[-1].position if found else after}


@router.get("/v1/events/stream", summary="Events of your scope as server-sent events")
async def stream(request: Request, after: int = Query(0, **POSITION), types: list[str] | None = TYPES,
                 last_event_id: str | None = Header(None, alias="Last-Event-ID"),
                 caller: Principal = Depends(authorize(*SUBSCRIBERS))):
    scope = scope_of(caller)
    wanted, problems = _requested_types(scope, types)
    if last_event_id is not None and not (re.fullmatch(r"[0-9]{1,18}", last_event_id)):
        problems.append({"field": "Last-Event-ID", "rule": "position", "message": "the last event's position"})
    if problems:
        return unprocessable(problems)
    start = int(last_event_id) if last_event_id is not None else after
    settings = get_subscription_settings()

    async def events_from(position: int) -> AsyncIterator[dict]:
        ends = time.monotonic() + settings.stream_max_seconds
        while time.monotonic() < ends:
            found = await _read(request, scope, position, wanted, 500)
            for e in found:
                yield {"id": str(e.position), "event": e.type, "data": orjson.dumps(_event(e)).decode()}
            if found:
                position = found[-1].position
            else:
                await asyncio.sleep(settings.feed_poll_seconds)

    return EventSourceResponse(events_from(start), ping=15)
