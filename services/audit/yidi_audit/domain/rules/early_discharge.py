"""AUD-EARLY-DISCHARGE, 提前出院: a patient sent home (discharge way 1, 医嘱离院) well before the
group's usual stay while the hospital keeps the full weight-paid DRG payment.

Only cases whose kind is in `case_kinds` (default normal) and whose group_avg_los is known count.
Two ways to fire:
- readmitted (checked when the readmission C arrives, the finding is on the earlier claim P): P was
  discharged with a way in `discharge_ways` (default 1), P.LOS < `readmitted_stay_fraction` x P's
  group average LOS (default 0.5), and the person was readmitted anywhere within `readmission_days`
  (default 31, the settlement list's 31-day readmission window) of P's discharge for a related
  diagnosis (`related_by`, as in AUD-SPLIT-ADMISSION: default same ICD-10 category or ADRG); C's
  principal diagnosis not in `excluded_principal_prefixes` (default Z51, planned courses);
- short stay (on the claim itself): LOS < `short_stay_fraction` x group average LOS (default 0.3).
Both ways yield the same flag id for the same claim version, so the claim is flagged once.
Suspected amount = max(0, Payment - T): the surplus (结余) the hospital kept by cutting the stay.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pydantic import Field

from ..claims import ClaimFacts, earlier_claims
from ..findings import AuditFinding, Severity, finding, ratio
from .common import RuleParams
from .split_admission import Relation, relations

RULE_ID = "AUD-EARLY-DISCHARGE"


class Params(RuleParams):
    discharge_ways: frozenset[str] = frozenset({"1"})
    case_kinds: frozenset[str] = frozenset({"normal"})
    short_stay_fraction: Decimal = Field(default=Decimal("0.3"), gt=0, le=1)
    readmitted_stay_fraction: Decimal = Field(default=Decimal("0.5"), gt=0, le=1)
    readmission_days: int = Field(default=31, ge=0)
    related_by: frozenset[Relation] = frozenset({"icd_category", "adrg"})
    excluded_principal_prefixes: tuple[str, ...] = ("Z51",)


def _short_stay_avg(claim: ClaimFacts, fraction: Decimal, params: Params) -> Decimal | None:
    """The group's average LOS when the claim counts as discharged early at `fraction`, else None."""
    avg_los = claim.group_avg_los
    if (
        claim.dscg_way in params.discharge_ways
        and claim.case_kind in params.case_kinds
        and avg_los
        and claim.los < fraction * avg_los
    ):
        return avg_los
    return None


def _stay_evidence(claim: ClaimFacts, avg_los: Decimal, fraction: Decimal) -> dict[str, object]:
    return {
        "los": claim.los,
        "group_avg_los": avg_los,
        "los_share_of_group_avg": ratio(Decimal(claim.los), avg_los),
        "max_los_share": fraction,
        "dscg_way": claim.dscg_way,
        "case_kind": claim.case_kind,
        "payment": claim.payment,
        "total_cost": claim.total_cost,
        "retained_surplus": max(Decimal("0.00"), claim.payment - claim.total_cost),
    }


def _readmitted(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    if claim.principal_diagnosis.upper().startswith(params.excluded_principal_prefixes):
        return []
    found = []
    for previous in earlier_claims(claim, history):
        gap_days = (claim.adm_time.date() - previous.dscg_time.date()).days
        if gap_days > params.readmission_days:
            break  # latest first
        held = relations(claim, previous, params.related_by)
        avg_los = _short_stay_avg(previous, params.readmitted_stay_fraction, params)
        if held and avg_los:
            evidence = {
                "way": "readmitted",
                **_stay_evidence(previous, avg_los, params.readmitted_stay_fraction),
                "readmission_claim_id": claim.claim_id,
                "readmission_version": claim.version,
                "readmission_hospital_code": claim.hospital_code,
                "readmission": claim.adm_time,
                "gap_days": gap_days,
                "readmission_days": params.readmission_days,
                "related_by": held,
            }
            found.append(finding(RULE_ID, previous, Severity.MEDIUM, previous.payment - previous.total_cost, evidence))
    return found


def evaluate(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    found = _readmitted(claim, history, params)
    avg_los = _short_stay_avg(claim, params.short_stay_fraction, params)
    if avg_los:
        evidence = {"way": "short_stay", **_stay_evidence(claim, avg_los, params.short_stay_fraction)}
        found.append(finding(RULE_ID, claim, Severity.MEDIUM, claim.payment - claim.total_cost, evidence))
    return found
