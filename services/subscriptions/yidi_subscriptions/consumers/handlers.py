"""The subscriptions service's event handler: every published event type into its event log."""
from yidi_common.events import Envelope
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters.repository import PostgresSubscriptionRepository
from ..domain.scope import SUBSCRIBABLE
from ..service_layer.subscriptions import record_events


def make_handlers(repository: RepositoryFactory = PostgresSubscriptionRepository) -> dict[str, Handler]:
    @takes_batches
    async def on_event(uow: UnitOfWork, events: list[Envelope]) -> None:
        await record_events(Transaction.of_batch(uow, repository), events)

    return {event_type: on_event for event_type in SUBSCRIBABLE}
