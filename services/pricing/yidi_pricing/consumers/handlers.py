"""Pricing's event handler: each grouped claim version is priced and published as payment.priced."""
from __future__ import annotations

import orjson
from sqlalchemy import text

from yidi_common.config_provider import ConfigProvider
from yidi_common.db import as_columns
from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import PAYMENT_PRICED, SETTLEMENT_LIST_GROUPED
from yidi_common.events.v1 import PaymentPriced, SettlementListGrouped
from yidi_common.messaging import Handler, UnitOfWork, takes_batches

from ..adapters.mapping import case_inputs, pricing_outcome
from ..domain.pricing import price_case

SOURCE = "/yidi/pricing"
INSERT_PRICED = text(
    "INSERT INTO priced_claims (claim_id, version, hospital_code, period, pool, case_kind, payment, fund_due, "
    "config_version, pricing) SELECT * FROM unnest(CAST(:c AS text[]), CAST(:v AS int[]), CAST(:h AS text[]), "
    "CAST(:p AS text[]), CAST(:pool AS text[]), CAST(:k AS text[]), CAST(:pay AS numeric[]), CAST(:due AS numeric[]), "
    "CAST(:cv AS text[]), CAST(:body AS jsonb[])) ON CONFLICT (claim_id, version) DO NOTHING"
)


def make_handlers(config: ConfigProvider) -> dict[str, Handler]:
    @takes_batches
    async def on_grouped(uow: UnitOfWork, events: list[Envelope]) -> None:
        cfg = config.current
        rows = []
        for event in events:
            msg: SettlementListGrouped = event.payload()  # type: ignore[assignment]
            outcome = pricing_outcome(price_case(case_inputs(msg.claim, msg.grouping), cfg), cfg)
            priced = new_event(
                type=PAYMENT_PRICED, source=SOURCE, subject=msg.claim.claim_id, correlationid=event.correlationid,
                event_id=deterministic_event_id(event.id, PAYMENT_PRICED),
                payload=PaymentPriced(claim=msg.claim, grouping=msg.grouping, pricing=outcome,
                                      supersedes_version=msg.supersedes_version),
            )
            rows.append({
                "c": msg.claim.claim_id, "v": msg.claim.version, "h": msg.claim.hospital_code,
                "p": msg.claim.setl_period, "pool": outcome.pool.key if outcome.pool else None, "k": outcome.case_kind,
                "pay": outcome.payment, "due": outcome.fund_due, "cv": cfg.version,
                "body": orjson.dumps(priced.data["pricing"]).decode(),
            })
            uow.emit(priced)
        if rows:
            await uow.conn.execute(INSERT_PRICED, as_columns(rows))

    return {SETTLEMENT_LIST_GROUPED: on_grouped}
