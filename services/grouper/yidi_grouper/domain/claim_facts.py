"""The claim facts every later stage needs, taken from a settlement list (PII left behind)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from yidi_common.claims import claim_scope
from yidi_common.events.v1 import ClaimFacts, FundAmount
from yidi_common.settlement_list import SettlementList


def claim_facts(sl: SettlementList, claim_id: str, version: int, special_case_id: str | None = None) -> ClaimFacts:
    """special_case_id: the approved 特例单议 case the version was issued for (priced per item)."""
    info = sl.setlinfo
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for item in sl.iteminfo:
        by_category[item.med_chrgitm_type.value] += item.amt
    return ClaimFacts(
        claim_id=claim_id,
        version=version,
        setl_id=info.setl_id,
        hospital_code=info.fixmedins_code,
        psn_no=info.psn_no,
        insu_admdvs=info.insu_admdvs,
        treat_admdvs=info.treat_admdvs,
        insutype=info.insutype.value,
        setl_period=info.setl_period,
        gender=info.gend.value,
        age=info.age,
        age_days=info.nwb_age_days,
        adm_time=info.adm_time,
        dscg_time=info.dscg_time,
        los=info.act_ipt_days,
        dscg_way=info.dscg_way.value,
        ventilator_hours=info.vent_used_dura,
        cross_province=info.cross_province,
        scope=claim_scope(insured_region=info.insu_admdvs, treatment_region=info.treat_admdvs),
        special_case_review=info.special_case_review,
        departments=list(sl.departments),
        emergency_fee=info.emergency_fee,
        preferential_treatment=info.preferential_treatment,
        manual_reimbursement=info.manual_reimbursement,
        special_case_id=special_case_id,
        diagnoses=sl.ordered_diagnoses(),
        procedures=sl.ordered_procedures(),
        total_cost=sl.total_cost,
        basic_fund_payment=sl.basic_fund_payment,
        fund_payments=[FundAmount(fund_pay_type=f.fund_pay_type, amount=f.fund_payamt) for f in sl.payinfo.funds],
        psn_ownpay=sl.payinfo.psn_ownpay,
        fulamt_ownpay=sum((i.fulamt_ownpay_amt for i in sl.iteminfo), Decimal(0)),
        fee_by_category=dict(sorted(by_category.items())),
    )
