"""From event payloads to clearing's own input types: every figure comes from the event, the scope and
the pool as the grouper and pricing decided them."""
from __future__ import annotations

from yidi_common.events.v1 import AuditFlagConfirmed, PaymentPriced

from ..domain.cases import ClearingCase
from ..domain.deductions import ConfirmedDeduction


def clearing_case(msg: PaymentPriced) -> ClearingCase:
    """The pool's region settles the case (省本级: the province-level pool's region, not the hospital's city).
    An emergency part paid per item beside the group payment (急诊转住院) is left out of T and Payment
    alike: FundDue = max(0, F + Payment − T) is unchanged, and only the group part is rescaled."""
    claim, pricing = msg.claim, msg.pricing
    per_item_part = pricing.per_item_part or 0
    return ClearingCase(
        claim_id=claim.claim_id,
        version=claim.version,
        setl_id=claim.setl_id,
        period=claim.setl_period,
        hospital_code=claim.hospital_code,
        treatment_region=pricing.pool.treat_admdvs if pricing.pool else claim.treat_admdvs,
        insured_region=claim.insu_admdvs,
        insutype=claim.insutype,
        scope=claim.scope,
        pool=pricing.pool.key if pricing.pool else None,
        case_kind=pricing.case_kind,
        total_cost=claim.total_cost - per_item_part,
        basic_fund=claim.basic_fund_payment,
        other_funds=claim.other_fund_payments,
        payment=pricing.payment - per_item_part,
        payment_exact=pricing.payment_exact,
        fund_due=pricing.fund_due,
    )


def confirmed_deduction(msg: AuditFlagConfirmed) -> ConfirmedDeduction:
    return ConfirmedDeduction(
        flag_id=msg.flag_id,
        claim_id=msg.claim_id,
        setl_id=msg.setl_id,
        hospital_code=msg.hospital_code,
        treatment_region=msg.treat_admdvs,
        insured_region=msg.insu_admdvs,
        amount=msg.amount,
        confirmed_at=msg.confirmed_at,
        period=msg.period,
    )
