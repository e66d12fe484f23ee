"""Prometheus metrics every service exposes at GET /metrics (prometheus_client's default registry, so
the metrics a service defines for itself appear beside these).

Labels are bounded: service, event type, outcome, topic, partition, HTTP method, route template and
status; never a claim, a hospital or a path as requested. Per event the consumer adds counter
increments per event type and batch (not per event) and one histogram observation; lag and outbox
backlog are read every METRICS_REFRESH_SECONDS by a background task, not per event or request.
"""
from __future__ import annotations

import asyncio
from time import perf_counter

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from . import tracing
from .auth import api_routes

disable_created_metrics()  # no `_created` series beside every counter and histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

EVENTS_HANDLED = Counter(
    "yidi_events_handled", "Consumed events by type and outcome: applied (new to the inbox), duplicate "
    "(skipped by the inbox), dead_lettered", ["service", "type", "outcome"])
EVENT_HANDLING = Histogram(
    "yidi_event_handling_seconds", "From the consumer receiving an event to its batch's effects committed",
    ["service", "type"], buckets=LATENCY_BUCKETS)
CONSUMER_LAG = Gauge(
    "yidi_consumer_lag", "Messages on a partition this process holds not yet consumed (end offset - position)",
    ["service", "topic", "partition"])
OUTBOX_BACKLOG = Gauge("yidi_outbox_backlog", "Outbox rows not yet published to Kafka", ["service"])
DEAD_LETTERS = Counter("yidi_dead_letters", "Messages sent to the dead-letter topic, by the topic they came from",
                       ["service", "topic"])
HTTP_REQUESTS = Histogram(
    "yidi_http_request_duration_seconds", "HTTP requests by method, route template and status",
    ["service", "method", "route", "status"], buckets=LATENCY_BUCKETS)

log = structlog.get_logger()


def exposition() -> tuple[bytes, str]:
    """The registry in Prometheus' text format, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class ConsumerMetrics:
    """One consumer's counters, with their label children looked up once per (type, outcome)."""

    def __init__(self, service: str, topics: list[str]):
        self.service = service
        self._handled: dict[tuple[str, str], object] = {}
        self._latency: dict[str, object] = {}
        for topic in topics:  # present at 0 from the start, so a first dead letter is an increase
            DEAD_LETTERS.labels(service, topic)

    def handled(self, event_type: str, outcome: str, count: int) -> None:
        child = self._handled.get((event_type, outcome))
        if child is None:
            child = self._handled[(event_type, outcome)] = EVENTS_HANDLED.labels(self.service, event_type, outcome)
        child.inc(count)

    def latency(self, event_type: str, seconds: float, count: int) -> None:
        child = self._latency.get(event_type)
        if child is None:
            child = self._latency[event_type] = EVENT_HANDLING.labels(self.service, event_type)
        for _ in range(count):
            child.observe(seconds)

    def dead_lettered(self, topic: str) -> None:
        DEAD_LETTERS.labels(self.service, topic).inc()


async def refresh_periodically(runtime, every: float) -> None:
    """Consumer lag per partition and the outbox backlog, every `every` seconds: one ListOffsets
    request and one count over the outbox, whatever the traffic."""
    shown: set[tuple[str, str]] = set()
    while True:
        try:
            OUTBOX_BACKLOG.labels(runtime.name).set(await runtime.relay.pending())
            if runtime.consumer is not None:
                lags = await runtime.consumer.partition_lags()
                now = {(tp.topic, str(tp.partition)) for tp in lags}
                for topic, partition in shown - now:  # revoked: another process reports it now
                    CONSUMER_LAG.remove(runtime.name, topic, partition)
                for tp, lag in lags.items():
                    CONSUMER_LAG.labels(runtime.name, tp.topic, str(tp.partition)).set(lag)
                shown = now
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a metric left stale is no reason to stop the service
            log.warning("metrics refresh failed", error=repr(exc))
        await asyncio.sleep(every)


_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_ROUTES_REMEMBERED = 512


class HttpObservability:
    """ASGI middleware, outermost: each request's duration by (method, route template, status), and its
    trace context (tracing.for_request) current while it is handled, so what it emits and logs carries it.

    The route template is the one routing matched; for a request answered before routing (the grouper's
    intake fast path) it is looked up once per (method, path) among the app's routes; a path no route
    matches is counted as `unmatched`, never by its own text."""

    def __init__(self, app: ASGIApp, *, service: str, routes: list):
        self.app = app
        self.service = service
        self.routes = routes
        self._children: dict[tuple[str, str, int], object] = {}
        self._templates: dict[tuple[str, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        traceparent = None
        for name, value in scope["headers"]:
            if name == b"traceparent":
                traceparent = value.decode("latin-1")
                break
        token = tracing.activate(tracing.for_request(traceparent))
        try:
            await self.app(scope, receive, sending)
        finally:
            tracing.deactivate(token)
            self._observe(scope, status, perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
        route = scope.get("route")
        template = getattr(route, "path", None) if route is not None else self._template(scope)
        key = (method, template, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = HTTP_REQUESTS.labels(self.service, method, template, str(status))
        child.observe(seconds)

    def _template(self, scope: Scope) -> str:
        key = (scope["method"], scope["path"])
        template = self._templates.get(key)
        if template is None:
            template = "unmatched"
            for route in api_routes(self.routes):
                match, _ = route.matches(scope)
                if match is Match.FULL and hasattr(route, "path"):
                    template = route.path
                    break
            if len(self._templates) < _ROUTES_REMEMBERED:
                self._templates[key] = template
        return template
