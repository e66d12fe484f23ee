"""W3C trace context across HTTP and Kafka hops (CloudEvents distributed-tracing extension).

An event's `traceparent` names the span it was emitted in: the HIS POST's request span, or the span
of handling the event that caused it. That span's parent (the span of the causing event, or the
HIS's own span from its `traceparent` header) rides in the event's `tracestate` as `yidi=<span-id>`,
so one claim's events read from the topics form a chain intake → ledger without any tracing backend.

With an OpenTelemetry SDK tracer provider configured (OTEL_* variables: FastAPI's native telemetry
sets it up, see runtime._telemetry) the spans are real, recorded and exported, and their ids are the
ones the events carry. Without one, ids are made here (a random 64-bit number per span) and nothing is
recorded: the cost is a few string operations per emitted event.
"""
from __future__ import annotations

import random
import re
from contextvars import ContextVar
from typing import NamedTuple

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags

_TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")
_ZERO_TRACE, _ZERO_SPAN = "0" * 32, "0" * 16
TRACESTATE_KEY = "yidi"


class TraceContext(NamedTuple):  # a tuple: made for every traced request and emitted event
    """One span: its trace, its own id and (when known) its parent's id."""

    trace_id: str  # 32 lowercase hex digits
    span_id: str  # 16 lowercase hex digits
    sampled: bool = True
    parent_span_id: str | None = None

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{'01' if self.sampled else '00'}"

    @property
    def tracestate(self) -> str | None:
        return f"{TRACESTATE_KEY}={self.parent_span_id}" if self.parent_span_id else None

    def child(self) -> "TraceContext":
        """A new span of the same trace whose parent is this one."""
        return TraceContext(self.trace_id, new_span_id(), self.sampled, self.span_id)


def new_span_id() -> str:
    return f"{random.getrandbits(64) or 1:016x}"


def new_trace() -> TraceContext:
    """The root span of a new trace (a request or an event that came without trace context)."""
    return TraceContext(f"{random.getrandbits(128) or 1:032x}", new_span_id())


def parse_traceparent(value: str | None) -> TraceContext | None:
    """A W3C traceparent (version-traceid-parentid-flags), or None when absent or invalid (the spec:
    lowercase hex only, all-zero ids and version ff invalid; a later version may append fields)."""
    match = _TRACEPARENT.fullmatch(value.strip()) if value else None
    if match is None:
        return None
    version, trace_id, span_id, flags, more = match.groups()
    if version == "ff" or (version == "00" and more is not None):
        return None
    if trace_id == _ZERO_TRACE or span_id == _ZERO_SPAN:
        return None
    return TraceContext(trace_id, span_id, bool(int(flags, 16) & 1))


def parent_from_tracestate(value: str | None) -> str | None:
    """The parent span id an event's tracestate names (our `yidi=` entry), if any."""
    for member in (value or "").split(","):
        key, _, span_id = member.strip().partition("=")
        if key == TRACESTATE_KEY and _SPAN_ID.fullmatch(span_id):
            return span_id
    return None


def of_event(event) -> TraceContext | None:
    """The span an event was emitted in, with its parent."""
    context = parse_traceparent(event.traceparent)
    if context is None:
        return None
    parent = parent_from_tracestate(event.tracestate)
    return TraceContext(context.trace_id, context.span_id, context.sampled, parent) if parent else context


def stamp(event, context: TraceContext) -> None:
    """Marks an event as emitted in `context`'s span."""
    event.traceparent = context.traceparent
    event.tracestate = context.tracestate


# --- the span the current task works in (an HTTP request) ---

_current: ContextVar[TraceContext | None] = ContextVar("yidi_trace", default=None)


def current() -> TraceContext | None:
    return _current.get()


def activate(context: TraceContext | None):
    """Makes `context` current; returns the token to give `deactivate`."""
    return _current.set(context)


def deactivate(token) -> None:
    _current.reset(token)


def for_request(traceparent_header: str | None) -> TraceContext:
    """The span of an incoming request: OpenTelemetry's server span when a tracer records one, else a
    new span continuing the caller's trace (its `traceparent` header), else the root of a new trace."""
    otel = trace.get_current_span().get_span_context()
    caller = parse_traceparent(traceparent_header)
    if otel.is_valid:
        return TraceContext(f"{otel.trace_id:032x}", f"{otel.span_id:016x}", otel.trace_flags.sampled,
                            caller.span_id if caller else None)
    return caller.child() if caller else new_trace()


def add_trace_id(_logger, _method, event_dict: dict) -> dict:
    """structlog processor: a log line written while a request is handled names its trace."""
    context = _current.get()
    if context is not None and "trace_id" not in event_dict:
        event_dict["trace_id"] = context.trace_id
    return event_dict


# --- OpenTelemetry spans for consumed events, when a tracer provider records them ---

def recording() -> bool:
    """True when an SDK tracer provider is configured (OTEL_* variables), so spans are worth making."""
    provider = trace.get_tracer_provider()
    return not isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider))


def start_handling_span(tracer: trace.Tracer, service: str, event, topic: str) -> trace.Span:
    """The consumer span of handling one event, a child of the span it was emitted in."""
    parent = parse_traceparent(event.traceparent)
    context = None
    if parent is not None:
        remote = SpanContext(int(parent.trace_id, 16), int(parent.span_id, 16), is_remote=True,
                             trace_flags=TraceFlags(TraceFlags.SAMPLED if parent.sampled else TraceFlags.DEFAULT))
        context = trace.set_span_in_context(NonRecordingSpan(remote))
    return tracer.start_span(
        f"process {event.type}", context=context, kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic,
                    "messaging.operation.type": "process", "messaging.consumer.group.name": service,
                    "messaging.message.id": event.id, "cloudevents.event_type": event.type})


def of_span(span: trace.Span, parent_span_id: str | None) -> TraceContext:
    ctx = span.get_span_context()
    return TraceContext(f"{ctx.trace_id:032x}", f"{ctx.span_id:016x}", ctx.trace_flags.sampled, parent_span_id)
