"""With OTEL_EXPORTER_OTLP_ENDPOINT set, the services export their spans over OTLP/HTTP to a collector (here a
small HTTP server of the test's own, decoding the protobuf requests as a collector does): the intake's request
span continues the HIS's `traceparent`, and each consumer's `process <type>` span has, as its parent, the span
named by the event it handled, and, as its own id, the span the events it emitted name. So a tracing backend
draws the same tree the events carry (test_observability checks the events themselves)."""
from __future__ import annotations

import gzip
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from yidi_common import tracing
from yidi_common.events.registry import SETTLEMENT_LIST_GROUPED, SETTLEMENT_LIST_SUBMITTED, topic_for
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine

from .harness import free_port, post_traced, read_topic, wait_until


class Collector:
    """Receives OTLP/HTTP trace exports: (service.name, span) for every span."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, object]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path == "/v1/traces":
                    request = ExportTraceServiceRequest.FromString(body)
                    for resource_spans in request.resource_spans:
                        name = next(a.value.string_value for a in resource_spans.resource.attributes
                                    if a.key == "service.name")
                        collector.spans += [(name, s) for scope in resource_spans.scope_spans for s in scope.spans]
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def requests(self, service: str, path: str, trace_id: str) -> list:
        """The service's HTTP server spans of requests to the path, in the trace."""
        return [s for n, s in self.spans if n == service and s.kind == Span.SpanKind.SPAN_KIND_SERVER
                and s.trace_id.hex() == trace_id
                and any(a.key == "url.path" and a.value.string_value == path for a in s.attributes)]

    def of(self, service: str, name: str, trace_id: str) -> list:
        return [s for n, s in self.spans if n == service and s.name == name and s.trace_id.hex() == trace_id]


@pytest.fixture(scope="module")
def collector():
    running = Collector()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def chain(start_service, collector):
    otel = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}", "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_METRICS_EXPORTER": "none"}
    return {s: start_service(s, name=f"otlp-{s}", OTEL_SERVICE_NAME=f"yidi-{s}", **otel) for s in ("grouper", "pricing")}


async def test_spans_reach_the_collector_with_the_ids_the_events_carry(chain, collector):
    from yidi_common.settings import get_settings

    engine = GroupingEngine.from_settings(get_settings())
    lists = generate(load_config(REPO_ROOT / "demo" / "config"), engine.scheme, count=3, seed=21, codes=engine.codes,
                     error_share=0, qc_share=0, duplicate_share=0, correction_share=0, id_prefix="OTLP").lists
    his = await post_traced(chain["grouper"].url, lists)

    kafka = chain["grouper"].env["KAFKA_BOOTSTRAP_SERVERS"]
    grouped = {e["correlationid"]: tracing.parse_traceparent(e["traceparent"])
               for e in await read_topic(kafka, topic_for(SETTLEMENT_LIST_GROUPED), min_count=len(lists), timeout=60)}

    async def exported() -> bool:
        return all(collector.of("yidi-pricing", f"process {SETTLEMENT_LIST_GROUPED}", c.trace_id) for c in his.values())

    await wait_until(exported, timeout=60, what="pricing's spans at the collector")
    for claim_id, context in his.items():
        (request,) = collector.requests("yidi-grouper", "/v1/settlement-lists", context.trace_id)
        assert request.parent_span_id.hex() == context.span_id
        assert request.name == "POST /v1/settlement-lists"  # though the intake's fast path answers before routing
        (grouping,) = collector.of("yidi-grouper", f"process {SETTLEMENT_LIST_SUBMITTED}", context.trace_id)
        assert grouping.span_id.hex() == grouped[claim_id].span_id  # the span the grouped event names
        (pricing,) = collector.of("yidi-pricing", f"process {SETTLEMENT_LIST_GROUPED}", context.trace_id)
        assert pricing.parent_span_id.hex() == grouped[claim_id].span_id
