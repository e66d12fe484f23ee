"""Between integration events and the pricing domain."""
from __future__ import annotations

from yidi_common.events.v1 import ClaimFacts, GroupingOutcome, PoolRef, PricingOutcome
from yidi_common.regional_config import ProvinceConfig
from yidi_common.settlement_list import InsuranceType

from ..domain.inputs import CaseInputs, GroupingStatus
from ..domain.priced import PricedCase


def case_inputs(claim: ClaimFacts, grouping: GroupingOutcome) -> CaseInputs:
    return CaseInputs(
        setl_id=claim.setl_id,
        hospital_code=claim.hospital_code,
        treatment_region=claim.treat_admdvs,
        insured_region=claim.insu_admdvs,
        year=int(claim.setl_period[:4]),
        insutype=InsuranceType(claim.insutype),
        total_cost=claim.total_cost,
        basic_fund_payment=claim.basic_fund_payment,
        other_fund_payments=claim.fund_payments_total - claim.basic_fund_payment,
        los_days=claim.los,
        grouping_status=GroupingStatus(grouping.status),
        group_code=grouping.dip_type if grouping.payment_method == "DIP" else grouping.drg,
        cross_province=claim.cross_province,
        special_case_review=claim.special_case_review,
        settlement_month=claim.setl_period,
    )


def pricing_outcome(priced: PricedCase, config: ProvinceConfig) -> PricingOutcome:
    pool = priced.pool
    hospital = config.hospitals.get(priced.inputs.hospital_code)
    return PricingOutcome(
        case_kind=priced.kind.value,
        pool=PoolRef(
            treat_admdvs=pool.region, year=pool.year, payment_method=pool.scheme.value,
            insutype=pool.insutype.value if pool.insutype else "all",
            origin=pool.origin.value if pool.origin else "all",
        ) if pool else None,
        hospital_level=hospital.level if hospital else None,
        weight=priced.weight,
        rate=priced.rate,
        coefficient=priced.coefficient,
        standard=priced.standard,
        cost_ratio=priced.cost_ratio,
        low_threshold=priced.low_threshold,
        high_threshold=priced.high_threshold,
        paid_weight=priced.paid_weight,
        basis=priced.basis.value,
        payment_exact=priced.payment_exact if priced.weight_paid else None,
        payment=priced.payment,
        fund_due=priced.fund_due,
        explanation=[f"basis={priced.basis.value}", *([priced.note] if priced.note else [])],
    )
