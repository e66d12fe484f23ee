"""Event handlers of the grouper: QC and group each submitted list; follow the claim down the chain."""
from __future__ import annotations

from collections.abc import Callable

from yidi_common.events import Envelope
from yidi_common.events.registry import (
    AUDIT_FLAG_RAISED,
    LEDGER_POSTED,
    PAYMENT_PRICED,
    SETTLEMENT_LIST_SUBMITTED,
    SPECIAL_CASE_DECIDED,
)
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters.claims_repository import PostgresClaimsRepository
from ..adapters.timeline_events import audit_flag_stage, posted_stage, priced_stage
from ..domain.timeline import Stage
from ..service_layer.claims import record_timeline
from ..service_layer.grouping import Grouper, group_submitted
from ..service_layer.intake import issue_approved_versions


def make_handlers(grouper: Grouper, repository: RepositoryFactory = PostgresClaimsRepository) -> dict[str, Handler]:
    @takes_batches
    async def on_submitted(uow: UnitOfWork, events: list[Envelope]) -> None:
        await group_submitted(Transaction.of_batch(uow, repository), grouper, events)

    @takes_batches
    async def on_special_case_decided(uow: UnitOfWork, events: list[Envelope]) -> None:
        await issue_approved_versions(Transaction.of_batch(uow, repository), [e.payload() for e in events])

    def timeline(stage_of: Callable[[Envelope], Stage | None]) -> Handler:
        @takes_batches
        async def on_event(uow: UnitOfWork, events: list[Envelope]) -> None:
            stages = [stage for stage in map(stage_of, events) if stage is not None]
            await record_timeline(Transaction.of_batch(uow, repository), stages)

        return on_event

    return {
        SETTLEMENT_LIST_SUBMITTED: on_submitted,
        PAYMENT_PRICED: timeline(priced_stage),
        AUDIT_FLAG_RAISED: timeline(audit_flag_stage),
        LEDGER_POSTED: timeline(posted_stage),
        SPECIAL_CASE_DECIDED: on_special_case_decided,
    }
