"""Webhook receivers for the bench and the soak: one HTTP server, one path per subscriber, recording the
CloudEvents each subscriber was delivered (binary mode `ce-*` headers, structured mode or a batch).

Written on httptools like the load generator (client.py): it shares the cores the chain runs on, and a
receiver that costs more CPU than the deliveries it counts would slow what it measures.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import httptools
import orjson


@dataclass
class Inbox:
    """What one subscriber received: each event id with when it first arrived, and how often; the delay from
    each event's time (its CloudEvents `time`) to its first arrival."""

    first_seen: dict[str, float] = field(default_factory=dict)
    delays: list[float] = field(default_factory=list)
    deliveries: int = 0
    duplicates: int = 0
    types: Counter = field(default_factory=Counter)

    def record(self, event_id: str, event_type: str | None, event_time: str | None) -> None:
        self.deliveries += 1
        if event_id in self.first_seen:
            self.duplicates += 1
            return
        now = time.time()
        self.first_seen[event_id] = now
        self.types[event_type or "?"] += 1
        if event_time:
            self.delays.append(now - datetime.fromisoformat(event_time).timestamp())


def events_of(headers: dict[str, str], body: bytes) -> list[tuple[str, str | None, str | None]]:
    """(id, type, time) of each CloudEvent in a request, whichever HTTP content mode carried it."""
    if "ce-id" in headers:
        return [(headers["ce-id"], headers.get("ce-type"), headers.get("ce-time"))]
    data = orjson.loads(body) if body else None
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    return [(str(e["id"]), e.get("type"), e.get("time")) for e in items if isinstance(e, dict) and "id" in e]


class _Request(asyncio.Protocol):
    def __init__(self, server: "Receivers") -> None:
        self.server = server
        self.parser = httptools.HttpRequestParser(self)
        self.url = b""
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode().lower()] = value.decode("utf-8", "replace")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        status = self.server.handle(self.url.decode(), self.headers, b"".join(self.body))
        reason = {204: b"No Content", 404: b"Not Found", 400: b"Bad Request", 503: b"Service Unavailable"}[status]
        self.transport.write(b"HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n" % (status, reason))
        if not self.parser.should_keep_alive():
            self.transport.close()
        self.url, self.headers, self.body = b"", {}, []


class Receivers:
    """`url(name)` is where subscriber `name` is delivered; `inboxes[name]` what it got. `failing[name] = n`
    answers its next n requests with 503 (a receiver that is down for a while)."""

    def __init__(self, names: list[str], host: str = "127.0.0.1") -> None:
        self.host = host
        self.inboxes = {n: Inbox() for n in names}
        self.failing: Counter = Counter()
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> "Receivers":
        self._server = await asyncio.get_running_loop().create_server(lambda: _Request(self), self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/r/{name}"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        name = path.removeprefix("/r/").split("?")[0]
        inbox = self.inboxes.get(name)
        if inbox is None:
            return 404
        if self.failing[name] > 0:
            self.failing[name] -= 1
            return 503
        try:
            for event in events_of(headers, body):
                inbox.record(*event)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return 400
        return 204

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
