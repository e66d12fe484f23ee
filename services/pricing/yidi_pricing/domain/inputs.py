"""What pricing needs from a grouped settlement list."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from yidi_common.settlement_list import InsuranceType, SettlementList


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
    insured_region: str
    year: int
    insutype: InsuranceType
    total_cost: Decimal  # T
    basic_fund_payment: Decimal  # F (310100 / 390100)
    other_fund_payments: Decimal = Decimal("0.00")  # every other fund type on the list
    los_days: int = 0
    grouping_status: GroupingStatus = GroupingStatus.GROUPED
    group_code: str | None = None  # DRG code, or DIP type code
    cross_province: bool = False
    special_case_review: bool = False  # 特例单议 approved
    bed_day_category: str | None = None  # set when the stay is paid per bed-day
    settlement_month: str = ""  # yyyy-mm

    def __post_init__(self) -> None:
        for name in ("total_cost", "basic_fund_payment", "other_fund_payments"):
            if not _is_fen_amount(getattr(self, name)):
                raise ValueError(f"{name} must be a non-negative amount in fen, got {getattr(self, name)!r}")
        if self.basic_fund_payment + self.other_fund_payments > self.total_cost:
            raise ValueError("fund payments exceed the total cost")
        if self.los_days < 0:
            raise ValueError("los_days must be >= 0")

    @property
    def cross_region(self) -> bool:
        """省内异地: insured in another region of the province."""
        return not self.cross_province and self.insured_region != self.treatment_region

    @property
    def fund_payments(self) -> Decimal:
        return self.basic_fund_payment + self.other_fund_payments

    @classmethod
    def from_settlement_list(
        cls,
        settlement: SettlementList,
        grouping_status: GroupingStatus,
        group_code: str | None,
        bed_day_category: str | None = None,
    ) -> "CaseInputs":
        info = settlement.setlinfo
        basic = settlement.basic_fund_payment
        return cls(
            setl_id=info.setl_id,
            hospital_code=info.fixmedins_code,
            treatment_region=info.treat_admdvs,
            insured_region=info.insu_admdvs,
            year=int(info.setl_period[:4]),
            insutype=info.insutype,
            total_cost=settlement.total_cost,
            basic_fund_payment=basic,
            other_fund_payments=settlement.fund_payments_total - basic,
            los_days=info.act_ipt_days,
            grouping_status=grouping_status,
            group_code=group_code,
            cross_province=info.cross_province,
            special_case_review=info.special_case_review,
            bed_day_category=bed_day_category,
            settlement_month=info.setl_period,
        )
