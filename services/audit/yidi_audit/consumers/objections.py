"""Audit's handler of objection.decided (from reports)."""
from __future__ import annotations

from yidi_common.events import Envelope
from yidi_common.messaging import Handler, UnitOfWork
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..service_layer.objections import apply_objection_decided


def objection_handler(repository: RepositoryFactory) -> Handler:
    async def on_objection_decided(uow: UnitOfWork, event: Envelope) -> None:
        decided = event.payload()
        await apply_objection_decided(Transaction.of_batch(uow, repository), target_kind=decided.target_kind,
                                      flag_id=decided.target_id, decision=decided.decision,
                                      objection_id=decided.objection_id, user_id=decided.decided_by,
                                      at=decided.decided_at)

    return on_objection_decided
