"""From integration payloads and the hospitals' lists to the pricing domain's inputs."""
from __future__ import annotations

from decimal import Decimal

from yidi_common.claims import claim_scope
from yidi_common.events.v1 import ClaimFacts, GroupingOutcome
from yidi_common.settlement_list import InsuranceType, SettlementList

from ..domain.inputs import CaseInputs, GroupingStatus


def case_inputs(claim: ClaimFacts, grouping: GroupingOutcome) -> CaseInputs:
    """A grouped claim version, with the scope the grouper decided."""
    return CaseInputs(
        setl_id=claim.setl_id,
        hospital_code=claim.hospital_code,
        treatment_region=claim.treat_admdvs,
        year=int(claim.setl_period[:4]),
        insutype=InsuranceType(claim.insutype),
        scope=claim.scope,
        total_cost=claim.total_cost,
        basic_fund_payment=claim.basic_fund_payment,
        other_fund_payments=claim.other_fund_payments,
        los_days=claim.los,
        grouping_status=GroupingStatus(grouping.status),
        group_code=grouping.dip_type if grouping.payment_method == "DIP" else grouping.drg,
        special_case_id=claim.special_case_id,
        dip_category=grouping.dip_category,
        dip_severity=grouping.dip_severity or 0,
        settlement_month=claim.setl_period,
        principal_diagnosis=claim.diagnoses[0] if claim.diagnoses else "",
        departments=tuple(claim.departments),
        emergency_fee=claim.emergency_fee or Decimal("0.00"),
        preferential_treatment=claim.preferential_treatment,
        manual_reimbursement=claim.manual_reimbursement,
    )


def case_inputs_of_list(
    settlement: SettlementList, grouping_status: GroupingStatus, group_code: str | None,
    grouping: GroupingOutcome | None = None,
) -> CaseInputs:
    """A hospital's list to simulate: nothing upstream decided its scope, so it is decided here by the
    one shared rule. Its special_case_review flag is an application, not an approval: priced as any list.
    With the grouper's whole outcome (`grouping`), its status, group and DIP category and severity are
    taken as `case_inputs` takes them in the chain, so a simulation prices exactly as the chain does."""
    if grouping is not None:
        grouping_status = GroupingStatus(grouping.status)
        group_code = grouping.dip_type if grouping.payment_method == "DIP" else grouping.drg
    info = settlement.setlinfo
    basic = settlement.basic_fund_payment
    return CaseInputs(
        setl_id=info.setl_id,
        hospital_code=info.fixmedins_code,
        treatment_region=info.treat_admdvs,
        year=int(info.setl_period[:4]),
        insutype=info.insutype,
        scope=claim_scope(insured_region=info.insu_admdvs, treatment_region=info.treat_admdvs),
        total_cost=settlement.total_cost,
        basic_fund_payment=basic,
        other_fund_payments=settlement.fund_payments_total - basic,
        los_days=info.act_ipt_days,
        grouping_status=grouping_status,
        group_code=group_code,
        dip_category=grouping.dip_category if grouping is not None else None,
        dip_severity=(grouping.dip_severity or 0) if grouping is not None else 0,
        settlement_month=info.setl_period,
        principal_diagnosis=settlement.principal_diagnosis.diag_code,
        departments=settlement.departments,
        emergency_fee=info.emergency_fee or Decimal("0.00"),
        preferential_treatment=info.preferential_treatment,
        manual_reimbursement=info.manual_reimbursement,
    )
