"""Group commit for the HIS intake: concurrent posts are written together, one transaction per batch.

Each post still gets its own decision (service_layer.intake.accept_lists, in arrival order). Nothing
is answered 202 before its transaction has committed, so nothing accepted is ever lost.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine

from yidi_common.messaging import OutboxRelay
from yidi_common.personal_data import mask_text
from yidi_common.unit_of_work import RepositoryFactory, transaction

from ..domain.intake import Decision
from ..service_layer.intake import PostedList, accept_lists
from .claims_repository import PostgresClaimsRepository

log = structlog.get_logger()


@dataclass
class _Waiting:
    posted: PostedList
    answer: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class IntakeWriter:
    """service_layer.intake.Intake, batching the posts that arrive while a batch is being written."""

    def __init__(self, engine: AsyncEngine, relay: OutboxRelay,
                 repository: RepositoryFactory = PostgresClaimsRepository, max_batch: int = 256):
        self.engine = engine
        self.relay = relay
        self.repository = repository
        self.max_batch = max_batch
        self.queue: asyncio.Queue[_Waiting] = asyncio.Queue()

    async def submit(self, posted: PostedList) -> Decision:
        waiting = _Waiting(posted)
        await self.queue.put(waiting)
        return await waiting.answer

    async def run(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty() and len(batch) < self.max_batch:
                batch.append(self.queue.get_nowait())
            try:
                async with transaction(self.engine, self.repository, self.relay) as tx:
                    decisions = await accept_lists(tx, [waiting.posted for waiting in batch])
            except Exception as exc:  # noqa: BLE001 - every waiting request learns of it
                # masked here too: a database error may quote the lists it was given
                log.error("intake batch failed", error=mask_text(repr(exc)), size=len(batch))
                for waiting in batch:
                    if not waiting.answer.done():
                        waiting.answer.set_exception(exc)
                continue
            for waiting, decision in zip(batch, decisions):
                if not waiting.answer.done():
                    waiting.answer.set_result(decision)
