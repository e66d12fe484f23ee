"""Pure audit domain (DOMAIN.md §8): rules over priced claims, joint review, deductions, assistance requests.

No I/O here: callers pass claim facts, the person's earlier claims and the region's parameters.
"""
from .actors import Actor, ActorRole, province_of
from .assistance import AssistanceRequest, AssistanceStatus, answer, request_assistance
from .claims import ClaimFacts, earlier_claims, icd_category
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
    "FlagStatus",
    "InvalidInput",
    "InvalidTransition",
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
    "request_assistance",
    "resolve",
    "withdraw",
]
