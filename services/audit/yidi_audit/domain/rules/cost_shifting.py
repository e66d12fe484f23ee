"""AUD-COST-SHIFT, 将住院费用转移到门诊和其他定点医药机构: drugs, materials and tests billed elsewhere.

An inpatient stay's drugs, materials, examinations and laboratory tests (charge categories in
`categories`, default 03 检查, 04 化验, 08 卫生材料, 09 西药, 10 中药饮片, 11 中成药) cannot
vanish; when their share s = Σ those categories / T is abnormally low they were most likely bought
in an outpatient clinic or a retail pharmacy and paid there a second time. Fires when
- LOS >= `min_los` (default 3: day cases are exempt) and T > 0;
- the case kind is in `case_kinds` (default normal: a lower T only pays off under a fixed payment);
- s < threshold, where threshold = `relative_share` x the group's average share of the same
  categories when claim.group_avg_fee_share is known (default 0.5), else `min_share` (default 0.15).
Suspected amount: with S the shifted-categories amount and e the expected share (the group's average
share when known, else `min_share`), the amount X moved out satisfies (S + X) / (T + X) = e, so
X = (e x T - S) / (1 - e).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from pydantic import Field

from yidi_common.money import to_fen

from ..claims import ClaimFacts
from ..findings import AuditFinding, Severity, finding, ratio
from .common import RuleParams

RULE_ID = "AUD-COST-SHIFT"


class Params(RuleParams):
    categories: frozenset[str] = frozenset({"03", "04", "08", "09", "10", "11"})
    case_kinds: frozenset[str] = frozenset({"normal"})
    min_los: int = Field(default=3, ge=0)
    min_share: Decimal = Field(default=Decimal("0.15"), gt=0, lt=1)
    relative_share: Decimal = Field(default=Decimal("0.5"), gt=0, le=1)


def group_share(profile: Mapping[str, Decimal] | None, params: Params) -> Decimal | None:
    """The group's average share of T in the rule's categories, when the caller knows the profile."""
    if profile is None:
        return None
    share = sum((s for c, s in profile.items() if c in params.categories), Decimal(0))
    return share if share > 0 else None


def share_threshold(profile: Mapping[str, Decimal] | None, params: Params) -> tuple[Decimal, Decimal]:
    """(threshold below which the rule fires, expected share e used for the amount)."""
    expected = group_share(profile, params)
    if expected is None:
        return params.min_share, params.min_share
    return params.relative_share * expected, expected


def evaluate(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    total = claim.total_cost
    if claim.los < params.min_los or total <= 0 or claim.case_kind not in params.case_kinds:
        return []
    shifted = sum((a for c, a in claim.fee_by_category.items() if c in params.categories), Decimal(0))
    threshold, expected = share_threshold(claim.group_avg_fee_share, params)
    if shifted / total >= threshold or expected >= 1:  # expected >= 1: a degenerate profile, no estimate
        return []
    moved_out = (expected * total - shifted) / (1 - expected)
    return [
        finding(
            RULE_ID,
            claim,
            Severity.MEDIUM,
            moved_out,
            {
                "categories": params.categories,
                "categories_amount": shifted,
                "total_cost": total,
                "share": ratio(shifted, total),
                "threshold": threshold,
                "expected_share": expected,
                "group_share": group_share(claim.group_avg_fee_share, params),
                "estimated_moved_out": to_fen(moved_out),
                "los": claim.los,
            },
        )
    ]
