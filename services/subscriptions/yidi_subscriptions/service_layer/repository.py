"""What the subscriptions use cases need of storage; adapters/repository.py implements it over PostgreSQL."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..domain.scope import Concerns, Scope


@dataclass(frozen=True, slots=True)
class NewEvent:
    event_id: str
    type: str
    subject: str
    time: datetime
    about: Concerns
    body: bytes  # the de-identified envelope, JSON


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    position: int
    type: str
    subject: str
    time: datetime
    about: Concerns
    body: bytes


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    scope: Scope
    created_by: str
    url: str
    types: tuple[str, ...]
    status: str
    scanned_to: int  # the event log's positions up to here are turned into deliveries
    created_at: datetime
    batch_size: int = 1  # events one request may carry; above 1, CloudEvents batched mode


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: int
    subscription: Subscription
    attempts: int
    event: LoggedEvent
    secrets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    subscription_id: str
    position: int
    event_id: str
    type: str
    ordering_key: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class SubscriptionRepository(Protocol):
    async def append(self, events: list[NewEvent]) -> None:
        """Adds events to the log in order, once each (by event id); positions follow commit order."""

    async def events_after(self, scope: Scope, after: int, types: list[str], limit: int,
                           until: int | None = None) -> list[LoggedEvent]:
        """Events of the scope and types after a position (and up to `until`), oldest first."""

    async def last_position(self) -> int: ...

    async def create(self, subscription: Subscription, secret: str) -> None: ...

    async def get(self, subscription_id: str) -> Subscription | None: ...

    async def listed(self, scope: Scope | None) -> list[Subscription]:
        """The subscriptions of a scope (None: all)."""

    async def set_status(self, subscription_id: str, status: str) -> None: ...

    async def delete(self, subscription_id: str) -> None: ...

    async def rotate_secret(self, subscription_id: str, secret: str, overlap_seconds: float) -> datetime:
        """Adds a secret; those in force expire after the overlap (returned)."""

    async def rewind(self, subscription_id: str, from_position: int) -> int:
        """Deliveries from a position are made again: pending ones from there are dropped (they will be
        made anew), the scan restarts before it. Returns how many pending ones were dropped."""

    async def behind(self, limit: int) -> list[Subscription]:
        """Subscriptions whose scan has not reached the log's end, locked for this transaction (skipping
        those another replica holds)."""

    async def add_deliveries(self, subscription_id: str, events: list[LoggedEvent], scanned_to: int) -> None: ...

    async def lease_due(self, limit: int, lease_seconds: float, slots: int) -> list[DueDelivery]:
        """Deliveries due now of active subscriptions, leased for lease_seconds so that no other replica sends
        them meanwhile: of each (subscription, claim) queue the oldest undelivered one and, for a subscription
        with a batch size above 1, those after it while each is due too (a prefix of the queue, never a gap);
        of each subscription at most two batches' worth and `slots` more."""

    async def release(self, delivery_ids: list[int]) -> None:
        """Ends the leases of deliveries not sent after all (due again at once)."""

    async def delivered(self, deliveries: list[tuple[int, int]]) -> None:
        """Each (delivery id, HTTP status) acknowledged: delivered, its lease ended."""

    async def attempt_failed(self, delivery_id: int, attempts: int, retry_in: float | None, status: int | None,
                             error: str) -> None:
        """retry_in: seconds before the next attempt; None: failed for good (kept, listed, redeliverable)."""

    async def deliveries(self, subscription_id: str, status: str | None, after_id: int, limit: int) -> list[Delivery]: ...

    async def redeliver(self, subscription_id: str, delivery_id: int) -> str | None:
        """Makes a failed or delivered delivery pending again, due now; its previous status (None: no such delivery)."""

    async def prune(self, delivered_before: datetime, logged_before: datetime, limit: int) -> tuple[int, int]:
        """Removes up to `limit` deliveries acknowledged before `delivered_before`, then up to `limit` events
        recorded before `logged_before` that no delivery refers to and every subscription has scanned past.
        Returns (deliveries, events) removed."""

    async def backlog(self) -> dict[str, int]:
        """Pending deliveries per subscription."""
