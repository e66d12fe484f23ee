"""Payloads, schema version 1. Published: change only by adding optional fields."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..claims import ClaimScope, claim_scope, pool_label
from ..money import Money
from ..settlement_list import SettlementList


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class FundAmount(_Payload):
    fund_pay_type: str
    amount: Money


class ClaimFacts(_Payload):
    """What every stage after intake needs about one claim version (no PII beyond psn_no)."""

    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    psn_no: str
    insu_admdvs: str
    treat_admdvs: str
    insutype: str
    setl_period: str
    gender: str
    age: int
    age_days: int | None = None
    adm_time: datetime
    dscg_time: datetime
    los: int
    dscg_way: str
    ventilator_hours: Decimal = Decimal(0)
    cross_province: bool = False
    scope: ClaimScope | None = None  # decided by the grouper (yidi_common.claims); filled in for older events
    special_case_review: bool = False  # the hospital's flag on its list: an application, never a price by itself
    special_case_id: str | None = None  # the approved 特例单议 case this version is priced per item for (audit's id)
    departments: list[str] = Field(default_factory=list)  # 出院科别, 入院科别 (bed-day categories select on them)
    emergency_fee: Money | None = None  # 急诊转住院: the emergency part, paid per item
    preferential_treatment: bool = False  # 优抚对象: paid per item
    manual_reimbursement: bool = False  # 手工报销: the insured region paid the person; nothing owed to the hospital
    diagnoses: list[str]
    procedures: list[str]
    total_cost: Money
    basic_fund_payment: Money
    fund_payments: list[FundAmount]
    psn_ownpay: Money = Decimal(0)
    fulamt_ownpay: Money = Decimal(0)
    fee_by_category: dict[str, Money] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _scope_of_older_events(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("scope") is None and "insu_admdvs" in data:
            # events from before the scope field were priced with the hospital's flag taking precedence
            scope = (ClaimScope.CROSS_PROVINCE if data.get("cross_province") else
                     claim_scope(insured_region=data["insu_admdvs"], treatment_region=data.get("treat_admdvs", "")))
            data = {**data, "scope": scope}
        return data

    @property
    def fund_payments_total(self) -> Decimal:
        return sum((f.amount for f in self.fund_payments), Decimal(0))

    @property
    def other_fund_payments(self) -> Decimal:
        """Every fund payment but the basic pooled fund's (F), per item."""
        return self.fund_payments_total - self.basic_fund_payment


class GroupingOutcome(_Payload):
    payment_method: Literal["DRG", "DIP"]
    scheme: str
    status: Literal["grouped", "ambiguous", "ungroupable"]
    mdc: str | None = None
    adrg: str | None = None
    drg: str | None = None
    dip_type: str | None = None
    dip_score: Decimal | None = None
    # DIP (seed 003 三(一)): tcm / primary / day_surgery when the type is one of those
    dip_category: str | None = None
    dip_severity: int | None = None  # 疾病严重程度 level of the auxiliary catalogue (0: none)
    complications: list[str] = Field(default_factory=list)  # DRG: MCC/CC counted; DIP: severity diagnoses
    explanation: list[str] = Field(default_factory=list)


class QcProblem(_Payload):
    field: str
    rule: str
    message: str


class SettlementListSubmitted(_Payload):
    claim_id: str
    version: int
    supersedes_version: int | None = None
    submitted_at: datetime
    settlement_list: SettlementList


class SettlementListGrouped(_Payload):
    claim: ClaimFacts
    grouping: GroupingOutcome
    supersedes_version: int | None = None


class SettlementListRejected(_Payload):
    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    treat_admdvs: str
    insu_admdvs: str
    problems: list[QcProblem]


class PoolRef(_Payload):
    """A pool; "all" where the region merges insurance types or origins."""

    treat_admdvs: str
    year: int
    payment_method: Literal["DRG", "DIP"]
    insutype: Literal["310", "390", "all"]
    origin: Literal["local", "cross", "all"]

    @property
    def key(self) -> str:
        return pool_label(self.treat_admdvs, self.year, self.payment_method, self.insutype, self.origin)


class PricingOutcome(_Payload):
    case_kind: str
    pool: PoolRef | None = None
    hospital_level: int | None = None
    weight: Decimal | None = None
    rate: Decimal | None = None
    coefficient: Decimal | None = None
    standard: Money | None = None
    cost_ratio: Decimal | None = None
    low_threshold: Decimal | None = None
    high_threshold: Decimal | None = None
    paid_weight: Decimal | None = None
    basis: str | None = None  # weight / per_item / bed_day / outside_pool
    payment_exact: Decimal | None = None  # unrounded weight payment, rescaled at the final rate
    per_item_part: Money | None = None  # 急诊转住院: the emergency part inside payment, never rescaled
    payment: Money
    fund_due: Money
    explanation: list[str] = Field(default_factory=list)
    # why the case waits for 特例单议 review and is paid provisionally (e.g. "dip-above-multiple")
    special_review: str | None = None
    severity_coefficient: Decimal | None = None  # DIP: the severity level's coefficient applied to the points
    score_bonus: Decimal | None = None  # DIP: the hospital's 分值加成 share applied to the points


class PaymentPriced(_Payload):
    claim: ClaimFacts
    grouping: GroupingOutcome
    pricing: PricingOutcome
    supersedes_version: int | None = None


class _FlagRef(_Payload):
    """Which flag, on which claim version, between which regions."""

    flag_id: str
    rule_id: str
    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    treat_admdvs: str
    insu_admdvs: str


class AuditFlagRaised(_FlagRef):
    severity: str
    suspected_amount: Money
    evidence: dict[str, Any]


class BudgetAlert(_Payload):
    budget_kind: Literal["pool", "insured-cross-region"]
    budget_key: str
    region: str
    period: str
    level: Literal["notice", "warning", "critical"]
    threshold: Decimal
    consumed: Money
    budget: Money
    ratio: Decimal  # consumed / basis_amount
    basis: str | None = None  # budget / distributable / configured-estimate / prior-year-estimate
    basis_amount: Money | None = None  # what the threshold is a share of


class LedgerLine(_Payload):
    account: str
    debit: Money = Decimal("0.00")
    credit: Money = Decimal("0.00")


class LedgerPosted(_Payload):
    entry_id: str
    claim_id: str | None = None
    version: int | None = None
    kind: str
    period: str
    lines: list[LedgerLine]


class AuditFlagConfirmed(_FlagRef):
    """A finding both regions agreed on (or the province upheld): a deduction for clearing."""

    amount: Money
    confirmed_at: datetime
    period: str


class PoolClearingResult(_Payload):
    pool: str
    final_rate: Decimal | None
    distributable: Money
    fund_due_final: Money
    residue: Money
    reserve: Money
    overrun_paid: Money = Decimal("0.00")  # the reserve's overrun shares; fund_due_final + overrun_paid = the pool's clearing total


class AnnualCleared(_Payload):
    """A treatment region's year is cleared: the final rate / point value of each pool."""

    region: str
    year: int
    pools: list[PoolClearingResult]


class ObjectionDecided(_Payload):
    """A hospital's objection (异议申诉, seed 004 二) decided by the bureau of its treatment region. Accepted
    on a flag: audit withdraws the flag; on a notice or statement item: the hospital's corrected list
    (a new version of `claim_id`) is the correction."""

    objection_id: str
    target_kind: Literal["notice", "statement", "flag"]
    target_id: str
    claim_id: str | None = None
    hospital_code: str
    treat_admdvs: str
    decision: Literal["accepted", "rejected"]
    decided_at: datetime
    decided_by: str  # the token's subject (a user id, never a name)
    reasons: str


class SpecialCaseDecided(_Payload):
    """The treatment region's bureau decided a 特例单议 application (seed 000 二(一)); an approval makes the
    grouper issue the claim's next version, priced per item. Who decided is the token's subject and role."""

    case_id: str
    claim_id: str
    version: int  # the claim version applied for
    setl_id: str
    hospital_code: str
    treat_admdvs: str
    insu_admdvs: str
    origin: Literal["hospital", "hospital-list", "pricing"]
    decision: Literal["approved", "rejected"]
    reasons: list[str]
    decided_by: str  # token subject
    decided_role: str  # token role
    decided_at: datetime
    period: str  # the quota period the case counts in (2026 or 2026-Q1)
