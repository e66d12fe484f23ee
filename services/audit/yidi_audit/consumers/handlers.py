"""Audit's event handler: each batch of priced claims goes to the audit use case in the batch's transaction."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from yidi_common.events import Envelope
from yidi_common.events.registry import OBJECTION_DECIDED, PAYMENT_PRICED
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters.priced import priced_claim
from ..adapters.repository import PostgresAuditRepository
from ..domain.params import AuditConfig
from ..service_layer.audit import audit_priced_claims
from .objections import objection_handler


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def make_handlers(current_config: Callable[[], AuditConfig],
                  repository: RepositoryFactory = PostgresAuditRepository,
                  clock: Callable[[], datetime] = _utc_now) -> dict[str, Handler]:
    """current_config: the rules in force when an event is handled (they may be reloaded); clock: when."""
    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        await audit_priced_claims(Transaction.of_batch(uow, repository), [priced_claim(e) for e in events],
                                  current_config(), clock())

    return {PAYMENT_PRICED: on_priced, OBJECTION_DECIDED: objection_handler(repository)}
