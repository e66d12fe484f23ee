"""The reports service's event handlers: each stage's events into the indicators read model."""
from __future__ import annotations

from yidi_common.events import Envelope
from yidi_common.events.registry import (
    ANNUAL_CLEARED,
    AUDIT_FLAG_CONFIRMED,
    AUDIT_FLAG_RAISED,
    OBJECTION_DECIDED,
    PAYMENT_PRICED,
    SETTLEMENT_LIST_REJECTED,
    SETTLEMENT_LIST_SUBMITTED,
)
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters import events as mapping
from ..adapters.repository import PostgresReportsRepository
from ..service_layer.read_model import apply_annual_clearing, apply_cases, apply_flags


def make_handlers(repository: RepositoryFactory = PostgresReportsRepository) -> dict[str, Handler]:
    @takes_batches
    async def on_submitted(uow: UnitOfWork, events: list[Envelope]) -> None:
        await apply_cases(Transaction.of_batch(uow, repository), [mapping.submitted_case(e) for e in events])

    @takes_batches
    async def on_rejected(uow: UnitOfWork, events: list[Envelope]) -> None:
        await apply_cases(Transaction.of_batch(uow, repository), [mapping.rejected_case(e.payload()) for e in events])

    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        await apply_cases(Transaction.of_batch(uow, repository), [mapping.priced_case(e.payload()) for e in events])

    @takes_batches
    async def on_flag_raised(uow: UnitOfWork, events: list[Envelope]) -> None:
        await apply_flags(Transaction.of_batch(uow, repository), [mapping.flag_raised(e.payload(), e.time) for e in events])

    @takes_batches
    async def on_flag_confirmed(uow: UnitOfWork, events: list[Envelope]) -> None:
        await apply_flags(Transaction.of_batch(uow, repository), [mapping.flag_confirmed(e.payload()) for e in events])

    @takes_batches
    async def on_objection_decided(uow: UnitOfWork, events: list[Envelope]) -> None:
        await apply_flags(Transaction.of_batch(uow, repository), [mapping.objection_withdrawal(e.payload()) for e in events])

    async def on_annual_cleared(uow: UnitOfWork, event: Envelope) -> None:
        await apply_annual_clearing(Transaction.of_batch(uow, repository), mapping.annual_clearing(event.payload(), event.time))

    return {SETTLEMENT_LIST_SUBMITTED: on_submitted, SETTLEMENT_LIST_REJECTED: on_rejected, PAYMENT_PRICED: on_priced,
            AUDIT_FLAG_RAISED: on_flag_raised, AUDIT_FLAG_CONFIRMED: on_flag_confirmed,
            OBJECTION_DECIDED: on_objection_decided, ANNUAL_CLEARED: on_annual_cleared}
