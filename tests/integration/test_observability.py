"""Observability on real Kafka and PostgreSQL: one claim's trace spans intake → ledger, and each
service's /metrics counts what it handled, shows its lag per partition and its dead letters.

Lists are posted with a `traceparent` header of the test's own making; every event read back from
the topics must carry that trace id and name, in its tracestate, the span of the event that caused it
(the first one: the HIS's span from the header)."""
from __future__ import annotations

import asyncio
import importlib
import inspect

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from yidi_common import tracing
from yidi_common.events.registry import (
    AUDIT_FLAG_RAISED,
    BUDGET_ALERT,
    LEDGER_POSTED,
    PAYMENT_PRICED,
    SETTLEMENT_LIST_GROUPED,
    SETTLEMENT_LIST_SUBMITTED,
    topic_for,
)
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine

from .harness import drained, post_traced, produce, read_topic, wait_until

SERVICES = ("grouper", "pricing", "budget", "audit", "clearing")
NO_TOKEN = {"Authorization": ""}


def _consumed(service: str) -> set[str]:
    """The event types a service's make_handlers answers (placeholder arguments: the handlers are closures)."""
    make_handlers = importlib.import_module(f"yidi_{service}.consumers.handlers").make_handlers
    required = [p for p in inspect.signature(make_handlers).parameters.values() if p.default is inspect.Parameter.empty]
    return set(make_handlers(*[None] * len(required)))


CONSUMES = {s: _consumed(s) for s in SERVICES}


@pytest.fixture(scope="module")
def chain(start_service):
    return {s: start_service(s, name=f"obs-{s}", METRICS_REFRESH_SECONDS="0.5") for s in SERVICES}


@pytest.fixture(scope="module")
def lists():
    from yidi_common.settings import get_settings

    config = load_config(REPO_ROOT / "demo" / "config")
    engine = GroupingEngine.from_settings(get_settings())
    return generate(config, engine.scheme, count=12, seed=15, codes=engine.codes, error_share=0, qc_share=0,
                    duplicate_share=0, correction_share=0, id_prefix="OBS").lists


def _scrape(url: str) -> dict[tuple[str, frozenset], float]:
    answer = httpx.get(f"{url}/metrics", headers=NO_TOKEN, timeout=10)
    assert answer.status_code == 200
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def _samples(scraped: dict, name: str, **labels: str) -> dict[frozenset, float]:
    return {k: v for (n, k), v in scraped.items() if n == name and set(labels.items()) <= k}


async def test_one_trace_spans_intake_to_ledger_and_metrics_count_every_event(chain, lists):
    his_spans = await post_traced(chain["grouper"].url, lists)
    await wait_until(lambda: drained(chain, settled=None), timeout=120, what="the chain to drain")

    kafka = chain["grouper"].env["KAFKA_BOOTSTRAP_SERVERS"]
    by_type = {t: await read_topic(kafka, topic_for(t))
               for t in {SETTLEMENT_LIST_GROUPED, BUDGET_ALERT}.union(*CONSUMES.values())}
    assert {t: len(events) for t, events in by_type.items() if t in (SETTLEMENT_LIST_SUBMITTED, PAYMENT_PRICED)} == {
        SETTLEMENT_LIST_SUBMITTED: len(lists), PAYMENT_PRICED: len(lists)}
    assert len(by_type[LEDGER_POSTED]) >= len(lists)

    def of(event_type: str, claim_id: str) -> list[tracing.TraceContext]:
        found = [e for e in by_type[event_type] if e["correlationid"] == claim_id]
        contexts = [tracing.parse_traceparent(e.get("traceparent")) for e in found]
        assert all(contexts), f"{event_type} of {claim_id} without traceparent"
        return [tracing.TraceContext(c.trace_id, c.span_id, c.sampled, tracing.parent_from_tracestate(e.get("tracestate")))
                for c, e in zip(contexts, found)]

    for claim_id, his in his_spans.items():
        (submitted,), (grouped,), (priced,) = (of(t, claim_id) for t in (
            SETTLEMENT_LIST_SUBMITTED, SETTLEMENT_LIST_GROUPED, PAYMENT_PRICED))
        posted = of(LEDGER_POSTED, claim_id)
        side = of(BUDGET_ALERT, claim_id) + of(AUDIT_FLAG_RAISED, claim_id)
        assert posted
        for context in (submitted, grouped, priced, *posted, *side):
            assert context.trace_id == his.trace_id, claim_id
        assert submitted.parent_span_id == his.span_id != submitted.span_id
        assert grouped.parent_span_id == submitted.span_id != grouped.span_id
        assert priced.parent_span_id == grouped.span_id != priced.span_id
        assert all(c.parent_span_id == priced.span_id != c.span_id for c in (*posted, *side))

    async def lags_shown() -> dict | None:
        scraped = {s: _scrape(chain[s].url) for s in SERVICES}
        for service, consumed in CONSUMES.items():
            lags = _samples(scraped[service], "yidi_consumer_lag", service=service)
            topics = {dict(k)["topic"] for k in lags}
            if topics != {topic_for(t) for t in consumed} or any(lags.values()):
                return None
        return scraped

    scraped = await wait_until(lags_shown, timeout=60, what="every consumed partition's lag at 0 on /metrics")
    for service, consumed in CONSUMES.items():
        for event_type in consumed:
            applied = _samples(scraped[service], "yidi_events_handled_total", service=service, type=event_type,
                               outcome="applied")
            assert sum(applied.values()) == len(by_type[event_type]), (service, event_type)
            latency = _samples(scraped[service], "yidi_event_handling_seconds_count", service=service, type=event_type)
            assert sum(latency.values()) == len(by_type[event_type]), (service, event_type)
        partitions = {dict(k)["partition"] for k in _samples(scraped[service], "yidi_consumer_lag", service=service)}
        assert partitions == {"0", "1", "2", "3"}  # TOPIC_PARTITIONS=4 (harness), one process holds them all
        assert _samples(scraped[service], "yidi_outbox_backlog", service=service) == {frozenset({("service", service)}): 0}
    posts = _samples(scraped["grouper"], "yidi_http_request_duration_seconds_count", service="grouper", method="POST",
                     route="/v1/settlement-lists", status="202")
    assert sum(posts.values()) == len(lists)

    # counted by route template, type and topic: no claim, person or hospital is named
    personal = {v for sl in lists for v in (sl["setlinfo"]["certno"], sl["setlinfo"]["psn_name"],
                                            sl["setlinfo"]["psn_no"], sl["setlinfo"]["setl_id"])}
    for service in SERVICES:
        text = httpx.get(f"{chain[service].url}/metrics", headers=NO_TOKEN, timeout=10).text
        assert not {v for v in personal | set(his_spans) if v in text}, service


async def test_a_poisoned_message_counts_as_a_dead_letter_of_its_topic(chain):
    topic = topic_for(SETTLEMENT_LIST_GROUPED)
    labels = {"service": "pricing", "topic": topic}

    def dead_letters() -> float:
        return sum(_samples(_scrape(chain["pricing"].url), "yidi_dead_letters_total", **labels).values())

    before = dead_letters()
    await produce(chain["pricing"].env["KAFKA_BOOTSTRAP_SERVERS"], topic, [(b"poison", b"{not an event")])

    async def counted() -> bool:
        return dead_letters() == before + 1

    await wait_until(counted, timeout=60, what="the dead letter on /metrics")
    await asyncio.sleep(1)
    assert dead_letters() == before + 1
