"""How every service process runs: FastAPI for HTTP, plus its event consumer and outbox relay."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import structlog
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, Query, Response
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .auth import Principal, Role, TokenVerifier, authorize, document_roles
from .config_api import router as config_router
from .config_provider import ConfigProvider
from .db import migrate, service_engine
from .http import install_error_handlers
from .inbox import prune_periodically
from .logging import configure_logging
from .kafka_watchdog import KafkaWatchdog
from .messaging import EventConsumer, Handler, OutboxRelay, broker_answers, make_producer
from .metrics import HttpObservability, exposition, refresh_periodically
from .personal_data import mask_text as mask_personal_data
from .settings import get_settings

DEAD_LETTER_SHOWN = 4000  # bytes of a dead-lettered message shown by GET /v1/ops/dead-letters


@dataclass
class ServiceRuntime:
    """The live parts of a service, reachable from request handlers as app.state.runtime."""

    name: str
    engine: AsyncEngine
    relay: OutboxRelay
    consumer: EventConsumer | None
    extras: dict = field(default_factory=dict)


UNTRACED_PATHS = frozenset({"/metrics", "/healthz"})  # scrapes and probes make no spans


def _telemetry() -> dict:
    """FastAPI's OpenTelemetry spans and metrics, on when an exporter is configured (OTEL_* variables):
    FastAPI then sets up the global providers from them at startup (OTLP over HTTP, which needs
    opentelemetry-exporter-otlp-proto-http installed), and the consumers' spans (yidi_common.tracing)
    go to the same tracer provider. Otherwise off, as its per-request check of the providers costs
    ~2 % of the intake's CPU; events still carry trace context (yidi_common.tracing)."""
    configured = any(k.startswith(("OTEL_EXPORTER_", "OTEL_TRACES_", "OTEL_METRICS_")) for k in os.environ)
    return {"tracing": configured, "metrics": configured, "auto_configure": configured,
            "exclude": lambda scope: scope.get("path") in UNTRACED_PATHS}


class _ServiceApp(FastAPI):
    """FastAPI with HttpObservability outermost, outside any middleware a service adds (the grouper's
    intake fast path among them), so every request is measured and carries its trace context."""

    def build_middleware_stack(self):
        return HttpObservability(super().build_middleware_stack(), service=self.state.service,
                                 routes=self.router.routes)


def create_service_app(
    name: str,
    *,
    handlers: dict[str, Handler],
    routers: list,
    title: str,
    description: str,
    on_startup: Callable[[ServiceRuntime], object] | None = None,
    background: tuple[Callable[[ServiceRuntime], Awaitable[None]], ...] = (),
    config: ConfigProvider | None = None,
    watched: tuple[ConfigProvider, ...] = (),
) -> FastAPI:
    """background: long-running tasks of the service beside its consumer and relay (they get the runtime);
    config: the regional configuration it works by, served at /v1/config; it and `watched` are reloaded
    when their files change."""
    settings = get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log = configure_logging(name, settings.log_level, settings.log_format)
        engine = service_engine(name)
        producer = make_producer(settings.kafka_bootstrap_servers)
        await producer.start()
        relay = OutboxRelay(name, engine, producer, settings.relay_batch_size)
        consumer = None
        if handlers:
            consumer = EventConsumer(
                service=name,
                engine=engine,
                bootstrap_servers=settings.kafka_bootstrap_servers,
                handlers=handlers,
                relay=relay,
                group_id=settings.consumer_group,
                batch_size=settings.consumer_batch_size,
                fetch_min_bytes=settings.consumer_fetch_min_bytes,
                fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
                commit_seconds=settings.consumer_commit_seconds,
            )
        runtime = ServiceRuntime(name, engine, relay, consumer)
        app.state.runtime = runtime
        if on_startup:
            result = on_startup(runtime)
            if asyncio.iscoroutine(result):
                await result
        tasks = [asyncio.create_task(relay.run(), name="outbox-relay")]
        tasks += [asyncio.create_task(job(runtime), name=getattr(job, "__name__", "background")) for job in background]
        if consumer:
            # joined in the background: after a crash the group waits out the dead member's session
            # (~7 s) before it admits the new one, and HTTP (the HIS intake) need not wait with it
            tasks.append(asyncio.create_task(consumer.start_and_run(), name="consumer"))
            if settings.inbox_prune_seconds > 0:
                tasks.append(asyncio.create_task(prune_periodically(
                    engine, settings.kafka_bootstrap_servers, consumer.topics,
                    settings.inbox_prune_seconds), name="inbox-pruning"))
        if settings.kafka_watchdog_seconds > 0:
            tasks.append(asyncio.create_task(_kafka_watchdog(settings, producer, consumer).run(), name="kafka-watchdog"))
        if settings.metrics_refresh_seconds > 0:
            tasks.append(asyncio.create_task(refresh_periodically(runtime, settings.metrics_refresh_seconds),
                                             name="metrics-refresh"))
        if settings.yidi_config_poll_seconds > 0:
            tasks += [asyncio.create_task(provider.watch(settings.yidi_config_poll_seconds), name="config-watch")
                      for provider in (config, *watched) if provider is not None]
        for t in tasks:
            t.add_done_callback(_crash_on_failure)
        log.info("service started", topics=sorted(handlers))
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if consumer:
                await consumer.stop()
            await producer.stop()
            await engine.dispose()
            log.info("service stopped")

    app = _ServiceApp(title=title, description=description, version="1.0.0", lifespan=lifespan,
                      telemetry=_telemetry())
    app.state.service = name
    install_error_handlers(app)
    app.state.verifier = TokenVerifier(issuer=settings.oidc_issuer, audience=settings.oidc_audience,
                                       jwks_url=settings.jwks_url)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict:
        rt: ServiceRuntime = app.state.runtime
        return {
            "service": name,
            "status": "ok",
            "consumed": rt.consumer.processed if rt.consumer else 0,
            "dead_lettered": rt.consumer.dead_lettered if rt.consumer else 0,
            "published": rt.relay.published,
        }

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics (text format)",
             response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    async def metrics() -> Response:
        """Open, for the scraper on the pod network (docs/security.md): counts, durations and offsets by
        service, event type, topic, partition and route template; never a claim, a person or a hospital."""
        body, content_type = exposition()
        return Response(body, media_type=content_type)

    @app.get("/v1/ops/progress", tags=["operations"], summary="Consumer lag and unpublished outbox rows")
    async def progress(_: Principal = Depends(authorize(Role.OPS, Role.PROVINCE))) -> dict:
        rt: ServiceRuntime = app.state.runtime
        return {
            "service": name,
            "consumer_lag": await rt.consumer.lag() if rt.consumer else 0,
            "outbox_pending": await rt.relay.pending(),
            "dead_lettered": rt.consumer.dead_lettered if rt.consumer else 0,
        }

    @app.get("/v1/ops/dead-letters", tags=["operations"], summary="Messages the consumer could not apply, newest first")
    async def dead_letters(limit: int = Query(100, ge=1, le=1000),
                           _: Principal = Depends(authorize(Role.OPS))) -> dict:
        """Operations only, and masked: personal data in a message body is never shown."""
        rt: ServiceRuntime = app.state.runtime
        async with rt.engine.connect() as conn:
            rows = (await conn.execute(text(
                'SELECT event_id, topic, partition, "offset", error, created_at, body FROM dead_letters '
                "ORDER BY created_at DESC LIMIT :n"), {"n": limit})).mappings().all()
        return {"service": name, "items": [
            {**{k: v for k, v in r.items() if k != "body"},
             "value": mask_personal_data(bytes(r["body"]).decode("utf-8", errors="replace"))[:DEAD_LETTER_SHOWN]}
            for r in rows]}

    @app.post("/v1/ops/dead-letters/{event_id}/replay", tags=["operations"],
              summary="Apply a dead-lettered message again, once what made it fail is fixed")
    async def replay_dead_letter(event_id: str, _: Principal = Depends(authorize(Role.OPS))) -> dict:
        rt: ServiceRuntime = app.state.runtime
        if rt.consumer is None:
            raise HTTPException(404, detail={"title": f"{name} consumes no events"})
        try:
            failure = await rt.consumer.replay_dead_letter(event_id)
        except LookupError:
            raise HTTPException(404, detail={"title": "no such dead letter", "event_id": event_id}) from None
        if failure is not None:
            raise HTTPException(409, detail={"title": "the message still fails; it stays dead-lettered",
                                             "event_id": event_id, "error": failure})
        return {"event_id": event_id, "status": "replayed"}

    if config is not None:
        app.state.config = config
        app.include_router(config_router)
    for router in routers:
        app.include_router(router)
    document_roles(app)
    return app


def _kafka_watchdog(settings, producer, consumer: EventConsumer | None) -> KafkaWatchdog:
    async def own() -> None:
        await producer.client.fetch_all_metadata()
        if consumer is not None:
            await consumer.ask_broker()

    return KafkaWatchdog(own=own, fresh=lambda: broker_answers(settings.kafka_bootstrap_servers),
                         stall_seconds=settings.kafka_watchdog_seconds)


def _crash_on_failure(task: asyncio.Task) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        structlog.get_logger().critical("background task died, exiting", task=task.get_name(), error=repr(exc))
        import os

        os._exit(70)  # let the supervisor restart the process; committed work is safe


def run_service(name: str, app_path: str, migrations_dir: Path) -> None:
    """Entry point of `yidi-<service>`: migrate, then serve HTTP and consume events."""
    settings = get_settings()
    configure_logging(name, settings.log_level, settings.log_format)
    migrate(name, migrations_dir)
    if settings.gc_young_threshold:
        gc.set_threshold(settings.gc_young_threshold, 50, 100)
    uvicorn.run(
        app_path,
        host="0.0.0.0",
        port=settings.service_port(name),
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )
