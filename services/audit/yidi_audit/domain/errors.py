"""Domain errors: every refusal names what was attempted and why."""
from __future__ import annotations


class AuditDomainError(Exception):
    """Base of every audit-domain refusal."""


class InvalidTransition(AuditDomainError):
    """The action is not allowed from the current status."""


class WrongActor(AuditDomainError):
    """The acting role or region may not take this action on this claim."""


class InvalidInput(AuditDomainError):
    """An argument is out of range (amount, deadline, empty reason...)."""
