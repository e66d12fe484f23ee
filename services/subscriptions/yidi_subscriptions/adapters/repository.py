"""Subscriptions' repository over PostgreSQL (named SQL parameters)."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from ..domain.scope import HOSPITAL_TYPES, Concerns, Scope
from ..service_layer.repository import Delivery, DueDelivery, LoggedEvent, NewEvent, Subscription

# held by each appending transaction until it commits, so positions are visible in the order they were taken
# and a reader that has seen position n never later finds a smaller one it had not seen
APPEND_LOCK = int.from_bytes(hashlib.sha256(b"subscriptions:event-log").digest()[:8], "big", signed=True)

_SUBSCRIPTION_COLUMNS = ("id, owner_role, owner_region, owner_hospital, created_by, url, types, status, scanned_to, "
                         "created_at, batch_size")


def _scope_sql(scope: Scope) -> tuple[str, dict]:
    if scope.role == "province":
        return "TRUE", {}
    if scope.role == "bureau":
        return "CAST(:region AS text) = ANY(regions)", {"region": scope.region}
    return "hospital = :hospital AND type = ANY(:hospital_types)", {"hospital": scope.hospital,
                                                                    "hospital_types": sorted(HOSPITAL_TYPES)}


def _subscription(row) -> Subscription:
    return Subscription(row.id, Scope(row.owner_role, row.owner_region, row.owner_hospital), row.created_by, row.url,
                        tuple(row.types), row.status, row.scanned_to, row.created_at, row.batch_size)


def _due(alias: str) -> str:
    """SQL: the delivery `alias` may be sent now (pending, its attempt due, not leased by a round in flight)."""
    return (f"{alias}.status = 'pending' AND {alias}.next_attempt_at <= now() "
            f"AND ({alias}.leased_until IS NULL OR {alias}.leased_until < now())")


def _places_in_queue(candidates: list) -> dict[int, int]:
    """Delivery id -> its place in its (subscription, claim) queue among the candidates (in id order), for
    those within their subscription's batch size."""
    counted: dict[tuple[str, str], int] = {}
    places = {}
    for c in candidates:
        key = (c.subscription_id, c.ordering_key)
        counted[key] = place = counted.get(key, 0) + 1
        if place <= c.batch_size:
            places[c.id] = place
    return places


def _queue_prefixes(rows: list, places: dict[int, int]) -> list:
    """Of the rows locked, per (subscription, claim) queue only places 1, 2, … without a gap: a row another
    replica locked first (skipped) must not be overtaken by the ones behind it."""
    taken: dict[tuple[str, str], int] = {}
    out = []
    for r in sorted(rows, key=lambda r: (r.subscription_id, r.ordering_key, places[r.id])):
        key = (r.subscription_id, r.ordering_key)
        if places[r.id] == taken.get(key, 0) + 1:
            taken[key] = places[r.id]
            out.append(r)
    return sorted(out, key=lambda r: r.id)


def _event(row) -> LoggedEvent:
    return LoggedEvent(row.position, row.type, row.subject, row.time, Concerns(frozenset(row.regions), row.hospital),
                       bytes(row.body))


class PostgresSubscriptionRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def append(self, events: list[NewEvent]) -> None:
        if not events:
            return
        await self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPEND_LOCK})
        await self.conn.execute(text(
            "INSERT INTO event_log (event_id, type, subject, time, regions, hospital, body) "
            "SELECT e.id, e.type, e.subject, e.time, string_to_array(e.regions, ','), e.hospital, e.body "
            "FROM unnest(CAST(:ids AS text[]), CAST(:types AS text[]), CAST(:subjects AS text[]), "
            "CAST(:times AS timestamptz[]), CAST(:regions AS text[]), CAST(:hospitals AS text[]), CAST(:bodies AS bytea[])) "
            "WITH ORDINALITY AS e(id, type, subject, time, regions, hospital, body, n) ORDER BY e.n "
            "ON CONFLICT (event_id) DO NOTHING"),
            {"ids": [e.event_id for e in events], "types": [e.type for e in events],
             "subjects": [e.subject for e in events], "times": [e.time for e in events],
             "regions": [",".join(sorted(e.about.regions)) for e in events],
             "hospitals": [e.about.hospital for e in events], "bodies": [e.body for e in events]})

    async def events_after(self, scope: Scope, after: int, types: list[str], limit: int,
                           until: int | None = None) -> list[LoggedEvent]:
        where, params = _scope_sql(scope)
        rows = (await self.conn.execute(text(
            f"SELECT position, type, subject, time, regions, hospital, body FROM event_log "
            f"WHERE position > :after AND position <= :until AND type = ANY(:types) AND {where} "
            f"ORDER BY position LIMIT :limit"),
            {"after": after, "until": until if until is not None else 2 ** 62, "types": types, "limit": limit,
             **params})).all()
        return [_event(r) for r in rows]

    async def last_position(self) -> int:
        return await self.conn.scalar(text("SELECT coalesce(max(position), 0) FROM event_log"))

    async def create(self, subscription: Subscription, secret: str) -> None:
        s = subscription
        await self.conn.execute(text(
            "INSERT INTO subscriptions (id, owner_role, owner_region, owner_hospital, created_by, url, types, status, "
            "scanned_to, batch_size) VALUES (:id, :role, :region, :hospital, :by, :url, :types, :status, :scanned_to, :batch)"),
            {"id": s.id, "role": s.scope.role, "region": s.scope.region, "hospital": s.scope.hospital,
             "by": s.created_by, "url": s.url, "types": list(s.types), "status": s.status, "scanned_to": s.scanned_to,
             "batch": s.batch_size})
        await self.conn.execute(text("INSERT INTO subscription_secrets (subscription_id, secret) VALUES (:id, :secret)"),
                                {"id": s.id, "secret": secret})

    async def get(self, subscription_id: str) -> Subscription | None:
        row = (await self.conn.execute(text(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = :id"),
                                       {"id": subscription_id})).first()
        return _subscription(row) if row else None

    async def listed(self, scope: Scope | None) -> list[Subscription]:
        where = "TRUE" if scope is None else (
            "owner_role = :role AND owner_region IS NOT DISTINCT FROM :region "
            "AND owner_hospital IS NOT DISTINCT FROM :hospital")
        params = {} if scope is None else {"role": scope.role, "region": scope.region, "hospital": scope.hospital}
        rows = (await self.conn.execute(text(f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE {where} "
                                             "ORDER BY created_at, id"), params)).all()
        return [_subscription(r) for r in rows]

    async def set_status(self, subscription_id: str, status: str) -> None:
        await self.conn.execute(text("UPDATE subscriptions SET status = :status WHERE id = :id"),
                                {"id": subscription_id, "status": status})

    async def delete(self, subscription_id: str) -> None:
        await self.conn.execute(text("DELETE FROM subscriptions WHERE id = :id"), {"id": subscription_id})

    async def rotate_secret(self, subscription_id: str, secret: str, overlap_seconds: float) -> datetime:
        expires = await self.conn.scalar(text("SELECT now() + make_interval(secs => :s)"), {"s": overlap_seconds})
        await self.conn.execute(text(
            "UPDATE subscription_secrets SET expires_at = :expires WHERE subscription_id = :id "
            "AND (expires_at IS NULL OR expires_at > :expires)"), {"id": subscription_id, "expires": expires})
        await self.conn.execute(text("INSERT INTO subscription_secrets (subscription_id, secret) VALUES (:id, :secret)"),
                                {"id": subscription_id, "secret": secret})
        return expires

    async def rewind(self, subscription_id: str, from_position: int) -> int:
        dropped = await self.conn.execute(text(
            "DELETE FROM deliveries WHERE subscription_id = :id AND status = 'pending' AND position >= :from"),
            {"id": subscription_id, "from": from_position})
        await self.conn.execute(text("UPDATE subscriptions SET scanned_to = :to WHERE id = :id"),
                                {"id": subscription_id, "to": from_position - 1})
        return dropped.rowcount

    async def behind(self, limit: int) -> list[Subscription]:
        rows = (await self.conn.execute(text(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions "
            "WHERE scanned_to < (SELECT coalesce(max(position), 0) FROM event_log) "
            "ORDER BY scanned_to LIMIT :n FOR UPDATE SKIP LOCKED"), {"n": limit})).all()
        return [_subscription(r) for r in rows]

    async def add_deliveries(self, subscription_id: str, events: list[LoggedEvent], scanned_to: int) -> None:
        if events:
            await self.conn.execute(text(
                "INSERT INTO deliveries (subscription_id, position, ordering_key) "
                "SELECT :id, p, k FROM unnest(CAST(:positions AS bigint[]), CAST(:keys AS text[])) AS e(p, k) ORDER BY p"),
                {"id": subscription_id, "positions": [e.position for e in events], "keys": [e.subject for e in events]})
        await self.conn.execute(text("UPDATE subscriptions SET scanned_to = :to WHERE id = :id"),
                                {"id": subscription_id, "to": scanned_to})

    async def lease_due(self, limit: int, lease_seconds: float, slots: int) -> list[DueDelivery]:
        # Per active subscription, its oldest due deliveries (enough for two requests of its batch size and
        # the request slots of a round of single ones) whose earlier undelivered ones (same claim) are all
        # due as well, found by walking its pending deliveries in id order (index deliveries_listed) and probing
        # each queue (index deliveries_queue), so a round reads about what it sends, however long the backlog (a
        # window over every undelivered delivery took 4 s a round with 580,000 pending in make soak). Their place
        # in their queue is counted here, and only then are they locked, by id: the table grows from nothing to
        # 100,000s of rows within minutes, ahead of its statistics, and a plan for "an empty table" re-ranked
        # every candidate once per locked row (36 s for one round in make bench). The probe is kept a subplan
        # (OFFSET 0), one index lookup per candidate, never a join over every undelivered row. Each round is
        # planned afresh (a prepared statement's generic plan, made while the table was small, outlived it);
        # no sequential scans, and no JIT (the costs that setting puts on a sequential scan made PostgreSQL
        # compile the query, ≈ 230 ms, each round).
        await self.conn.execute(text(
            "SELECT set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true), "
            "set_config('plan_cache_mode', 'force_custom_plan', true)"))  # this transaction
        candidates = (await self.conn.execute(text(
            "SELECT c.id, c.subscription_id, c.ordering_key, s.batch_size "
            "FROM subscriptions s CROSS JOIN LATERAL (SELECT d.id, d.subscription_id, d.ordering_key "
            f"  FROM deliveries d WHERE d.subscription_id = s.id AND {_due('d')} "
            "  AND NOT EXISTS (SELECT 1 FROM deliveries e WHERE e.subscription_id = d.subscription_id "
            "    AND e.ordering_key = d.ordering_key AND e.status <> 'delivered' AND e.id < d.id "
            f"    AND NOT ({_due('e')}) OFFSET 0) "
            "  ORDER BY d.id LIMIT s.batch_size * 2 + :slots) c "
            "WHERE s.status = 'active' ORDER BY c.id"), {"slots": slots})).all()
        places = _places_in_queue(candidates)
        if not places:
            return []
        rows = (await self.conn.execute(text(
            "SELECT id, subscription_id, position, attempts, ordering_key FROM deliveries d WHERE id = ANY(:ids) "
            # checked again on the row locked: a delivery another replica leased or sent since this
            # transaction's snapshot is skipped, never sent twice
            f"AND {_due('d')} ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED"),
            {"ids": sorted(places), "n": limit})).all()
        rows = _queue_prefixes(rows, places)
        if not rows:
            return []
        ids = [r.id for r in rows]
        await self.conn.execute(text("UPDATE deliveries SET leased_until = now() + make_interval(secs => :s) "
                                     "WHERE id = ANY(:ids)"), {"ids": ids, "s": lease_seconds})
        subscription_ids = sorted({r.subscription_id for r in rows})
        subscriptions = {r.id: _subscription(r) for r in (await self.conn.execute(text(
            f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE id = ANY(:ids)"), {"ids": subscription_ids})).all()}
        secrets: dict[str, list[str]] = {}
        for r in (await self.conn.execute(text(
                "SELECT subscription_id, secret FROM subscription_secrets WHERE subscription_id = ANY(:ids) "
                "AND (expires_at IS NULL OR expires_at > now()) ORDER BY created_at DESC"), {"ids": subscription_ids})).all():
            secrets.setdefault(r.subscription_id, []).append(r.secret)
        events = {r.position: _event(r) for r in (await self.conn.execute(text(
            "SELECT position, type, subject, time, regions, hospital, body FROM event_log WHERE position = ANY(:p)"),
            {"p": [r.position for r in rows]})).all()}
        return [DueDelivery(r.id, subscriptions[r.subscription_id], r.attempts, events[r.position],
                            tuple(secrets.get(r.subscription_id, ()))) for r in rows]

    async def release(self, delivery_ids: list[int]) -> None:
        await self.conn.execute(text("UPDATE deliveries SET leased_until = NULL WHERE id = ANY(:ids)"),
                                {"ids": delivery_ids})

    async def delivered(self, deliveries: list[tuple[int, int]]) -> None:
        if not deliveries:
            return
        await self.conn.execute(text(
            "UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), "
            "leased_until = NULL, last_status = a.status, last_error = NULL "
            "FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS int[])) AS a(id, status) WHERE deliveries.id = a.id"),
            {"ids": [d for d, _ in deliveries], "statuses": [s for _, s in deliveries]})

    async def attempt_failed(self, delivery_id: int, attempts: int, retry_in: float | None, status: int | None,
                             error: str) -> None:
        await self.conn.execute(text(
            "UPDATE deliveries SET attempts = :attempts, leased_until = NULL, last_status = :status, last_error = :error, "
            "status = CASE WHEN CAST(:retry AS float8) IS NULL THEN 'failed' ELSE 'pending' END, "
            "next_attempt_at = now() + make_interval(secs => coalesce(CAST(:retry AS float8), 0)) WHERE id = :id"),
            {"id": delivery_id, "attempts": attempts, "retry": retry_in, "status": status, "error": error[:2000]})

    async def deliveries(self, subscription_id: str, status: str | None, after_id: int, limit: int) -> list[Delivery]:
        rows = (await self.conn.execute(text(
            "SELECT d.id, d.subscription_id, d.position, e.event_id, e.type, d.ordering_key, d.status, d.attempts, "
            "d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.delivered_at "
            "FROM deliveries d JOIN event_log e ON e.position = d.position WHERE d.subscription_id = :id "
            "AND (CAST(:status AS text) IS NULL OR d.status = :status) AND d.id > :after ORDER BY d.id LIMIT :n"),
            {"id": subscription_id, "status": status, "after": after_id, "n": limit})).all()
        return [Delivery(r.id, r.subscription_id, r.position, r.event_id, r.type, r.ordering_key, r.status, r.attempts,
                         r.next_attempt_at if r.status == "pending" else None, r.last_status, r.last_error,
                         r.created_at, r.delivered_at) for r in rows]

    async def redeliver(self, subscription_id: str, delivery_id: int) -> str | None:
        previous = await self.conn.scalar(text(
            "SELECT status FROM deliveries WHERE id = :d AND subscription_id = :s FOR UPDATE"),
            {"d": delivery_id, "s": subscription_id})
        if previous in ("failed", "delivered"):
            await self.conn.execute(text(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), leased_until = NULL, "
                "delivered_at = NULL WHERE id = :d"), {"d": delivery_id})
        return previous

    async def prune(self, delivered_before: datetime, logged_before: datetime, limit: int) -> tuple[int, int]:
        deliveries = (await self.conn.execute(text(
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE status = 'delivered' "
            "AND delivered_at < :before ORDER BY id LIMIT :n)"), {"before": delivered_before, "n": limit})).rowcount
        events = (await self.conn.execute(text(
            "DELETE FROM event_log WHERE position IN (SELECT position FROM event_log e WHERE recorded_at < :before "
            "  AND position <= (SELECT coalesce(min(scanned_to), 9223372036854775807) FROM subscriptions) "
            "  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.position = e.position) ORDER BY position LIMIT :n)"),
            {"before": logged_before, "n": limit})).rowcount
        return deliveries, events

    async def backlog(self) -> dict[str, int]:
        rows = (await self.conn.execute(text(
            "SELECT s.id, count(d.id) AS n FROM subscriptions s LEFT JOIN deliveries d "
            "ON d.subscription_id = s.id AND d.status = 'pending' GROUP BY s.id"))).all()
        return {r.id: r.n for r in rows}

