"""The events audit publishes, with their deterministic ids (a re-run emits nothing new)."""
from __future__ import annotations

from yidi_common.events import Envelope, new_event
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED, AUDIT_FLAG_RAISED, SPECIAL_CASE_DECIDED
from yidi_common.events.v1 import AuditFlagConfirmed, AuditFlagRaised, SpecialCaseDecided

from ..domain.deductions import Deduction
from ..domain.findings import AuditFinding
from ..domain.special_cases import SpecialCase

SOURCE = "/yidi/audit"


def flag_raised(finding: AuditFinding, correlation_id: str) -> Envelope:
    return new_event(
        type=AUDIT_FLAG_RAISED, source=SOURCE, subject=finding.claim_id, correlationid=correlation_id,
        event_id=finding.flag_id,
        payload=AuditFlagRaised(
            flag_id=finding.flag_id, rule_id=finding.rule_id, claim_id=finding.claim_id, version=finding.version,
            setl_id=finding.setl_id, hospital_code=finding.hospital_code, treat_admdvs=finding.treatment_region,
            insu_admdvs=finding.insured_region, severity=finding.severity.value,
            suspected_amount=finding.suspected_amount, evidence=dict(finding.evidence),
        ),
    )


def flag_confirmed(deduction: Deduction, rule_id: str, setl_id: str) -> Envelope:
    return new_event(
        type=AUDIT_FLAG_CONFIRMED, source=SOURCE, subject=deduction.claim_id, correlationid=deduction.claim_id,
        event_id=f"confirmed:{deduction.flag_id}",
        payload=AuditFlagConfirmed(
            flag_id=deduction.flag_id, rule_id=rule_id, claim_id=deduction.claim_id, version=deduction.version,
            setl_id=setl_id, hospital_code=deduction.hospital_code, treat_admdvs=deduction.treatment_region,
            insu_admdvs=deduction.insured_region, amount=deduction.amount, confirmed_at=deduction.confirmed_at,
            period=deduction.period,
        ),
    )


def special_case_decided(case: SpecialCase) -> Envelope:
    """The decision, keyed by claim (so the grouper sees it in the claim's order); who is the token's subject."""
    step, claim = case.decided, case.claim
    if step is None:
        raise ValueError(f"case {case.case_id} is not decided")
    return new_event(
        type=SPECIAL_CASE_DECIDED, source=SOURCE, subject=claim.claim_id, correlationid=claim.claim_id,
        event_id=f"special-case-decided:{case.case_id}",
        payload=SpecialCaseDecided(
            case_id=case.case_id, claim_id=claim.claim_id, version=claim.version, setl_id=claim.setl_id,
            hospital_code=claim.hospital_code, treat_admdvs=claim.treatment_region, insu_admdvs=claim.insured_region,
            origin=case.origin.value, decision=case.status.value, reasons=list(step.reasons), decided_by=step.by,
            decided_role=step.role, decided_at=step.at, period=case.period,
        ),
    )
