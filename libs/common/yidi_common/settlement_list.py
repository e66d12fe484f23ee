"""The settlement list (医保结算清单) as a hospital HIS posts it: national interface 4101/4101A.

Structural checks live here (types, required fields, enumerations, date order) and answer
HTTP 422 with field paths. Coding and arithmetic quality control (质控) is the grouper's job.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, GetPydanticSchema, WithJsonSchema, model_validator
from pydantic_core import core_schema

RegionCode = Annotated[str, Field(pattern=r"^\d{6}$", description="GB/T 2260 six-digit region code")]

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def _china_local(value: datetime) -> datetime:
    return value.astimezone(CHINA_STANDARD_TIME).replace(tzinfo=None) if value.tzinfo else value


# HIS systems send local times without an offset; one with an offset is the same instant in China
# Standard Time. Every list's times are alike, so stays of one person compare and order safely.
ChinaTime = Annotated[datetime, AfterValidator(_china_local), Field(
    description="China Standard Time, as HIS systems send it (yyyy-mm-ddThh:mm:ss); a time with an offset is converted")]

AMOUNT_PATTERN = r"^\d{1,12}(\.\d{1,2})?$"
AMOUNT_RULE = "an amount of yuan: not negative, at most 12 digits before the point and 2 after"


def _amount_schema(_source, _handler) -> core_schema.CoreSchema:
    """Amounts as HIS systems send them (strings) are checked by a pattern and converted; anything else
    (numbers, Decimals) goes through Pydantic's decimal constraints. Same rule, but the constrained
    decimal path costs ~1.5 µs an amount in Python calls, two thirds of validating a whole list."""
    return core_schema.union_schema(
        [core_schema.chain_schema([core_schema.str_schema(pattern=AMOUNT_PATTERN), core_schema.decimal_schema()]),
         core_schema.decimal_schema(ge=0, max_digits=14, decimal_places=2)],
        mode="left_to_right", custom_error_type="amount", custom_error_message=f"Input should be {AMOUNT_RULE}",
    )


Amount = Annotated[Decimal, GetPydanticSchema(_amount_schema), WithJsonSchema({
    "anyOf": [{"type": "string", "pattern": AMOUNT_PATTERN}, {"type": "number", "minimum": 0, "multipleOf": 0.01}],
    "description": AMOUNT_RULE,
})]


class InsuranceType(StrEnum):
    EMPLOYEE = "310"  # 职工基本医疗保险
    RESIDENT = "390"  # 城乡居民基本医疗保险


class Gender(StrEnum):
    MALE = "1"
    FEMALE = "2"


class DischargeWay(StrEnum):
    ORDERED = "1"  # 医嘱离院
    TRANSFER = "2"  # 医嘱转院
    COMMUNITY = "3"  # 转社区/卫生院
    AGAINST_ADVICE = "4"  # 非医嘱离院
    DEATH = "5"  # 死亡
    OTHER = "9"


class ChargeCategory(StrEnum):
    BED = "01"
    CONSULTATION = "02"
    EXAMINATION = "03"
    LABORATORY = "04"
    TREATMENT = "05"
    SURGERY = "06"
    NURSING = "07"
    MATERIALS = "08"
    WESTERN_MEDICINE = "09"
    HERBAL_PIECES = "10"
    PATENT_CHINESE_MEDICINE = "11"
    GENERAL_SERVICE = "12"
    REGISTRATION = "13"
    OTHER = "14"


BASIC_POOLED_FUND_TYPES = frozenset({"310100", "390100"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class SetlInfo(_Strict):
    """Basic section (setlinfo)."""

    setl_id: str = Field(min_length=1, max_length=40)
    fixmedins_code: str = Field(min_length=1, max_length=30, description="hospital code")
    psn_no: str = Field(min_length=1, max_length=40, description="insured person number")
    certno: str = Field(min_length=15, max_length=18, description="ID card number (PII)")
    psn_name: str = Field(min_length=1, max_length=50, description="name (PII)")
    gend: Gender
    brdy: date
    age: int = Field(ge=0, le=150, description="age in years")
    nwb_age_days: int | None = Field(default=None, ge=0, le=365, description="age in days, newborns")
    nwb_bir_wt: int | None = Field(default=None, ge=100, le=10000, description="newborn birth weight, g")
    nwb_adm_wt: int | None = Field(default=None, ge=100, le=20000, description="newborn admission weight, g")
    insutype: InsuranceType
    insu_admdvs: RegionCode
    treat_admdvs: RegionCode
    adm_time: ChinaTime
    dscg_time: ChinaTime
    act_ipt_days: int = Field(ge=0, le=3650)
    dscg_way: DischargeWay
    vent_used_dura: Decimal = Field(default=Decimal(0), ge=0, description="ventilator hours")
    coma_dura: Decimal = Field(default=Decimal(0), ge=0, description="coma duration, hours")
    readm_31d: bool = False
    setl_period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="settlement month yyyy-mm")
    cross_province: bool = False
    special_case_review: bool = Field(default=False, description=(
        "the hospital asks for 特例单议: audit opens a case (origin hospital-list); the claim is priced per item "
        "only once the treatment region approves it"))
    adm_caty: str | None = Field(default=None, max_length=20, description="入院科别: admission department code")
    dscg_caty: str | None = Field(default=None, max_length=20, description="出院科别: discharge department code")
    emergency_fee: Amount | None = Field(default=None, description=(
        "急诊转住院: the emergency part of the fees (before admission), paid per item outside the "
        "DRG/DIP payment (seed 003 四(二)); at most the list's total"))
    preferential_treatment: bool = Field(default=False, description=(
        "优抚对象: a preferential-treatment person, whose stay is paid per item (seed 003 四(二))"))
    manual_reimbursement: bool = Field(default=False, description=(
        "手工报销: settled by hand in the insured region (seed 001 (一), 000 一(二)): grouped and priced by the "
        "treatment region's rules; the insured region pays the person, nothing is owed to the hospital"))

    @model_validator(mode="after")
    def _dates_in_order(self) -> "SetlInfo":
        if self.dscg_time < self.adm_time:
            raise ValueError("dscg_time is before adm_time")
        if self.brdy > self.adm_time.date():
            raise ValueError("brdy is after adm_time")
        return self


class Diagnosis(_Strict):
    diag_code: str = Field(min_length=3, max_length=20)
    diag_name: str = Field(default="", max_length=200)
    maindiag_flag: bool = False
    adm_cond: str | None = Field(default=None, max_length=4, description="入院病情")


class Procedure(_Strict):
    oprn_code: str = Field(min_length=2, max_length=20)
    oprn_name: str = Field(default="", max_length=200)
    main_oprn_flag: bool = False
    oprn_date: date | None = None
    anst_way: str | None = Field(default=None, max_length=10)


class FeeItem(_Strict):
    med_chrgitm_type: ChargeCategory
    amt: Amount
    claa_sumfee: Amount = Decimal(0)  # 甲类
    clab_amt: Amount = Decimal(0)  # 乙类
    fulamt_ownpay_amt: Amount = Decimal(0)  # 全自费
    oth_amt: Amount = Decimal(0)  # 其他 / 自费


class FundPayment(_Strict):
    fund_pay_type: str = Field(pattern=r"^\d{6}$")
    fund_payamt: Amount


class PayInfo(_Strict):
    funds: list[FundPayment] = Field(default_factory=list)
    psn_selfpay: Amount = Decimal(0)  # 个人自付
    psn_ownpay: Amount = Decimal(0)  # 个人自费
    psn_cash_pay: Amount = Decimal(0)  # 个人现金支付
    acct_pay: Amount = Decimal(0)  # 个人账户支付 (when not listed as a fund)


# A small valid list: the example of the OpenAPI documents, and a starting point for tests.
EXAMPLE = {
    "setlinfo": {"setl_id": "S1", "fixmedins_code": "H36010000001", "psn_no": "P1", "certno": "360100197001010011",
                 "psn_name": "甲", "gend": "1", "brdy": "1970-01-01", "age": 56, "insutype": "310",
                 "insu_admdvs": "360100", "treat_admdvs": "360100", "adm_time": "2026-10-01T08:00:00",
                 "dscg_time": "2026-10-05T08:00:00", "act_ipt_days": 4, "dscg_way": "1", "setl_period": "2026-10"},
    "diseinfo": [{"diag_code": "J18.900", "maindiag_flag": True}],
    "iteminfo": [{"med_chrgitm_type": "01", "amt": "100.00"}],
    "payinfo": {"funds": [{"fund_pay_type": "310100", "fund_payamt": "60.00"}], "psn_selfpay": "40.00"},
}


class SettlementList(_Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    setlinfo: SetlInfo
    diseinfo: list[Diagnosis] = Field(min_length=1)
    oprninfo: list[Procedure] = Field(default_factory=list)
    iteminfo: list[FeeItem] = Field(min_length=1)
    payinfo: PayInfo

    @property
    def total_cost(self) -> Decimal:
        """T: total cost of the case, the sum of fee items."""
        return sum((i.amt for i in self.iteminfo), Decimal(0))

    @property
    def basic_fund_payment(self) -> Decimal:
        """F: basic pooled fund payment at discharge (310100 / 390100)."""
        return sum(
            (f.fund_payamt for f in self.payinfo.funds if f.fund_pay_type in BASIC_POOLED_FUND_TYPES),
            Decimal(0),
        )

    @property
    def fund_payments_total(self) -> Decimal:
        return sum((f.fund_payamt for f in self.payinfo.funds), Decimal(0))

    @property
    def principal_diagnosis(self) -> Diagnosis:
        return next((d for d in self.diseinfo if d.maindiag_flag), self.diseinfo[0])

    def ordered_diagnoses(self) -> list[str]:
        """Diagnosis codes, principal first."""
        main = self.principal_diagnosis
        return [main.diag_code] + [d.diag_code for d in self.diseinfo if d is not main]

    def ordered_procedures(self) -> list[str]:
        """Procedure codes, main first."""
        main = next((p for p in self.oprninfo if p.main_oprn_flag), None)
        rest = [p.oprn_code for p in self.oprninfo if p is not main]
        return ([main.oprn_code] if main else []) + rest

    @model_validator(mode="after")
    def _one_principal(self) -> "SettlementList":
        mains = sum(1 for d in self.diseinfo if d.maindiag_flag)
        if mains != 1:
            raise ValueError(f"diseinfo must have exactly one principal diagnosis (maindiag_flag), found {mains}")
        if sum(1 for p in self.oprninfo if p.main_oprn_flag) > 1:
            raise ValueError("oprninfo has more than one main procedure (main_oprn_flag)")
        emergency = self.setlinfo.emergency_fee
        if emergency is not None and emergency > self.total_cost:
            raise ValueError(f"setlinfo.emergency_fee {emergency} exceeds the fees' total {self.total_cost}")
        return self

    @property
    def departments(self) -> tuple[str, ...]:
        """Department codes of the stay, discharge first (出院科别, 入院科别)."""
        return tuple(c for c in (self.setlinfo.dscg_caty, self.setlinfo.adm_caty) if c)
