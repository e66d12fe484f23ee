"""From event payloads to the domain's and the use cases' input types."""
from __future__ import annotations

from decimal import Decimal

from yidi_common.events import Envelope
from yidi_common.events.v1 import AnnualCleared, PaymentPriced

from ..domain.consumption import PricedClaim
from ..service_layer.repository import FinalRate


def priced_claim(event: Envelope) -> PricedClaim:
    msg: PaymentPriced = event.payload()  # type: ignore[assignment]
    claim, pool = msg.claim, msg.pricing.pool
    return PricedClaim(
        claim_id=claim.claim_id,
        version=claim.version,
        scope=claim.scope,
        insured_region=claim.insu_admdvs,
        year=int(claim.setl_period[:4]),
        pool=pool.key if pool else None,
        fund_due=msg.pricing.fund_due,
        # a 手工报销 list's F was not settled directly: not part of a pool budgeted by direct payments (seed 001 (四))
        basic_fund=Decimal("0.00") if claim.manual_reimbursement else claim.basic_fund_payment,
        fund_payments=claim.fund_payments_total,
        correlation_id=event.correlationid,
    )


def final_rates(msg: AnnualCleared) -> list[FinalRate]:
    return [FinalRate(pool=p.pool, region=msg.region, year=msg.year, final_rate=p.final_rate,
                      fund_due_final=p.fund_due_final, residue=p.residue, reserve=p.reserve,
                      overrun_paid=p.overrun_paid) for p in msg.pools]
