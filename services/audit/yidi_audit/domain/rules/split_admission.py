"""AUD-SPLIT-ADMISSION, 分解住院: one episode billed as two admissions.

Fires on a claim C when the same person has an earlier claim P at the same hospital with
- 0 <= (C admission date - P discharge date) in calendar days <= `window_days` (default 15);
- a related diagnosis: any criterion in `related_by` holds (default icd_category, adrg):
  icd_category = same ICD-10 category (first 3 characters) of the principal diagnoses,
  adrg = same ADRG (both grouped), mdc = same MDC (off by default: too broad);
- C's principal diagnosis does not start with an `excluded_principal_prefixes` entry
  (default Z51: planned radiotherapy/chemotherapy courses are legitimate readmissions);
- P's discharge way is not in `excluded_previous_discharge_ways` (default 4, 非医嘱离院: the
  patient left on their own).
The most recent qualifying P is cited. Only C is flagged (history holds earlier claims only).
Suspected amount = C.fund_due: the fund paid the hospital a second case for one episode.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from ..claims import ClaimFacts, earlier_claims, icd_category
from ..findings import AuditFinding, Severity, finding
from .common import RuleParams

RULE_ID = "AUD-SPLIT-ADMISSION"

Relation = Literal["icd_category", "adrg", "mdc"]


class Params(RuleParams):
    window_days: int = Field(default=15, ge=0)
    related_by: frozenset[Relation] = frozenset({"icd_category", "adrg"})
    excluded_principal_prefixes: tuple[str, ...] = ("Z51",)
    excluded_previous_discharge_ways: frozenset[str] = frozenset({"4"})


def relations(claim: ClaimFacts, previous: ClaimFacts, related_by: frozenset[Relation]) -> list[Relation]:
    """Which of the `related_by` criteria hold between the two claims, in a fixed order."""
    held: list[Relation] = []
    if "icd_category" in related_by and icd_category(claim.principal_diagnosis) == icd_category(previous.principal_diagnosis):
        held.append("icd_category")
    if "adrg" in related_by and claim.adrg is not None and claim.adrg == previous.adrg:
        held.append("adrg")
    if "mdc" in related_by and claim.mdc is not None and claim.mdc == previous.mdc:
        held.append("mdc")
    return held


def evaluate(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    if claim.principal_diagnosis.upper().startswith(params.excluded_principal_prefixes):
        return []
    for previous in earlier_claims(claim, history):
        gap_days = (claim.adm_time.date() - previous.dscg_time.date()).days
        if gap_days > params.window_days:
            break  # latest first: every further claim is older still
        if previous.hospital_code != claim.hospital_code or previous.dscg_way in params.excluded_previous_discharge_ways:
            continue
        held = relations(claim, previous, params.related_by)
        if held:
            return [
                finding(
                    RULE_ID,
                    claim,
                    Severity.HIGH,
                    claim.fund_due,
                    {
                        "previous_claim_id": previous.claim_id,
                        "previous_version": previous.version,
                        "previous_setl_id": previous.setl_id,
                        "previous_principal_diagnosis": previous.principal_diagnosis,
                        "previous_adrg": previous.adrg,
                        "previous_discharge": previous.dscg_time,
                        "principal_diagnosis": claim.principal_diagnosis,
                        "adrg": claim.adrg,
                        "admission": claim.adm_time,
                        "gap_days": gap_days,
                        "window_days": params.window_days,
                        "related_by": held,
                        "fund_due": claim.fund_due,
                    },
                )
            ]
    return []
