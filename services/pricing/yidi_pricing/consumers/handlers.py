"""Pricing's event handler: each grouped claim version is priced and published as payment.priced."""
from __future__ import annotations

from yidi_common.config_provider import ConfigProvider
from yidi_common.events import Envelope
from yidi_common.events.registry import SETTLEMENT_LIST_GROUPED
from yidi_common.events.v1 import SettlementListGrouped
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters.mapping import case_inputs
from ..adapters.repository import PostgresPricingRepository
from ..service_layer.use_cases import GroupedClaim, price_grouped_claims


def make_handlers(config: ConfigProvider, repository: RepositoryFactory = PostgresPricingRepository) -> dict[str, Handler]:
    @takes_batches
    async def on_grouped(uow: UnitOfWork, events: list[Envelope]) -> None:
        # a generator: each payload is parsed as it is priced, so a batch's payloads are not all alive at once
        await price_grouped_claims(Transaction.of_batch(uow, repository), (_grouped_claim(e) for e in events),
                                   config.current)

    return {SETTLEMENT_LIST_GROUPED: on_grouped}


def _grouped_claim(event: Envelope) -> GroupedClaim:
    grouped: SettlementListGrouped = event.payload()  # type: ignore[assignment]
    return GroupedClaim(event.id, event.correlationid, grouped, case_inputs(grouped.claim, grouped.grouping))
