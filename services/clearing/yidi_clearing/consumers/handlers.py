"""Clearing's event handlers: map each payload to clearing's own type and call the use case."""
from __future__ import annotations

from yidi_common.events import Envelope
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED, PAYMENT_PRICED
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters.events import clearing_case, confirmed_deduction
from ..adapters.repository import PostgresClearingRepository
from ..service_layer.ledger_postings import apply_priced_claims, record_deduction


def make_handlers(repository: RepositoryFactory = PostgresClearingRepository) -> dict[str, Handler]:
    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        priced = [(clearing_case(event.payload()), event) for event in events]  # type: ignore[arg-type]
        await apply_priced_claims(Transaction.of_batch(uow, repository), priced)

    async def on_confirmed(uow: UnitOfWork, event: Envelope) -> None:
        await record_deduction(Transaction.of_batch(uow, repository), confirmed_deduction(event.payload()))  # type: ignore[arg-type]

    return {PAYMENT_PRICED: on_priced, AUDIT_FLAG_CONFIRMED: on_confirmed}
