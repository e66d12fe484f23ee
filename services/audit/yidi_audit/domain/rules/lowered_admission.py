"""AUD-LOW-ADMISSION, 降低入院标准: a short, cheap stay for a condition usually treated as an outpatient.

Fires when
- the principal diagnosis starts with one of `outpatient_codes` (ICD-10 prefixes, default below);
- LOS <= `max_los` (default 2 days);
- T < `max_cost_share` x the group's average cost (default 0.5); needs group_avg_cost.
Any case kind: a per-item low outlier still cost the fund an admission it should not have paid.
Suspected amount = fund_due: the whole stay should not have been an inpatient case.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pydantic import Field

from ..claims import ClaimFacts
from ..findings import AuditFinding, Severity, finding, ratio
from .common import RuleParams

RULE_ID = "AUD-LOW-ADMISSION"

# Common conditions managed in outpatient clinics, matched by prefix.
DEFAULT_OUTPATIENT_CODES: tuple[str, ...] = (
    "J00",  # acute nasopharyngitis (common cold)
    "J02",  # acute pharyngitis
    "J03",  # acute tonsillitis
    "J06",  # acute upper respiratory infection
    "J20",  # acute bronchitis
    "J40",  # bronchitis, not specified as acute or chronic
    "A09",  # infectious gastroenteritis and colitis
    "K29",  # gastritis and duodenitis
    "K30",  # functional dyspepsia
    "K52",  # other non-infective gastroenteritis
    "I10",  # essential hypertension
    "E11.9",  # type 2 diabetes without complications
    "M54",  # dorsalgia
    "N39.0",  # urinary tract infection, site not specified
    "H10",  # conjunctivitis
    "L23",  # allergic contact dermatitis
    "L50",  # urticaria
)


class Params(RuleParams):
    outpatient_codes: tuple[str, ...] = DEFAULT_OUTPATIENT_CODES
    max_los: int = Field(default=2, ge=0)
    max_cost_share: Decimal = Field(default=Decimal("0.5"), gt=0)


def outpatient_code(diagnosis: str, params: Params) -> str | None:
    """The configured prefix the diagnosis matches, if any."""
    code = diagnosis.upper()
    return next((p for p in params.outpatient_codes if code.startswith(p.upper())), None)


def evaluate(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    matched = outpatient_code(claim.principal_diagnosis, params)
    avg_cost = claim.group_avg_cost
    if matched is None or claim.los > params.max_los or not avg_cost:
        return []
    if claim.total_cost >= params.max_cost_share * avg_cost:
        return []
    return [
        finding(
            RULE_ID,
            claim,
            Severity.MEDIUM,
            claim.fund_due,
            {
                "principal_diagnosis": claim.principal_diagnosis,
                "outpatient_code": matched,
                "los": claim.los,
                "max_los": params.max_los,
                "total_cost": claim.total_cost,
                "group_avg_cost": avg_cost,
                "cost_share_of_group_avg": ratio(claim.total_cost, avg_cost),
                "max_cost_share": params.max_cost_share,
                "fund_due": claim.fund_due,
            },
        )
    ]
