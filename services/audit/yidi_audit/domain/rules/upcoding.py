"""AUD-UPCODING, 高套 (seed 003 五(二) 高套分值, DOMAIN.md §8): codes that lift the payment without support.

DRG: an MCC/CC that lifts the DRG although cost and stay look like the lower split.

CHS-DRG splits an ADRG by its last digit: 1 with MCC, 3 with CC, 5 without. Fires when
- the case is grouped, its DRG ends in one of `upper_split_digits` (default 1, 3) and at least one
  MCC/CC counted for it;
- the DRG without those complications (claim.drg_without_complications, else ADRG + "5", the
  no-complication split every split CHS-DRG ADRG has) differs from the DRG;
- the case kind is in `case_kinds` (default normal: only weight-paid cases gain from the lift);
- T <= `max_cost_ratio` x lower split average cost AND LOS <= `max_los_ratio` x lower split
  average LOS (defaults 1.0 and 1.0: no more resources than the lower split's average case).
Needs group_avg_cost, lower_group_avg_cost and lower_group_avg_los; without them it stays silent.

Suspected amount: CHS-DRG weights are proportional to group average costs, so the lower split's
payment is estimated as Payment_lower = to_fen(Payment x lower_avg_cost / group_avg_cost) and
suspected = fund_due - max(0, to_fen(F + Payment_lower - T)): the fund's due that only the
complication codes earned.

DIP (seed 003 三(一) 疾病严重程度辅助目录 with 五(二) 高套分值): the severity catalogue raised the
case's points (level >= `dip_min_severity`, coefficient > 1) although its cost is at most
`dip_max_cost_ratio` × the type's mean cost (default 1: no costlier than the type's average case
without any severity), in a case kind of `case_kinds`. Suspected: fund_due - max(0, to_fen(F +
Payment / coefficient - T)), the fund's due that only the severity diagnoses earned.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pydantic import Field

from yidi_common.claims import fund_due
from yidi_common.money import to_fen

from ..claims import ClaimFacts
from ..findings import AuditFinding, Severity, finding, ratio
from .common import RuleParams

RULE_ID = "AUD-UPCODING"
NO_COMPLICATION_DIGIT = "5"


class Params(RuleParams):
    upper_split_digits: frozenset[str] = frozenset({"1", "3"})
    case_kinds: frozenset[str] = frozenset({"normal"})
    max_cost_ratio: Decimal = Field(default=Decimal("1"), gt=0)
    max_los_ratio: Decimal = Field(default=Decimal("1"), gt=0)
    dip_min_severity: int = Field(default=1, ge=1)
    dip_max_cost_ratio: Decimal = Field(default=Decimal("1"), gt=0)


def lower_split(claim: ClaimFacts) -> str | None:
    """The DRG the case would get without its counted complications."""
    if claim.drg_without_complications is not None:
        return claim.drg_without_complications
    return claim.drg[:3] + NO_COMPLICATION_DIGIT if claim.drg else None


def evaluate(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    if claim.payment_method == "DIP":
        return evaluate_dip(claim, params)
    drg, lower = claim.drg, lower_split(claim)
    if (
        claim.grouping_status != "grouped"
        or drg is None
        or drg[-1] not in params.upper_split_digits
        or not claim.complications
        or lower is None
        or lower == drg
        or claim.case_kind not in params.case_kinds
    ):
        return []
    avg_cost, lower_cost, lower_los = claim.group_avg_cost, claim.lower_group_avg_cost, claim.lower_group_avg_los
    if not avg_cost or not lower_cost or not lower_los:
        return []
    if claim.total_cost > params.max_cost_ratio * lower_cost or claim.los > params.max_los_ratio * lower_los:
        return []
    lower_payment = to_fen(claim.payment * lower_cost / avg_cost)
    lower_fund_due = fund_due(claim.total_cost, claim.basic_fund_payment, lower_payment)
    return [
        finding(
            RULE_ID,
            claim,
            Severity.MEDIUM,
            claim.fund_due - lower_fund_due,
            {
                "drg": drg,
                "drg_without_complications": lower,
                "complications": list(claim.complications),
                "total_cost": claim.total_cost,
                "los": claim.los,
                "lower_group_avg_cost": lower_cost,
                "lower_group_avg_los": lower_los,
                "cost_ratio_to_lower": ratio(claim.total_cost, lower_cost),
                "los_ratio_to_lower": ratio(Decimal(claim.los), lower_los),
                "group_avg_cost": avg_cost,
                "payment": claim.payment,
                "estimated_lower_payment": lower_payment,
                "fund_due": claim.fund_due,
                "estimated_lower_fund_due": lower_fund_due,
            },
        )
    ]


def evaluate_dip(claim: ClaimFacts, params: Params) -> list[AuditFinding]:
    coefficient = claim.severity_coefficient
    if (
        claim.grouping_status != "grouped"
        or claim.dip_severity < params.dip_min_severity
        or coefficient is None
        or coefficient <= 1
        or claim.cost_ratio is None
        or claim.cost_ratio > params.dip_max_cost_ratio
        or claim.case_kind not in params.case_kinds
    ):
        return []
    unadjusted_payment = to_fen(claim.payment / coefficient)
    unadjusted_fund_due = fund_due(claim.total_cost, claim.basic_fund_payment, unadjusted_payment)
    return [
        finding(
            RULE_ID,
            claim,
            Severity.MEDIUM,
            claim.fund_due - unadjusted_fund_due,
            {
                "scheme": "DIP",
                "dip_type": claim.dip_type,
                "severity_level": claim.dip_severity,
                "severity_coefficient": coefficient,
                "severity_diagnoses": list(claim.complications),
                "total_cost": claim.total_cost,
                "cost_ratio_to_type_mean": ratio(claim.cost_ratio, Decimal(1)),
                "max_cost_ratio": params.dip_max_cost_ratio,
                "payment": claim.payment,
                "estimated_payment_without_severity": unadjusted_payment,
                "fund_due": claim.fund_due,
                "estimated_fund_due_without_severity": unadjusted_fund_due,
            },
        )
    ]
