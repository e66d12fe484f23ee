"""What audit rules need to know about one priced claim version (no PII beyond psn_no)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from yidi_common.events.v1 import PaymentPriced
from yidi_common.settlement_list import BASIC_POOLED_FUND_TYPES


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    psn_no: str
    insu_admdvs: str  # insured region (参保地)
    treat_admdvs: str  # treatment region (就医地)
    insutype: str  # 310 employee, 390 resident
    adm_time: datetime
    dscg_time: datetime
    los: int  # act_ipt_days
    dscg_way: str  # 1 医嘱离院 ... 9 其他
    principal_diagnosis: str
    other_diagnoses: tuple[str, ...]
    procedures: tuple[str, ...]  # main procedure first
    grouping_status: str  # grouped / ambiguous / ungroupable
    mdc: str | None
    adrg: str | None
    drg: str | None
    complications: tuple[str, ...]  # MCC/CC codes that counted for the DRG split
    drg_without_complications: str | None  # the DRG the case gets without them, if known
    total_cost: Decimal  # T
    fund_payments: Mapping[str, Decimal]  # fund_pay_type -> amount at discharge
    fulamt_ownpay: Decimal  # Σ iteminfo fulamt_ownpay_amt (全自费)
    psn_ownpay: Decimal  # payinfo psn_ownpay (个人自费)
    fee_by_category: Mapping[str, Decimal]  # med_chrgitm_type "01".."14" -> amount
    payment: Decimal  # what the hospital is paid for the case
    fund_due: Decimal  # max(0, F + Payment - T)
    case_kind: str  # normal / high_outlier / low_outlier / ... (pricing CaseKind values)
    group_avg_cost: Decimal | None = None  # region average T of the case's DRG (or DIP type)
    group_avg_los: Decimal | None = None
    lower_group_avg_cost: Decimal | None = None  # same, for drg_without_complications
    lower_group_avg_los: Decimal | None = None
    group_avg_fee_share: Mapping[str, Decimal] | None = None  # category -> the group's average share of T

    @property
    def basic_fund_payment(self) -> Decimal:
        """F: the basic pooled fund payment (310100 / 390100)."""
        return sum((a for t, a in self.fund_payments.items() if t in BASIC_POOLED_FUND_TYPES), Decimal(0))

    @property
    def self_pay(self) -> Decimal:
        """自费: psn_ownpay already includes the 全自费 items, so the larger of the two, never their sum."""
        return max(self.fulamt_ownpay, self.psn_ownpay)

    @property
    def diagnoses(self) -> tuple[str, ...]:
        return (self.principal_diagnosis, *self.other_diagnoses)


def icd_category(code: str) -> str:
    """ICD-10 category (类目): the first three characters, e.g. K80.100 -> K80."""
    return code[:3].upper()


def earlier_claims(claim: ClaimFacts, history: Iterable[ClaimFacts]) -> list[ClaimFacts]:
    """The person's other claims discharged no later than this admission, latest version each, latest first."""
    latest: dict[str, ClaimFacts] = {}
    for past in history:
        if past.psn_no != claim.psn_no or past.claim_id == claim.claim_id or past.dscg_time > claim.adm_time:
            continue
        if past.claim_id not in latest or past.version > latest[past.claim_id].version:
            latest[past.claim_id] = past
    return sorted(latest.values(), key=lambda c: c.dscg_time, reverse=True)


def from_priced(
    event: PaymentPriced,
    *,
    drg_without_complications: str | None = None,
    group_avg_cost: Decimal | None = None,
    group_avg_los: Decimal | None = None,
    lower_group_avg_cost: Decimal | None = None,
    lower_group_avg_los: Decimal | None = None,
    group_avg_fee_share: Mapping[str, Decimal] | None = None,
) -> ClaimFacts:
    """Build the audit facts from a `payment.priced` payload plus the region's group statistics."""
    c, g, p = event.claim, event.grouping, event.pricing
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
        insu_admdvs=c.insu_admdvs,
        treat_admdvs=c.treat_admdvs,
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
        drg_without_complications=drg_without_complications,
        total_cost=c.total_cost,
        fund_payments=funds,
        fulamt_ownpay=c.fulamt_ownpay,
        psn_ownpay=c.psn_ownpay,
        fee_by_category=dict(c.fee_by_category),
        payment=p.payment,
        fund_due=p.fund_due,
        case_kind=p.case_kind,
        group_avg_cost=group_avg_cost,
        group_avg_los=group_avg_los,
        lower_group_avg_cost=lower_group_avg_cost,
        lower_group_avg_los=lower_group_avg_los,
        group_avg_fee_share=group_avg_fee_share,
    )
