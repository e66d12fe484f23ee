"""A payment.priced event as the audit use case's input."""
from __future__ import annotations

from decimal import Decimal

from yidi_common.events import Envelope
from yidi_common.events.v1 import PaymentPriced

from ..domain.claims import ClaimFacts
from ..domain.params import SpecialCaseParams
from ..domain.special_cases import PER_ITEM_KINDS, Origin
from ..service_layer.audit import PricedClaim
from ..service_layer.special_cases import Referral, case_claim

LIST_FLAG_REASON = "hospital-list-flag"  # setlinfo.special_case_review on the list


def priced_claim(event: Envelope, message: PaymentPriced) -> PricedClaim:
    return PricedClaim(claim_facts(message), event.correlationid)


def referral(message: PaymentPriced, facts: ClaimFacts, params: SpecialCaseParams) -> Referral | None:
    """A priced version that opens a 特例单议 case on its own: pricing named a reason (DIP above the
    special-review multiple, seed 003 三(二)), or the hospital flagged its list; never the version issued for
    an approved case, nor one already paid per item."""
    if message.claim.special_case_id is not None or facts.case_kind in PER_ITEM_KINDS:
        return None
    if message.pricing.special_review:
        return Referral(case_claim(facts), Origin.PRICING, message.pricing.special_review)
    if message.claim.special_case_review and params.open_from_list_flag:
        return Referral(case_claim(facts), Origin.HOSPITAL_LIST, LIST_FLAG_REASON)
    return None


def claim_facts(message: PaymentPriced) -> ClaimFacts:
    """The audit facts of a priced claim; the group's average cost is the claim's payment standard."""
    c, g, p = message.claim, message.grouping, message.pricing
    principal, *others = c.diagnoses
    funds: dict[str, Decimal] = {}
    for f in c.fund_payments:
        funds[f.fund_pay_type] = funds.get(f.fund_pay_type, Decimal(0)) + f.amount
    return ClaimFacts(
        claim_id=c.claim_id,
        version=c.version,
        setl_id=c.setl_id,
        hospital_code=c.hospital_code,
        psn_no=c.psn_no,
        insured_region=c.insu_admdvs,
        treatment_region=c.treat_admdvs,
        insutype=c.insutype,
        adm_time=c.adm_time,
        dscg_time=c.dscg_time,
        los=c.los,
        dscg_way=c.dscg_way,
        principal_diagnosis=principal,
        other_diagnoses=tuple(others),
        procedures=tuple(c.procedures),
        grouping_status=g.status,
        mdc=g.mdc,
        adrg=g.adrg,
        drg=g.drg,
        complications=tuple(g.complications),
        drg_without_complications=None,
        total_cost=c.total_cost,
        fund_payments=funds,
        fulamt_ownpay=c.fulamt_ownpay,
        psn_ownpay=c.psn_ownpay,
        fee_by_category=dict(c.fee_by_category),
        payment=p.payment,
        fund_due=p.fund_due,
        case_kind=p.case_kind,
        group_avg_cost=p.standard,
        payment_method=g.payment_method,
        dip_type=g.dip_type,
        dip_severity=g.dip_severity or 0,
        severity_coefficient=p.severity_coefficient,
        cost_ratio=p.cost_ratio,
        dip_score=p.weight if g.payment_method == "DIP" else None,
        pool_region=p.pool.treat_admdvs if p.pool and p.pool.treat_admdvs != c.treat_admdvs else None,
    )
