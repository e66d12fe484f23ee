"""Webhook subscriptions: register, inspect, rotate the secret, pause, resume, replay, deliveries.

Who may call what (issue 15, item 2; docs/security.md): bureaus, hospitals and the province subscribe,
each for its own scope (from its token); they see and manage their scope's subscriptions (a bureau its
region's, a hospital its own), the province every one. Operations see every subscription and its
deliveries, pause, resume and redeliver, but never create one, read a secret or replay events to an
endpoint. Analysts: nothing (events carry psn_no). A subscription outside the caller's reach answers 404.
"""
from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from yidi_common.auth import Principal, Role, authorize
from yidi_common.http import unprocessable
from yidi_common.unit_of_work import transaction

from ..adapters.repository import PostgresSubscriptionRepository
from ..domain.scope import NoScope, Scope
from ..service_layer import subscriptions as use_cases
from ..service_layer.repository import Delivery, Subscription
from ..settings import get_subscription_settings

router = APIRouter(tags=["subscriptions"])

SUBSCRIBERS = (Role.BUREAU, Role.HOSPITAL, Role.PROVINCE)
WATCHERS = (*SUBSCRIBERS, Role.OPS)
SUBSCRIPTION_ID = Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")


class SubscriptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"url": "https://bureau.example.org/yidi/events", "types": ["payment.priced", "ledger.posted"]}]})

    url: str = Field(max_length=2048, description="http(s) endpoint that receives each event by POST")
    types: list[str] = Field(max_length=50, description="event types (the AsyncAPI document's channels)")
    batch_size: int = Field(1, ge=1, le=500, description=(
        "events one request may carry: 1 (the default) sends each event alone (CloudEvents structured mode); "
        "above 1, a JSON array of events (CloudEvents batched mode, application/cloudevents-batch+json), "
        "for endpoints that receive many events a second"))


class ReplayRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_position: int = Field(ge=1, le=2 ** 62, description="deliver again every event of the scope from here on")


def scope_of(caller: Principal) -> Scope:
    try:
        return Scope.of(caller.role, caller.region, caller.hospital)
    except NoScope as exc:
        raise HTTPException(403, detail={"title": str(exc)}) from None


def _url_problems(url: str) -> list[dict]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [{"field": "url", "rule": "url", "message": "an absolute http:// or https:// URL with a host"}]
    if parts.username or parts.password:
        return [{"field": "url", "rule": "url", "message": "no credentials in the URL: verify the signature instead"}]
    return []


def _view(s: Subscription) -> dict:
    return {"id": s.id, "url": s.url, "types": list(s.types), "status": s.status,
            "scope": {"role": s.scope.role, "region": s.scope.region, "hospital": s.scope.hospital},
            "created_by": s.created_by, "created_at": s.created_at, "scanned_to": s.scanned_to, "batch_size": s.batch_size}


def _delivery_view(d: Delivery) -> dict:
    return {"id": d.id, "position": d.position, "event_id": d.event_id, "type": d.type, "claim": d.ordering_key,
            "status": d.status, "attempts": d.attempts, "next_attempt_at": d.next_attempt_at,
            "last_status": d.last_status, "last_error": d.last_error, "created_at": d.created_at,
            "delivered_at": d.delivered_at}


def _reachable(caller: Principal, subscription: Subscription | None) -> bool:
    if subscription is None:
        return False
    if caller.role in (Role.PROVINCE, Role.OPS):
        return True
    return subscription.scope == Scope.of(caller.role, caller.region, caller.hospital)


async def _subscription(tx, caller: Principal, subscription_id: str) -> Subscription:
    subscription = await tx.repo.get(subscription_id)
    if not _reachable(caller, subscription):
        raise HTTPException(404, detail={"title": "no such subscription in your scope", "id": subscription_id})
    return subscription


def _engine(request: Request):
    return request.app.state.runtime.engine


@router.post("/v1/subscriptions", status_code=201, summary="Subscribe a webhook to event types of your scope")
async def subscribe(request: Request, body: SubscriptionRequest,
                    caller: Principal = Depends(authorize(*SUBSCRIBERS))):
    """The scope is the caller's (its token's region or hospital); every requested type must be one it may
    receive (422 names each that is not). Deliveries start with the next event; replay reaches earlier
    ones. The answer holds the signing secret (`whsec_…`), shown this once."""
    scope = scope_of(caller)
    problems = _url_problems(body.url) + scope.type_problems(body.types)
    if problems:
        return unprocessable(problems)
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        made = await use_cases.subscribe(tx, scope, caller.user, body.url, body.types, body.batch_size)
    return {**_view(made.subscription), "secret": made.secret}


@router.get("/v1/subscriptions", summary="The subscriptions of your scope")
async def listed(request: Request, caller: Principal = Depends(authorize(*WATCHERS))) -> dict:
    everyone = caller.role in (Role.PROVINCE, Role.OPS)
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        found = await tx.repo.listed(None if everyone else scope_of(caller))
    return {"items": [_view(s) for s in found]}


@router.get("/v1/subscriptions/{subscription_id}", summary="One subscription")
async def one(request: Request, subscription_id: str = SUBSCRIPTION_ID,
              caller: Principal = Depends(authorize(*WATCHERS))) -> dict:
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        return _view(await _subscription(tx, caller, subscription_id))


@router.delete("/v1/subscriptions/{subscription_id}", summary="End a subscription (its deliveries go with it)")
async def unsubscribe(request: Request, subscription_id: str = SUBSCRIPTION_ID,
                      caller: Principal = Depends(authorize(*SUBSCRIBERS))) -> dict:
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        await _subscription(tx, caller, subscription_id)
        await tx.repo.delete(subscription_id)
    return {"id": subscription_id, "status": "deleted"}


@router.post("/v1/subscriptions/{subscription_id}/secret", summary="Rotate the signing secret")
async def rotate(request: Request, subscription_id: str = SUBSCRIPTION_ID,
                 caller: Principal = Depends(authorize(*SUBSCRIBERS))) -> dict:
    """Only the subscription's own scope. The previous secret keeps signing beside the new one for
    SUBSCRIPTIONS_SECRET_OVERLAP_SECONDS (a day by default): each delivery carries both signatures
    meanwhile, so the receiver can switch when it likes."""
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        subscription = await _subscription(tx, caller, subscription_id)
        if subscription.scope != scope_of(caller):
            raise HTTPException(403, detail={"title": "only the subscription's own scope may rotate its secret"})
        secret, previous_until = await use_cases.rotate_secret(
            tx, subscription_id, get_subscription_settings().secret_overlap_seconds)
    return {"id": subscription_id, "secret": secret, "previous_secrets_valid_until": previous_until}


@router.post("/v1/subscriptions/{subscription_id}/pause", summary="Stop sending; events keep queueing")
async def pause(request: Request, subscription_id: str = SUBSCRIPTION_ID,
                caller: Principal = Depends(authorize(*WATCHERS))) -> dict:
    return await _set_status(request, caller, subscription_id, "paused")


@router.post("/v1/subscriptions/{subscription_id}/resume", summary="Send again, starting with what queued")
async def resume(request: Request, subscription_id: str = SUBSCRIPTION_ID,
                 caller: Principal = Depends(authorize(*WATCHERS))) -> dict:
    return await _set_status(request, caller, subscription_id, "active")


async def _set_status(request: Request, caller: Principal, subscription_id: str, status: str) -> dict:
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        await _subscription(tx, caller, subscription_id)
        await tx.repo.set_status(subscription_id, status)
    return {"id": subscription_id, "status": status}


@router.post("/v1/subscriptions/{subscription_id}/replay", summary="Deliver again every event from a position")
async def replay(request: Request, subscription_id: str = SUBSCRIPTION_ID, body: ReplayRequest = Body(...),
                 caller: Principal = Depends(authorize(*SUBSCRIBERS))) -> dict:
    """Every event of the subscription's types and scope at or after `from_position` is delivered again
    (at least once: those already delivered come twice; pending ones from there are queued anew)."""
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        await _subscription(tx, caller, subscription_id)
        dropped = await tx.repo.rewind(subscription_id, body.from_position)
    return {"id": subscription_id, "from_position": body.from_position, "requeued_pending": dropped}


@router.get("/v1/subscriptions/{subscription_id}/deliveries", summary="A subscription's deliveries (failed ones kept)")
async def deliveries(request: Request, subscription_id: str = SUBSCRIPTION_ID,
                     status: Literal["pending", "delivered", "failed"] | None = None,
                     after: int = Query(0, ge=0, le=2 ** 62, description="delivery id to continue after"),
                     limit: int = Query(100, ge=1, le=1000),
                     caller: Principal = Depends(authorize(*WATCHERS))) -> dict:
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        await _subscription(tx, caller, subscription_id)
        found = await tx.repo.deliveries(subscription_id, status, after, limit)
    return {"items": [_delivery_view(d) for d in found]}


@router.post("/v1/subscriptions/{subscription_id}/deliveries/{delivery_id}/redeliver",
             summary="Send a failed (or delivered) delivery again")
async def redeliver(request: Request, subscription_id: str = SUBSCRIPTION_ID,
                    delivery_id: int = Path(ge=1, le=2 ** 62),
                    caller: Principal = Depends(authorize(*WATCHERS))) -> dict:
    """Pending again, due now, its attempts counted afresh; a failed delivery blocks its claim's later
    events for this subscription until it is delivered, so redelivering it releases them in order."""
    async with transaction(_engine(request), PostgresSubscriptionRepository) as tx:
        await _subscription(tx, caller, subscription_id)
        previous = await tx.repo.redeliver(subscription_id, delivery_id)
    if previous is None:
        raise HTTPException(404, detail={"title": "no such delivery", "id": delivery_id})
    if previous == "pending":
        raise HTTPException(409, detail={"title": "the delivery is pending already", "id": delivery_id})
    return {"id": delivery_id, "status": "pending", "previous_status": previous}
