"""Trace context per W3C Trace Context (https://www.w3.org/TR/trace-context/, its examples) and its
propagation by the consumer: an event emitted while handling another carries the same trace id, a new
span id, and the handled event's span as parent."""
from __future__ import annotations

from datetime import datetime, timezone

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from yidi_common import messaging, tracing
from yidi_common.events import Envelope
from yidi_common.messaging import EventConsumer, takes_batches

SPEC_EXAMPLE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"  # W3C §3.2.2.4 / §3.3


def test_the_specs_example_parses_and_formats_back():
    context = tracing.parse_traceparent(SPEC_EXAMPLE)
    assert (context.trace_id, context.span_id, context.sampled) == (
        "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", True)
    assert context.traceparent == SPEC_EXAMPLE
    assert tracing.parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").sampled is False


@pytest.mark.parametrize("value", [
    None, "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",  # no flags
    "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
    "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # all-zero trace id
    "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # all-zero parent id
    "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # version ff
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  # version 00 has exactly four fields
    "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",  # 31 digits
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
])
def test_invalid_traceparents_are_ignored(value):
    assert tracing.parse_traceparent(value) is None


def test_a_later_version_may_append_fields():
    context = tracing.parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds")
    assert context.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_a_child_keeps_the_trace_and_names_its_parent():
    parent = tracing.parse_traceparent(SPEC_EXAMPLE)
    child = parent.child()
    assert child.trace_id == parent.trace_id and child.parent_span_id == "00f067aa0ba902b7"
    assert child.span_id != parent.span_id and len(child.span_id) == 16 and child.span_id != "0" * 16
    assert child.tracestate == "yidi=00f067aa0ba902b7"
    assert tracing.parse_traceparent(child.traceparent) == tracing.TraceContext(child.trace_id, child.span_id)


def test_a_request_without_trace_context_starts_a_trace_and_one_with_it_continues_it():
    started = tracing.for_request(None)
    assert len(started.trace_id) == 32 and started.parent_span_id is None
    continued = tracing.for_request(SPEC_EXAMPLE)
    assert continued.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert continued.parent_span_id == "00f067aa0ba902b7" and continued.span_id != "00f067aa0ba902b7"
    assert tracing.for_request("garbage").trace_id != continued.trace_id


def test_a_log_line_written_in_a_request_names_its_trace():
    assert tracing.add_trace_id(None, "info", {"event": "x"}) == {"event": "x"}
    token = tracing.activate(tracing.for_request(SPEC_EXAMPLE))
    try:
        line = tracing.add_trace_id(None, "info", {"event": "x"})
    finally:
        tracing.deactivate(token)
    assert line == {"event": "x", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"}


def _event(event_id: str, claim: str, traceparent: str | None = None, type_: str = "in.one") -> Envelope:
    return Envelope(id=event_id, source="/tests", type=type_, subject=claim, time=datetime(2026, 12, 1, tzinfo=timezone.utc),
                    correlationid=claim, traceparent=traceparent)


def test_the_envelope_carries_the_attributes_only_when_set():
    plain = orjson.loads(_event("e1", "c1").to_bytes())
    assert "traceparent" not in plain and "tracestate" not in plain
    traced = _event("e1", "c1", SPEC_EXAMPLE)
    traced.tracestate = "yidi=00f067aa0ba902b7"
    again = Envelope.from_bytes(traced.to_bytes())
    assert (again.traceparent, again.tracestate) == (SPEC_EXAMPLE, "yidi=00f067aa0ba902b7")
    assert tracing.of_event(again).parent_span_id == "00f067aa0ba902b7"


class _Result:
    def __init__(self, rows):
        self.rows = rows

    def scalars(self):
        return self.rows


class _Connection:
    """Answers the consumer's inbox insert (every id new) and keeps what goes to the outbox."""

    def __init__(self):
        self.outbox: list[dict] = []

    async def execute(self, statement, params):
        if "INTO inbox" in str(statement):
            return _Result(list(params["ids"]))
        self.outbox += [orjson.loads(body) for body in params["bodies"]]
        return _Result([])


class _Record:
    def __init__(self, event: Envelope, offset: int):
        self.topic, self.partition, self.offset, self.key, self.value = "t", 0, offset, b"k", event.to_bytes()


def _consumer(handlers) -> EventConsumer:
    return EventConsumer(service="tests", engine=None, bootstrap_servers="127.0.0.1:1", handlers=handlers, relay=None)


def _emitting(prefix: str):
    async def handle(uow, event: Envelope) -> None:
        uow.emit(_event(f"{prefix}-{event.id}", event.correlationid, type_="out"))
    return handle


@takes_batches
async def _emitting_batch(uow, events: list[Envelope]) -> None:
    for event in reversed(events):  # a batch handler emits in its own order
        uow.emit(_event(f"b-{event.id}", event.correlationid, type_="out"))


async def _apply(handlers, events: list[Envelope]) -> dict[str, dict]:
    connection = _Connection()
    await _consumer(handlers)._apply(connection, [_Record(e, i) for i, e in enumerate(events)],
                                     messaging._Tally(0.0))
    return {e["id"]: e for e in connection.outbox}


OTHER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.mark.parametrize("handler", [_emitting("p"), _emitting_batch], ids=["per event", "batch"])
async def test_each_emitted_event_continues_its_causes_trace_in_a_new_span(handler):
    events = [_event("e1", "c1", SPEC_EXAMPLE), _event("e2", "c2", OTHER), _event("e3", "c3")]
    out = {e["correlationid"]: e for e in (await _apply({"in.one": handler}, events)).values()}
    first, second, untraced = (tracing.of_event(Envelope.model_validate(out[c])) for c in ("c1", "c2", "c3"))
    assert first.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736" and first.parent_span_id == "00f067aa0ba902b7"
    assert second.trace_id == "0af7651916cd43dd8448eb211c80319c" and second.parent_span_id == "b7ad6b7169203331"
    assert first.span_id not in ("00f067aa0ba902b7", second.span_id)
    assert untraced.parent_span_id is None and untraced.trace_id not in (first.trace_id, second.trace_id)


async def test_events_emitted_while_handling_one_event_share_its_handling_span():
    async def two(uow, event):
        uow.emit(_event("x1", event.correlationid, type_="out"))
        uow.emit(_event("x2", event.correlationid, type_="out"))
    out = await _apply({"in.one": two}, [_event("e1", "c1", SPEC_EXAMPLE)])
    assert out["x1"]["traceparent"] == out["x2"]["traceparent"] != SPEC_EXAMPLE
    assert out["x1"]["tracestate"] == "yidi=00f067aa0ba902b7"


async def test_with_a_recording_tracer_provider_the_events_carry_the_exported_consumer_spans(monkeypatch):
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(tracing, "recording", lambda: True)
    monkeypatch.setattr(messaging.trace, "get_tracer", provider.get_tracer)
    out = await _apply({"in.one": _emitting("p")}, [_event("e1", "c1", SPEC_EXAMPLE)])
    span, = exporter.get_finished_spans()
    assert span.kind is SpanKind.CONSUMER and span.name == "process in.one"
    assert f"{span.parent.span_id:016x}" == "00f067aa0ba902b7"
    assert f"{span.context.trace_id:032x}" == "4bf92f3577b34da6a3ce929d0e0e4736"
    emitted = tracing.of_event(Envelope.model_validate(out["p-e1"]))
    assert emitted.span_id == f"{span.context.span_id:016x}" and emitted.parent_span_id == "00f067aa0ba902b7"


async def test_an_event_emitted_in_a_request_carries_the_requests_span():
    connection = _Connection()
    token = tracing.activate(tracing.for_request(SPEC_EXAMPLE))
    try:
        await messaging.write_outbox(connection, [_event("r1", "c1", type_="out")])
        request = tracing.current()
    finally:
        tracing.deactivate(token)
    assert connection.outbox[0]["traceparent"] == request.traceparent
    assert connection.outbox[0]["tracestate"] == "yidi=00f067aa0ba902b7"
