"""What audit rules need to know about one priced claim version (no PII beyond psn_no)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from yidi_common.settlement_list import BASIC_POOLED_FUND_TYPES


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    psn_no: str
    insured_region: str  # 参保地
    treatment_region: str  # 就医地
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
    payment_method: str = "DRG"  # DRG / DIP
    dip_type: str | None = None
    dip_severity: int = 0  # DIP 疾病严重程度 level the grouper assigned (0: none)
    severity_coefficient: Decimal | None = None  # what pricing multiplied the points by for it
    cost_ratio: Decimal | None = None  # T / the type's mean cost (DIP) or T / S (DRG), as priced
    dip_score: Decimal | None = None  # DIP: the type's score D_g as priced
    pool_region: str | None = None  # 省本级: the pool region the claim is priced and cleared in, if not treatment_region

    @property
    def reviewing_region(self) -> str:
        """The bureau that reviews the claim as its treatment region (就医地): the pool region of a 省本级 claim
        (seed 000 二(一): 纳入省本级统筹区…医保支付管理), else the treatment region."""
        return self.pool_region or self.treatment_region

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
