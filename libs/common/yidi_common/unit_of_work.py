"""What a use case works in: its service's repository over one transaction, and the events to emit.

A service layer function takes a `Transaction[Repo]` and never sees a connection: it loads through
`tx.repo`, decides with the domain, saves through `tx.repo` and `tx.emit`s events. Production gives
it a repository over PostgreSQL, inside a consumer batch (`Transaction.of_batch`: the events go to
the batch's outbox) or an HTTP request (`transaction()`: the events go to the outbox in the same
commit). Unit tests give it an in-memory repository (`Transaction(FakeRepo())`) and read
`tx.emitted`, as cosmicpython's FakeUnitOfWork does.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .events import Envelope
from .messaging import UnitOfWork, write_outbox

Repo = TypeVar("Repo")
RepositoryFactory = Callable[[AsyncConnection], Repo]


@dataclass
class Transaction(Generic[Repo]):
    repo: Repo
    emitted: list[Envelope] = field(default_factory=list)

    def emit(self, event: Envelope) -> None:
        self.emitted.append(event)

    @classmethod
    def of_batch(cls, uow: UnitOfWork, repository: RepositoryFactory) -> "Transaction":
        """Inside a consumer batch: the batch's connection, and its outbox for what is emitted."""
        return cls(repository(uow.conn), uow.emitted)


@asynccontextmanager
async def transaction(engine: AsyncEngine, repository: RepositoryFactory, relay=None) -> AsyncIterator[Transaction]:
    """One PostgreSQL transaction for an HTTP use case; what it emits commits with it (outbox), and
    the relay is woken to publish it."""
    async with engine.begin() as conn:
        tx = Transaction(repository(conn))
        yield tx
        await write_outbox(conn, tx.emitted)
    if relay is not None and tx.emitted:
        relay.wake()
