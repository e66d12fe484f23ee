"""Group commit for the HIS intake: concurrent posts are written together, one transaction per batch.

Each post still gets its own decision (accepted, repeated, conflict, not found), made in arrival
order against what is stored and what the same batch accepted before it. Nothing is answered 202
before its transaction has committed, so nothing accepted is ever lost.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from yidi_common.events import Envelope, deterministic_event_id
from yidi_common.events.registry import SETTLEMENT_LIST_SUBMITTED
from yidi_common.events.v1 import SettlementListSubmitted
from yidi_common.messaging import OutboxRelay, write_outbox
from yidi_common.settlement_list import SettlementList

from ..domain.intake import Decision, Outcome, StoredVersion, decide
from . import claims_repository as repo

log = structlog.get_logger()


@dataclass
class Post:
    sl: SettlementList
    body: dict  # sl as JSON, dumped once
    claim_id: str
    digest: str
    correction: bool
    answer: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class IntakeWriter:
    def __init__(self, engine: AsyncEngine, relay: OutboxRelay, max_batch: int = 256):
        self.engine = engine
        self.relay = relay
        self.max_batch = max_batch
        self.queue: asyncio.Queue[Post] = asyncio.Queue()

    async def submit(self, sl: SettlementList, body: dict, claim_id: str, digest: str, *, correction: bool) -> Decision:
        post = Post(sl, body, claim_id, digest, correction)
        await self.queue.put(post)
        return await post.answer

    async def run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < self.max_batch:
                batch.append(self.queue.get_nowait())
            try:
                async with self.engine.begin() as conn:
                    decisions = await store_batch(conn, batch)
            except Exception as exc:  # noqa: BLE001 - every waiting request learns of it
                log.error("intake batch failed", error=repr(exc), size=len(batch))
                for post in batch:
                    if not post.answer.done():
                        post.answer.set_exception(exc)
                continue
            for post, decision in zip(batch, decisions):
                if not post.answer.done():
                    post.answer.set_result(decision)
            self.relay.wake()


async def store_batch(conn: AsyncConnection, batch: list[Post]) -> list[Decision]:
    ids = sorted({p.claim_id for p in batch})
    # serialise with any other intake process posting the same claims; sorted, so no deadlock
    await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(c)) FROM unnest(CAST(:ids AS text[])) AS c ORDER BY c"),
                       {"ids": ids})
    stored: dict[str, list[StoredVersion]] = {c: [] for c in ids}
    rows = await conn.execute(
        text("SELECT s.claim_id, s.version, s.content_hash, "
             "coalesce(c.stage = 'rejected' AND c.current_version = s.version, false) AS rejected "
             "FROM settlement_lists s LEFT JOIN claims c USING (claim_id) WHERE s.claim_id = ANY(:ids) "
             "ORDER BY s.claim_id, s.version"), {"ids": ids})
    for r in rows:
        stored[r.claim_id].append(StoredVersion(r.version, r.content_hash, r.rejected))
    decisions, events, versions, claims = [], [], [], []
    now = datetime.now(timezone.utc)
    for post in batch:
        decision = decide(stored[post.claim_id], post.digest, correction=post.correction)
        decisions.append(decision)
        if decision.outcome is not Outcome.ACCEPTED:
            continue
        stored[post.claim_id].append(StoredVersion(decision.version, post.digest))
        info = post.sl.setlinfo
        event_id = deterministic_event_id(post.claim_id, str(decision.version), SETTLEMENT_LIST_SUBMITTED)
        versions.append(repo.version_row(post.claim_id, decision.version, info, post.digest, post.body))
        claims.append(repo.claim_row(post.claim_id, decision.version, info))
        submitted = SettlementListSubmitted(claim_id=post.claim_id, version=decision.version,
                                            supersedes_version=decision.supersedes, submitted_at=now,
                                            settlement_list=post.sl)
        events.append(Envelope(  # the list's JSON is reused, not dumped a second time
            id=event_id, source="/yidi/grouper/intake", type=SETTLEMENT_LIST_SUBMITTED, subject=post.claim_id,
            time=now, correlationid=post.claim_id,
            data=submitted.model_dump(mode="json", exclude={"settlement_list"}) | {"settlement_list": post.body},
        ))
    await repo.store_versions(conn, versions, claims)
    await write_outbox(conn, events)
    return decisions
