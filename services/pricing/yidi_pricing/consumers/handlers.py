"""Pricing's event handler: each grouped claim version is priced and published as payment.priced."""
from __future__ import annotations

import orjson
from sqlalchemy import text

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import PAYMENT_PRICED, SETTLEMENT_LIST_GROUPED
from yidi_common.events.v1 import PaymentPriced, SettlementListGrouped
from yidi_common.messaging import Handler, UnitOfWork

from yidi_common.config_provider import ConfigProvider
from ..adapters.mapping import case_inputs, pricing_outcome
from ..domain.pricing import price_case

SOURCE = "/yidi/pricing"
INSERT_PRICED = text(
    "INSERT INTO priced_claims (claim_id, version, hospital_code, period, pool, case_kind, payment, fund_due, "
    "config_version, pricing) VALUES (:c, :v, :h, :p, :pool, :k, :pay, :due, :cv, CAST(:body AS jsonb)) "
    "ON CONFLICT (claim_id, version) DO NOTHING"
)


def make_handlers(config: ConfigProvider) -> dict[str, Handler]:
    async def on_grouped(uow: UnitOfWork, event: Envelope) -> None:
        msg: SettlementListGrouped = event.payload()  # type: ignore[assignment]
        cfg = config.current
        priced = price_case(case_inputs(msg.claim, msg.grouping), cfg)
        outcome = pricing_outcome(priced, cfg)
        payload = PaymentPriced(claim=msg.claim, grouping=msg.grouping, pricing=outcome,
                                supersedes_version=msg.supersedes_version)
        uow.defer(INSERT_PRICED, {
            "c": msg.claim.claim_id, "v": msg.claim.version, "h": msg.claim.hospital_code, "p": msg.claim.setl_period,
            "pool": outcome.pool.key if outcome.pool else None, "k": outcome.case_kind, "pay": outcome.payment,
            "due": outcome.fund_due, "cv": cfg.version, "body": orjson.dumps(outcome.model_dump(mode="json")).decode(),
        })
        uow.emit(new_event(type=PAYMENT_PRICED, source=SOURCE, subject=msg.claim.claim_id, payload=payload,
                           correlationid=event.correlationid,
                           event_id=deterministic_event_id(event.id, PAYMENT_PRICED)))

    return {SETTLEMENT_LIST_GROUPED: on_grouped}
