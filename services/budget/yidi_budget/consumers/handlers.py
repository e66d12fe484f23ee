"""Budget's event handlers: priced claims to their budgets (raising alerts), final rates after clearing."""
from __future__ import annotations

from collections.abc import Callable

from yidi_common.events import Envelope
from yidi_common.events.registry import ANNUAL_CLEARED, PAYMENT_PRICED
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.regional_config import ProvinceConfig
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters.budget_repository import PostgresBudgetRepository
from ..adapters.events import final_rates, priced_claim
from ..service_layer.budgets import KnownAlerts, apply_priced, record_final_rates


def make_handlers(get_config: Callable[[], ProvinceConfig],
                  repository: RepositoryFactory = PostgresBudgetRepository) -> dict[str, Handler]:
    known_alerts: KnownAlerts = {}

    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        await apply_priced(Transaction.of_batch(uow, repository), [priced_claim(event) for event in events],
                           get_config(), known_alerts)

    async def on_annual_cleared(uow: UnitOfWork, event: Envelope) -> None:
        await record_final_rates(Transaction.of_batch(uow, repository), final_rates(event.payload()))

    return {PAYMENT_PRICED: on_priced, ANNUAL_CLEARED: on_annual_cleared}
