"""The delivery worker: turns the event log into each subscription's deliveries (its types, its scope)
and sends those due, at least once, in order per claim, retrying with backoff. Safe with several
replicas: a subscription's scan is locked while it runs (FOR UPDATE SKIP LOCKED) and a delivery is
leased by the replica sending it; of a (subscription, claim) only the oldest undelivered delivery is
due (with a batch size above 1, the due ones after it too, in the same request), so a claim's events
reach a subscriber in the order of the log. Outcomes are recorded in one transaction per round (a
delivery sent but not yet recorded stays leased; lost with a crash, it is sent again when its lease
expires: at least once)."""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
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
PRUNE_BATCH = 10_000  # rows one pruning statement removes (short transactions beside the deliveries)


@dataclass(frozen=True, slots=True)
class Attempt:
    status: int | None  # the endpoint's HTTP status; None: no answer
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Send = Callable[[str, bytes, dict[str, str]], Awaitable[Attempt]]


@dataclass(frozen=True, slots=True)
class Outcome:
    due: DueDelivery
    attempt: Attempt
    retry_in: float | None  # seconds before the next attempt; None: succeeded, or failed for good


class DeliveryMetrics(Protocol):
    def delivered(self, subscription_id: str, event_time: datetime) -> None: ...

    def failed(self, subscription_id: str, final: bool) -> None: ...

    def backlog(self, pending: dict[str, int]) -> None: ...


@dataclass(frozen=True, slots=True)
class Retention:
    """How long acknowledged deliveries and logged events are kept, and how often the worker prunes."""

    delivered_days: float
    event_log_days: float
    interval_seconds: float

    def cutoffs(self, now: datetime) -> tuple[datetime, datetime]:
        """(deliveries acknowledged before, events recorded before): what may go at `now`."""
        return now - timedelta(days=self.delivered_days), now - timedelta(days=self.event_log_days)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    retry: RetryPolicy
    batch: int
    concurrency: int
    lease_seconds: float
    poll_seconds: float
    retention: Retention | None = None


def webhook_request(dues: list[DueDelivery], now: int) -> tuple[bytes, dict[str, str]]:
    """The CloudEvents HTTP binding, signed per Standard Webhooks with every secret in force. One delivery:
    structured mode, the event (envelope + position) is the body, application/cloudevents+json, and the
    webhook id is the event's. Several (a subscription with batch_size above 1): batched mode, a JSON array
    of events in log order, application/cloudevents-batch+json, the webhook id naming the deliveries."""
    envelopes = [with_position(orjson.loads(d.event.body), d.event.position) for d in dues]
    if len(dues) == 1:
        body, kind, message_id = orjson.dumps(envelopes[0]), "application/cloudevents+json", envelopes[0]["id"]
    else:
        body, kind = orjson.dumps(envelopes), "application/cloudevents-batch+json"
        message_id = f"batch_{dues[0].id}_{len(dues)}_{dues[-1].id}"
    return body, {"content-type": kind, **webhook_headers(list(dues[0].secrets), message_id, now, body)}


def requests_of(dues: list[DueDelivery]) -> list[list[DueDelivery]]:
    """Due deliveries grouped into requests: per subscription, up to its batch size each, in log order, a
    claim's deliveries (at most a batch of them, leased as a prefix of its queue) always in one request, as
    two requests in flight at once may arrive in either order."""
    runs: dict[str, dict[str, list[DueDelivery]]] = {}
    for due in sorted(dues, key=lambda d: d.event.position):
        runs.setdefault(due.subscription.id, {}).setdefault(due.event.subject, []).append(due)
    requests = []
    for claims in runs.values():
        size, request = next(iter(claims.values()))[0].subscription.batch_size, []
        for run in claims.values():
            if request and len(request) + len(run) > size:
                requests.append(sorted(request, key=lambda d: d.event.position))
                request = []
            request += run
        requests.append(sorted(request, key=lambda d: d.event.position))
    return requests


class DeliveryWorker:
    def __init__(self, engine: AsyncEngine, repository: RepositoryFactory, send: Send, metrics: DeliveryMetrics,
                 settings: WorkerSettings, draw: Callable[[], float] = random.random):
        self.engine, self.repository, self.send, self.metrics = engine, repository, send, metrics
        self.settings = settings
        self.draw = draw
        self._in_flight: set[asyncio.Task] = set()
        self._outcomes: list[Outcome] = []
        self._wake = asyncio.Event()  # an outcome to record: the next round starts now, not after the poll

    async def run(self) -> None:
        try:
            await self._rounds()
        finally:
            for task in self._in_flight:
                task.cancel()  # their leases expire and another round sends them again

    async def _rounds(self) -> None:
        backlog_at = pruned_at = 0.0
        while True:
            try:
                retention = self.settings.retention
                if retention is not None and time.monotonic() - pruned_at > retention.interval_seconds:
                    await self.prune(retention)
                    pruned_at = time.monotonic()
                recorded = await self.record_outcomes()
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
                recorded = scanned = sent = 0
                await asyncio.sleep(1.0)
            if not recorded and not scanned and not sent:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)
                except TimeoutError:
                    pass

    async def prune(self, retention: Retention) -> tuple[int, int]:
        """Acknowledged deliveries and logged events past their retention, in batches; (deliveries, events)."""
        delivered_before, logged_before = retention.cutoffs(datetime.now(timezone.utc))
        total = [0, 0]
        while True:
            async with transaction(self.engine, self.repository) as tx:
                done = await tx.repo.prune(delivered_before, logged_before, PRUNE_BATCH)
            total = [total[0] + done[0], total[1] + done[1]]
            if max(done) < PRUNE_BATCH:
                break
        if any(total):
            log.info("pruned", deliveries=total[0], events=total[1], delivered_before=delivered_before.isoformat(),
                     logged_before=logged_before.isoformat())
        return total[0], total[1]

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
        """Leases what is due and sends it in the background, one request per free slot: a slow endpoint
        holds one slot, never the next round (nor other subscribers). Deliveries beyond the free slots are
        released at once, for the next round."""
        free = self.settings.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        async with transaction(self.engine, self.repository) as tx:
            requests = requests_of(await tx.repo.lease_due(self.settings.batch, self.settings.lease_seconds, free))
            if len(requests) > free:
                await tx.repo.release([d.id for request in requests[free:] for d in request])
                requests = requests[:free]
        for request in requests:
            task = asyncio.create_task(self._deliver_or_log(request))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return sum(len(r) for r in requests)

    async def _deliver_or_log(self, dues: list[DueDelivery]) -> None:
        try:
            await self._deliver(dues)
        except Exception as exc:  # noqa: BLE001 - its outcome not recorded: the lease expires and it is sent again
            log.warning("webhook delivery not recorded", deliveries=[d.id for d in dues], error=repr(exc))

    async def _deliver(self, dues: list[DueDelivery]) -> None:
        subscription = dues[0].subscription
        inside = []
        for due in dues:
            if subscription.scope.admits(due.event.type, due.event.about):
                inside.append(due)
            else:  # never: the scan filtered them
                self._outcomes.append(Outcome(due, Attempt(None, "outside the subscription's scope: not sent"), None))
        if inside:
            body, headers = webhook_request(inside, int(time.time()))
            attempt = await self.send(subscription.url, body, headers)
            for due in inside:
                retry_in = None if attempt.succeeded else self.settings.retry.delay(due.attempts + 1, self.draw())
                self._outcomes.append(Outcome(due, attempt, retry_in))
        self._wake.set()

    async def record_outcomes(self) -> int:
        """The outcomes of the deliveries sent since the last round, in one transaction; how many."""
        outcomes, self._outcomes = self._outcomes, []
        if not outcomes:
            return 0
        try:
            async with transaction(self.engine, self.repository) as tx:
                await tx.repo.delivered([(o.due.id, o.attempt.status) for o in outcomes if o.attempt.succeeded])
                for o in outcomes:
                    if not o.attempt.succeeded:
                        await tx.repo.attempt_failed(o.due.id, o.due.attempts + 1, o.retry_in, o.attempt.status,
                                                     o.attempt.error or f"HTTP {o.attempt.status}")
        except BaseException:
            self._outcomes[:0] = outcomes  # recorded next round (or, after a crash, sent again)
            raise
        for o in outcomes:
            subscription = o.due.subscription
            if o.attempt.succeeded:
                self.metrics.delivered(subscription.id, o.due.event.time)
            else:
                self.metrics.failed(subscription.id, final=o.retry_in is None)
                log.info("webhook delivery failed", subscription=subscription.id, delivery=o.due.id,
                         attempts=o.due.attempts + 1, status=o.attempt.status, retry_in=o.retry_in)
        return len(outcomes)
