"""A priced case: the payment, the fund's due and every input that produced them."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from yidi_common.claims import fund_due
from yidi_common.money import to_fen
from yidi_common.regional_config import PoolKey, Scheme

from .inputs import CaseInputs


class CaseKind(StrEnum):
    NORMAL = "normal"
    HIGH_OUTLIER = "high_outlier"  # 高倍率
    LOW_OUTLIER = "low_outlier"  # 低倍率
    SPECIAL_REVIEW = "special_review"  # 特例单议 approved
    UNGROUPABLE = "ungroupable"
    AMBIGUOUS = "ambiguous"  # 歧义组
    NOT_COVERED = "not_covered"  # group without a weight/score in the region's table
    BED_DAY = "bed_day"  # 按床日
    PREFERENTIAL = "preferential"  # 优抚对象: per item
    MANUAL_REIMBURSEMENT = "manual_reimbursement"  # 手工报销: the insured region paid the person
    CROSS_PROVINCE = "cross_province"  # 跨省: per item, outside the pool


class PaymentBasis(StrEnum):
    WEIGHT = "weight"  # w × R × C (DRG) or P × V (DIP); rescaled at the final rate
    PER_ITEM = "per_item"  # Payment = T
    BED_DAY = "bed_day"  # LOS × bed-day rate
    OUTSIDE_POOL = "outside_pool"  # cross-province
    MANUAL = "manual"  # 手工报销: priced by the rules, FundDue 0 (the insured region paid the person)


@dataclass(frozen=True, slots=True)
class PricedCase:
    inputs: CaseInputs
    scheme: Scheme
    pool: PoolKey | None  # None: outside every pool (cross-province)
    kind: CaseKind
    basis: PaymentBasis
    payment_exact: Decimal  # unrounded Payment at the provisional rate (weight-paid: the rescaled part only)
    payment: Decimal  # to the fen
    fund_due: Decimal  # max(0, F + Payment - T)
    provisional_rate: Decimal | None = None  # the pool's R_p / V_p
    rate: Decimal | None = None  # rate used (R_p, or the group's published rate)
    weight: Decimal | None = None  # RW_g (DRG) or D_g (DIP)
    coefficient: Decimal | None = None  # C_h used
    standard: Decimal | None = None  # S = RW × R × C (or published); DIP: D × C × V
    reference_cost: Decimal | None = None  # what k divides by: S (DRG) or mean_g (DIP)
    cost_ratio: Decimal | None = None  # k = T / reference_cost
    low_threshold: Decimal | None = None  # L (multiple of reference_cost)
    high_threshold: Decimal | None = None  # H
    low_amount: Decimal | None = None  # L × reference_cost, or the published amount
    high_amount: Decimal | None = None
    paid_weight: Decimal | None = None  # w (DRG) or points P (DIP)
    rate_units: Decimal | None = None  # w × C_h (DRG) or P (DIP): what the rate multiplies
    bed_day_rate: Decimal | None = None
    bed_day_category: str | None = None
    bed_days: int | None = None  # days paid: LOS, or the category's max_days when shorter
    per_item_part: Decimal | None = None  # 急诊转住院: the emergency part inside payment, never rescaled
    review_required: bool = False  # DIP: T above the special-review multiple
    special_review: str | None = None  # why the case goes to the 特例单议 queue, paid provisionally till then
    severity_coefficient: Decimal | None = None  # DIP: 疾病严重程度 coefficient in the points
    score_bonus: Decimal | None = None  # DIP: 分值加成 share in the points
    note: str = ""

    @property
    def weight_paid(self) -> bool:
        return self.basis is PaymentBasis.WEIGHT

    def payment_at(self, rate: Decimal) -> Decimal:
        """Payment at another rate (annual clearing), case kind fixed as priced; an emergency part stays."""
        if not self.weight_paid or self.provisional_rate is None:
            return self.payment
        # factor 1 exactly at R_p
        return to_fen(self.payment_exact * (rate / self.provisional_rate)) + (self.per_item_part or 0)

    def fund_due_at(self, rate: Decimal) -> Decimal:
        if self.basis is PaymentBasis.MANUAL:
            return self.fund_due
        return fund_due(self.inputs.total_cost, self.inputs.basic_fund_payment, self.payment_at(rate))

