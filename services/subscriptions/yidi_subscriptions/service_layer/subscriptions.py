"""Subscriptions use cases: log consumed events, subscribe, manage a subscription, read the feed."""
from __future__ import annotations

import secrets as random_source
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import orjson

from yidi_common.events import Envelope
from yidi_common.unit_of_work import Transaction

from ..domain.events import deidentified
from ..domain.scope import Scope, concerns
from ..domain.signing import KEY_BYTES, secret_of
from .repository import LoggedEvent, NewEvent, Subscription, SubscriptionRepository


async def record_events(tx: Transaction[SubscriptionRepository], events: list[Envelope]) -> None:
    """Appends consumed events to the log, de-identified, with the regions and hospital each concerns."""
    logged = []
    for event in events:
        envelope = deidentified(orjson.loads(event.to_bytes()))
        logged.append(NewEvent(event.id, event.type, event.subject, event.time, concerns(event.type, envelope["data"]),
                               orjson.dumps(envelope)))
    await tx.repo.append(logged)


def new_secret() -> str:
    return secret_of(random_source.token_bytes(KEY_BYTES))


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: Subscription
    secret: str


async def subscribe(tx: Transaction[SubscriptionRepository], scope: Scope, user: str, url: str,
                    types: list[str], batch_size: int = 1) -> Subscribed:
    """A webhook for events of these types in the scope, from the next event on (replay reaches earlier ones);
    batch_size above 1: up to that many events per request (CloudEvents batched mode)."""
    subscription = Subscription(id=f"sub_{uuid.uuid4().hex}", scope=scope, created_by=user, url=url,
                                types=tuple(dict.fromkeys(types)), status="active",
                                scanned_to=await tx.repo.last_position(), created_at=datetime.now(timezone.utc),
                                batch_size=batch_size)
    secret = new_secret()
    await tx.repo.create(subscription, secret)
    return Subscribed(subscription, secret)


async def rotate_secret(tx: Transaction[SubscriptionRepository], subscription_id: str,
                        overlap_seconds: float) -> tuple[str, datetime]:
    """A new secret; the previous ones keep signing beside it until the returned time."""
    secret = new_secret()
    return secret, await tx.repo.rotate_secret(subscription_id, secret, overlap_seconds)


async def events_in_scope(tx: Transaction[SubscriptionRepository], scope: Scope, after: int, types: list[str],
                          limit: int) -> list[LoggedEvent]:
    """The pull feed: events of the scope after a position; the scope is checked again on each event."""
    return [e for e in await tx.repo.events_after(scope, after, types, limit) if scope.admits(e.type, e.about)]
