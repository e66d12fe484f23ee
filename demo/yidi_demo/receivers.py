"""Webhook receivers for the soak: one HTTP server, one path per subscriber. Each delivery is checked as a
subscriber would check it, its Standard Webhooks signature against the subscription's secret (with the
`standardwebhooks` library), then its CloudEvents are recorded by id with their log positions: one event
(structured mode) or a JSON array of them (batched mode, a subscription with a batch size above 1).

Written on httptools like the load generator (client.py): it shares the cores the chain runs on, and a
receiver that costs more CPU than the deliveries it counts would slow what it measures.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime

import httptools
import orjson
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Inbox:
    """What one subscriber received: each event id once, with its log position; every delivery counted; the
    delay from each event's time (its CloudEvents `time`) to its first arrival, in seconds."""

    webhook: Webhook | None = None  # the subscription's secret, known once it is made
    positions: dict[str, int] = field(default_factory=dict)
    deliveries: int = 0
    duplicates: int = 0
    bad_signatures: int = 0
    delays: list[float] = field(default_factory=list)

    def record(self, event_id: str, position: int, event_time: str | None = None) -> None:
        self.deliveries += 1
        if event_id in self.positions:
            self.duplicates += 1
        else:
            self.positions[event_id] = position
            if event_time:
                self.delays.append(time.time() - datetime.fromisoformat(event_time).timestamp())


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
        reason = {204: b"No Content", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found",
                  503: b"Service Unavailable"}[status]
        self.transport.write(b"HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n" % (status, reason))
        if not self.parser.should_keep_alive():
            self.transport.close()
        self.url, self.headers, self.body = b"", {}, []


class Receivers:
    """`url(name)` is where subscriber `name` is delivered, `inboxes[name]` what it got; `expect(name, secret)`
    arms its signature check (until then it answers 503, and the service tries again later)."""

    def __init__(self, names: list[str], host: str = "127.0.0.1") -> None:
        self.host = host
        self.inboxes = {n: Inbox() for n in names}
        self.port = 0
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> "Receivers":
        self._server = await asyncio.get_running_loop().create_server(lambda: _Request(self), self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/r/{name}"

    def expect(self, name: str, secret: str) -> None:
        self.inboxes[name].webhook = Webhook(secret)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        inbox = self.inboxes.get(path.removeprefix("/r/").split("?")[0])
        if inbox is None:
            return 404
        if inbox.webhook is None:
            return 503
        try:
            inbox.webhook.verify(body, headers, json_parse=False)
        except WebhookVerificationError:
            inbox.bad_signatures += 1
            return 401
        try:
            sent = orjson.loads(body)
            events = [(str(e["id"]), int(e["position"]), e.get("time"))
                      for e in (sent if isinstance(sent, list) else [sent])]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return 400
        for event_id, position, event_time in events:
            inbox.record(event_id, position, event_time)
        return 204

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
