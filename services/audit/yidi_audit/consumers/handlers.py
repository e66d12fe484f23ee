"""Audit's event handler: each batch of priced claims goes to the audit use case in the batch's transaction."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from yidi_common.events import Envelope
from yidi_common.events.registry import OBJECTION_DECIDED, PAYMENT_PRICED
from yidi_common.events.v1 import PaymentPriced
from yidi_common.messaging import Handler, UnitOfWork, takes_batches
from yidi_common.unit_of_work import RepositoryFactory, Transaction

from ..adapters.priced import priced_claim, referral
from ..adapters.repository import PostgresAuditRepository
from ..domain.params import AuditConfig
from ..service_layer.audit import audit_priced_claims
from ..service_layer.special_cases import refer_priced_claims
from .objections import objection_handler


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def make_handlers(current_config: Callable[[], AuditConfig],
                  repository: RepositoryFactory = PostgresAuditRepository,
                  clock: Callable[[], datetime] = _utc_now) -> dict[str, Handler]:
    """current_config: the rules in force when an event is handled (they may be reloaded); clock: when."""
    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        """The rules, then 特例单议: cases opened by the list's flag or pricing, cases of replaced versions closed."""
        config, now, tx = current_config(), clock(), Transaction.of_batch(uow, repository)
        messages: list[PaymentPriced] = [e.payload() for e in events]  # type: ignore[misc]
        priced = [priced_claim(e, m) for e, m in zip(events, messages)]
        await audit_priced_claims(tx, priced, config, now)
        corrected: dict[str, int] = {}
        for p in priced:
            if p.facts.version > 1:
                corrected[p.facts.claim_id] = max(corrected.get(p.facts.claim_id, 0), p.facts.version)
        referrals = [r for m, p in zip(messages, priced)
                     if (r := referral(m, p.facts, config.for_region(p.facts.treatment_region).special_cases))]
        await refer_priced_claims(tx, referrals, corrected, now,
                                  lambda region: config.for_region(region).special_cases)

    return {PAYMENT_PRICED: on_priced, OBJECTION_DECIDED: objection_handler(repository)}
