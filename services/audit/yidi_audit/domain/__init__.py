"""Pure audit domain (DOMAIN.md §8): rules over priced claims, joint review, deductions, assistance requests.

No I/O here: callers pass claim facts, the person's earlier claims and the region's parameters.

One finding, one deduction: a finding is (claim_id, rule_id) and has one flag across the claim's
versions. When a correction (version V, superseding V-1) is audited, a flag whose rule fires again is
carried to V (undecided: amount and evidence follow V; confirmed: the deduction stands and is never
published twice; closed: reopened); an undecided flag whose rule no longer fires is closed with the
reason "superseded by version V: finding no longer present" and refuses further review steps (409); a
confirmed one stays confirmed, noted. Only rules with no flag on the claim raise new flags; an older
version arriving late changes nothing. Every such step is a system transition in the flag's trail.
The details are in `corrections`.
"""
from .actors import Actor, ActorRole, province_of
from .assistance import AssistanceRequest, AssistanceStatus, answer, request_assistance
from .claims import ClaimFacts, earlier_claims, icd_category
from .corrections import FlagChange, Reconciled, reconcile
from .deductions import Deduction, deduction, deduction_period
from .engine import RULE_IDS, RULES, audit_claim
from .errors import AuditDomainError, InvalidInput, InvalidTransition, WrongActor
from .findings import AuditFinding, Severity, flag_id
from .params import AuditConfig, AuditConfigError, AuditParams, audit_config, load_audit_config
from .review import FlagStatus, Review, Transition, confirm, dispute, open_review, propose, resolve, withdraw

__all__ = [
    "RULES",
    "RULE_IDS",
    "Actor",
    "ActorRole",
    "AssistanceRequest",
    "AssistanceStatus",
    "AuditConfig",
    "AuditConfigError",
    "AuditDomainError",
    "AuditFinding",
    "AuditParams",
    "ClaimFacts",
    "Deduction",
    "FlagChange",
    "FlagStatus",
    "InvalidInput",
    "InvalidTransition",
    "Reconciled",
    "Review",
    "Severity",
    "Transition",
    "WrongActor",
    "answer",
    "audit_claim",
    "audit_config",
    "confirm",
    "deduction",
    "deduction_period",
    "dispute",
    "earlier_claims",
    "flag_id",
    "icd_category",
    "load_audit_config",
    "open_review",
    "propose",
    "province_of",
    "reconcile",
    "request_assistance",
    "resolve",
    "withdraw",
]
