"""AUD-SELF-PAY, 非系统原因自费: patients made to pay out of pocket for what insurance covers.

Self-pay (自费) is max(Σ item fulamt_ownpay_amt, payinfo psn_ownpay): psn_ownpay already contains the
全自费 items, so the two are never added. Fires when self-pay / T > `max_share` (default 0.10) and
self-pay >= `min_amount` (default 100 yuan, so tiny bills are not flagged).
Suspected amount = self-pay - max_share x T: the self-pay above the tolerated share, to be refunded.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pydantic import Field

from ..claims import ClaimFacts
from ..findings import AuditFinding, Severity, finding, ratio
from .common import RuleParams

RULE_ID = "AUD-SELF-PAY"


class Params(RuleParams):
    max_share: Decimal = Field(default=Decimal("0.10"), gt=0, lt=1)
    min_amount: Decimal = Field(default=Decimal("100"), ge=0)


def evaluate(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    self_pay, total = claim.self_pay, claim.total_cost
    if total <= 0 or self_pay < params.min_amount or self_pay / total <= params.max_share:
        return []
    return [
        finding(
            RULE_ID,
            claim,
            Severity.MEDIUM,
            self_pay - params.max_share * total,
            {
                "fulamt_ownpay": claim.fulamt_ownpay,
                "psn_ownpay": claim.psn_ownpay,
                "self_pay": self_pay,
                "total_cost": total,
                "self_pay_share": ratio(self_pay, total),
                "max_share": params.max_share,
            },
        )
    ]
