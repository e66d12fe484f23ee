"""What pricing needs from a grouped settlement list."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from yidi_common.claims import ClaimScope
from yidi_common.settlement_list import InsuranceType


class GroupingStatus(StrEnum):
    GROUPED = "grouped"
    UNGROUPABLE = "ungroupable"  # 0000
    AMBIGUOUS = "ambiguous"  # 歧义组, e.g. FQY


def _is_fen_amount(value: Decimal) -> bool:
    return value.is_finite() and value >= 0 and value == value.quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class CaseInputs:
    setl_id: str
    hospital_code: str
    treatment_region: str
    year: int
    insutype: InsuranceType
    scope: ClaimScope  # decided upstream (yidi_common.claims.claim_scope), never recomputed here
    total_cost: Decimal  # T
    basic_fund_payment: Decimal  # F (310100 / 390100)
    other_fund_payments: Decimal = Decimal("0.00")  # every other fund type on the list
    los_days: int = 0
    grouping_status: GroupingStatus = GroupingStatus.GROUPED
    group_code: str | None = None  # DRG code, or DIP type code
    special_case_id: str | None = None  # the approved 特例单议 case this version was issued for
    dip_category: str | None = None  # DIP: tcm / primary / day_surgery, as the grouper assigned
    dip_severity: int = 0  # DIP: 疾病严重程度 level (auxiliary catalogue), 0 none
    settlement_month: str = ""  # yyyy-mm
    principal_diagnosis: str = ""  # bed-day categories select on it
    departments: tuple[str, ...] = ()  # 出院科别, 入院科别: bed-day categories select on them
    emergency_fee: Decimal = Decimal("0.00")  # 急诊转住院: the emergency part, paid per item
    preferential_treatment: bool = False  # 优抚对象: the stay paid per item
    manual_reimbursement: bool = False  # 手工报销 in the insured region: nothing owed to the hospital

    def __post_init__(self) -> None:
        for name in ("total_cost", "basic_fund_payment", "other_fund_payments", "emergency_fee"):
            if not _is_fen_amount(getattr(self, name)):
                raise ValueError(f"{name} must be a non-negative amount in fen, got {getattr(self, name)!r}")
        if self.basic_fund_payment + self.other_fund_payments > self.total_cost:
            raise ValueError("fund payments exceed the total cost")
        if self.emergency_fee > self.total_cost:
            raise ValueError("the emergency part exceeds the total cost")
        if self.los_days < 0:
            raise ValueError("los_days must be >= 0")

    @property
    def fund_payments(self) -> Decimal:
        return self.basic_fund_payment + self.other_fund_payments
