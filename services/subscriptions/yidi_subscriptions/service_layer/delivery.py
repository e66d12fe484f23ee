"""The delivery worker: turns the event log into each subscription's deliveries (its types, its scope)
and sends those due, at least once, in order per claim, retrying with backoff. Safe with several
replicas: a subscription's scan is locked while it runs (FOR UPDATE SKIP LOCKED) and a delivery is
leased by the replica sending it; only the oldest undelivered delivery of a (subscription, claim) is
ever due, so a claim's events reach a subscriber in the order of the log."""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from yidi_common.unit_of_work import RepositoryFactory, transaction

from ..domain.events import with_position
from ..domain.retry import RetryPolicy
from ..domain.signing import webhook_headers
from .repository import DueDelivery

log = structlog.get_logger()
SCAN_WINDOW = 5000  # log positions a subscription's scan covers per round


@dataclass(frozen=True, slots=True)
class Attempt:
    status: int | None  # the endpoint's HTTP status; None: no answer
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Send = Callable[[str, bytes, dict[str, str]], Awaitable[Attempt]]


class DeliveryMetrics(Protocol):
    def delivered(self, subscription_id: str, event_time: datetime) -> None: ...

    def failed(self, subscription_id: str, final: bool) -> None: ...

    def backlog(self, pending: dict[str, int]) -> None: ...


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    retry: RetryPolicy
    batch: int
    concurrency: int
    lease_seconds: float
    poll_seconds: float


def webhook_request(due: DueDelivery, now: int) -> tuple[bytes, dict[str, str]]:
    """The CloudEvents HTTP binding, structured mode: the event (envelope + position) is the body,
    application/cloudevents+json; signed per Standard Webhooks with every secret in force."""
    envelope = orjson.loads(due.event.body)
    body = orjson.dumps(with_position(envelope, due.event.position))
    return body, {"content-type": "application/cloudevents+json",
                  **webhook_headers(list(due.secrets), envelope["id"], now, body)}


class DeliveryWorker:
    def __init__(self, engine: AsyncEngine, repository: RepositoryFactory, send: Send, metrics: DeliveryMetrics,
                 settings: WorkerSettings, draw: Callable[[], float] = random.random):
        self.engine, self.repository, self.send, self.metrics = engine, repository, send, metrics
        self.settings = settings
        self.draw = draw
        self._in_flight: set[asyncio.Task] = set()

    async def run(self) -> None:
        try:
            await self._rounds()
        finally:
            for task in self._in_flight:
                task.cancel()  # their leases expire and another round sends them again

    async def _rounds(self) -> None:
        backlog_at = 0.0
        while True:
            try:
                scanned = await self.fan_out()
                sent = await self.send_due()
                if time.monotonic() - backlog_at > 5:
                    async with transaction(self.engine, self.repository) as tx:
                        self.metrics.backlog(await tx.repo.backlog())
                    backlog_at = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the database away for a moment: try again shortly
                log.warning("delivery worker retry", error=repr(exc))
                scanned = sent = 0
                await asyncio.sleep(1.0)
            if not scanned and not sent:
                await asyncio.sleep(self.settings.poll_seconds)

    async def fan_out(self) -> int:
        """Deliveries for the events each subscription has not scanned yet; how many subscriptions advanced."""
        async with transaction(self.engine, self.repository) as tx:
            end = await tx.repo.last_position()
            behind = await tx.repo.behind(20)
            for subscription in behind:
                until = min(end, subscription.scanned_to + SCAN_WINDOW)
                events = await tx.repo.events_after(subscription.scope, subscription.scanned_to,
                                                    list(subscription.types), SCAN_WINDOW, until=until)
                events = [e for e in events if subscription.scope.admits(e.type, e.about)]
                await tx.repo.add_deliveries(subscription.id, events, until)
        return len(behind)

    async def send_due(self) -> int:
        """Leases what is due, up to the free request slots, and sends it in the background: a slow
        endpoint holds one slot, never the next round (nor other subscribers)."""
        room = min(self.settings.batch, self.settings.concurrency - len(self._in_flight))
        if room <= 0:
            return 0
        async with transaction(self.engine, self.repository) as tx:
            due = await tx.repo.lease_due(room, self.settings.lease_seconds)
        for delivery in due:
            task = asyncio.create_task(self._deliver_or_log(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(due)

    async def _deliver_or_log(self, due: DueDelivery) -> None:
        try:
            await self._deliver(due)
        except Exception as exc:  # noqa: BLE001 - its outcome not recorded: the lease expires and it is sent again
            log.warning("webhook delivery not recorded", delivery=due.id, error=repr(exc))

    async def _deliver(self, due: DueDelivery) -> None:
        subscription = due.subscription
        if not subscription.scope.admits(due.event.type, due.event.about):  # never: the scan filtered it
            attempt = Attempt(None, "outside the subscription's scope: not sent")
            retry_in = None
        else:
            body, headers = webhook_request(due, int(time.time()))
            attempt = await self.send(subscription.url, body, headers)
            retry_in = None if attempt.succeeded else self.settings.retry.delay(due.attempts + 1, self.draw())
        async with transaction(self.engine, self.repository) as tx:
            if attempt.succeeded:
                await tx.repo.delivered(due.id, attempt.status)
            else:
                await tx.repo.attempt_failed(due.id, due.attempts + 1, retry_in, attempt.status,
                                             attempt.error or f"HTTP {attempt.status}")
        if attempt.succeeded:
            self.metrics.delivered(subscription.id, due.event.time)
        else:
            self.metrics.failed(subscription.id, final=retry_in is None)
            log.info("webhook delivery failed", subscription=subscription.id, delivery=due.id,
                     attempts=due.attempts + 1, status=attempt.status, retry_in=retry_in)
