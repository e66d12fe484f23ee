"""AUD-QC-SYMPTOM-PRINCIPAL, coding QC: a symptom/sign principal diagnosis although a specific one is coded.

Coding rule: when a definite diagnosis is made, a symptom or sign (ICD-10 chapter XVIII, R00-R99)
is not the principal diagnosis. Fires when the principal diagnosis starts with one of
`symptom_prefixes` (default R) and at least one other diagnosis does not start with any of
`non_specific_prefixes` (default R symptoms, V-Y external causes, Z contact factors).
Suspected amount = 0.00: the coding must be corrected and the case regrouped; the money effect is
only known after regrouping, so a reviewer sets it at confirmation.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ..claims import ClaimFacts
from ..findings import AuditFinding, Severity, finding
from .common import RuleParams

RULE_ID = "AUD-QC-SYMPTOM-PRINCIPAL"


class Params(RuleParams):
    symptom_prefixes: tuple[str, ...] = ("R",)
    non_specific_prefixes: tuple[str, ...] = ("R", "V", "W", "X", "Y", "Z")


def evaluate(claim: ClaimFacts, history: Iterable[ClaimFacts], params: Params) -> list[AuditFinding]:
    if not claim.principal_diagnosis.upper().startswith(params.symptom_prefixes):
        return []
    specific = [d for d in claim.other_diagnoses if not d.upper().startswith(params.non_specific_prefixes)]
    if not specific:
        return []
    return [
        finding(
            RULE_ID,
            claim,
            Severity.LOW,
            Decimal(0),
            {"principal_diagnosis": claim.principal_diagnosis, "specific_diagnoses": specific},
        )
    ]
