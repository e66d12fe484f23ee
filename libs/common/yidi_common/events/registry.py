"""Event types, their payload models per schema version, and their topics (one topic per event type)."""
from __future__ import annotations

import os

from pydantic import BaseModel

from . import v1, v2

SETTLEMENT_LIST_SUBMITTED = "settlement-list.submitted"
SETTLEMENT_LIST_GROUPED = "settlement-list.grouped"
SETTLEMENT_LIST_REJECTED = "settlement-list.rejected"
PAYMENT_PRICED = "payment.priced"
AUDIT_FLAG_RAISED = "audit-flag.raised"
AUDIT_FLAG_CONFIRMED = "audit-flag.confirmed"
BUDGET_ALERT = "budget.alert"
LEDGER_POSTED = "ledger.posted"
ANNUAL_CLEARED = "clearing.annual-cleared"
OBJECTION_DECIDED = "objection.decided"
SPECIAL_CASE_DECIDED = "special-case.decided"

_MODELS: dict[tuple[str, int], type[BaseModel]] = {
    (SETTLEMENT_LIST_SUBMITTED, 1): v1.SettlementListSubmitted,
    (SETTLEMENT_LIST_SUBMITTED, 2): v2.SettlementListSubmitted,  # without certno and psn_name
    (SETTLEMENT_LIST_GROUPED, 1): v1.SettlementListGrouped,
    (SETTLEMENT_LIST_REJECTED, 1): v1.SettlementListRejected,
    (PAYMENT_PRICED, 1): v1.PaymentPriced,
    (AUDIT_FLAG_RAISED, 1): v1.AuditFlagRaised,
    (AUDIT_FLAG_CONFIRMED, 1): v1.AuditFlagConfirmed,
    (BUDGET_ALERT, 1): v1.BudgetAlert,
    (LEDGER_POSTED, 1): v1.LedgerPosted,
    (ANNUAL_CLEARED, 1): v1.AnnualCleared,
    (OBJECTION_DECIDED, 1): v1.ObjectionDecided,
    (SPECIAL_CASE_DECIDED, 1): v1.SpecialCaseDecided,
}

EVENT_TYPES: tuple[str, ...] = tuple(dict.fromkeys(t for t, _ in _MODELS))
SERVICES = ("grouper", "pricing", "budget", "audit", "clearing", "subscriptions", "dashboard", "reports")


class UnknownEventType(LookupError):
    pass


def payload_model(event_type: str, version: int) -> type[BaseModel]:
    try:
        return _MODELS[(event_type, version)]
    except KeyError:
        raise UnknownEventType(f"no payload model for {event_type} v{version}") from None


def schema_versions(event_type: str) -> list[int]:
    """The payload versions of an event type, oldest first."""
    return sorted(v for t, v in _MODELS if t == event_type)


def namespace() -> str:
    """YIDI_NAMESPACE isolates a stack (a test run, say) on shared servers: topics and databases get it as prefix."""
    return os.environ.get("YIDI_NAMESPACE", "")


def topic_for(event_type: str) -> str:
    ns = namespace()
    return f"{ns}.{event_type}" if ns else event_type


def dead_letter_topic(service: str) -> str:
    return topic_for(f"dead-letter.{service}")


def all_topics() -> list[str]:
    return [topic_for(t) for t in EVENT_TYPES] + [dead_letter_topic(s) for s in SERVICES]
