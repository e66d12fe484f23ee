"""GET /metrics and the HTTP middleware of every service app: requests counted by method, route
template and status (never the path as requested), the trace context current while a request is
handled, and the consumer's counters by event type and outcome."""
from __future__ import annotations

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from yidi_common import messaging, tracing
from yidi_common.metrics import ConsumerMetrics
from yidi_common.runtime import create_service_app

from .test_tracing import SPEC_EXAMPLE, _Connection, _consumer, _emitting, _event, _Record

router = APIRouter()


@router.get("/v1/things/{thing_id}")
async def thing(thing_id: str) -> dict:
    context = tracing.current()
    return {"thing": thing_id, "trace_id": context.trace_id, "parent": context.parent_span_id}


class AnsweredBeforeRouting:
    """Like the grouper's intake fast path: answers POST /v1/things itself."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/v1/things":
            await JSONResponse({"accepted": True}, status_code=202)(scope, receive, send)
            return
        await self.app(scope, receive, send)


@router.post("/v1/things")
async def post_thing() -> dict:
    return {}


def _app(service: str):
    app = create_service_app(service, handlers={}, routers=[router], title="t", description="d")
    app.add_middleware(AnsweredBeforeRouting)
    return app


def _count(service: str, method: str, route: str, status: str) -> float:
    return REGISTRY.get_sample_value("yidi_http_request_duration_seconds_count",
                                     {"service": service, "method": method, "route": route, "status": status}) or 0


async def test_requests_are_counted_by_route_template_and_status_and_metrics_are_open():
    app = _app("metrics-http")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for thing_id in ("a", "b", "c"):
            assert (await client.get(f"/v1/things/{thing_id}")).status_code == 200
        assert (await client.post("/v1/things")).status_code == 202  # answered before routing
        assert (await client.get("/v1/nothing/here")).status_code == 404
        scraped = await client.get("/metrics")  # no token
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert _count("metrics-http", "GET", "/v1/things/{thing_id}", "200") == 3
    assert _count("metrics-http", "POST", "/v1/things", "202") == 1
    assert _count("metrics-http", "GET", "unmatched", "404") == 1
    families = {f.name: f for f in text_string_to_metric_families(scraped.text)}
    routes = {s.labels["route"] for s in families["yidi_http_request_duration_seconds"].samples
              if s.labels.get("service") == "metrics-http"}
    assert routes == {"/v1/things/{thing_id}", "/v1/things", "unmatched"}  # no "/v1/things/a"


async def test_a_request_continues_the_callers_trace():
    app = _app("metrics-trace")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        answer = (await client.get("/v1/things/a", headers={"traceparent": SPEC_EXAMPLE})).json()
        fresh = (await client.get("/v1/things/a")).json()
    assert answer["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736" and answer["parent"] == "00f067aa0ba902b7"
    assert fresh["trace_id"] != answer["trace_id"] and fresh["parent"] is None
    assert tracing.current() is None  # not left behind


def _handled(service: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("yidi_events_handled_total",
                                     {"service": service, "type": "in.one", "outcome": outcome}) or 0


async def test_the_consumer_counts_events_once_committed_by_type_and_outcome():
    consumer = _consumer({"in.one": _emitting("p")})
    consumer.metrics = ConsumerMetrics("metrics-consumer", [])
    tally = messaging._Tally(0.0)
    events = [_event("e1", "c1"), _event("e2", "c2"), _event("e1", "c1")]  # e1 twice in the batch
    await consumer._apply(_Connection(), [_Record(e, i) for i, e in enumerate(events)], tally)
    assert _handled("metrics-consumer", "applied") == 0  # nothing counted before the commit
    consumer._count(tally)
    assert _handled("metrics-consumer", "applied") == 2 and _handled("metrics-consumer", "duplicate") == 1
    assert REGISTRY.get_sample_value("yidi_event_handling_seconds_count",
                                     {"service": "metrics-consumer", "type": "in.one"}) == 2


async def test_a_dead_letter_is_counted_by_the_topic_it_came_from():
    consumer = _consumer({"in.one": _emitting("p")})
    consumer.metrics = ConsumerMetrics("metrics-dead", ["t"])

    async def recorded(*_args, **_kwargs) -> bool:
        return True
    consumer._record_dead_letter = recorded
    record = _Record(_event("e1", "c1"), 0)
    record.value = b"{not an event"
    tally = messaging._Tally(0.0)
    await consumer._apply(_Connection(), [record], tally)
    consumer._count(tally)
    assert REGISTRY.get_sample_value("yidi_dead_letters_total", {"service": "metrics-dead", "topic": "t"}) == 1
    assert REGISTRY.get_sample_value("yidi_events_handled_total",
                                     {"service": "metrics-dead", "type": "undecodable", "outcome": "dead_lettered"}) == 1
