"""Event contracts: round trips, deterministic ids, and v1 pinned so a breaking change fails here."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import EVENT_TYPES, UnknownEventType, payload_model, topic_for
from yidi_common.events.v1 import BudgetAlert, LedgerLine, LedgerPosted

# Required fields of every published v1 payload. Adding optional fields is fine; removing or
# renaming any of these, or making a new field required, breaks consumers: add a v2 instead.
PUBLISHED_V1_REQUIRED = {
    "settlement-list.submitted": {"claim_id", "version", "submitted_at", "settlement_list"},
    "settlement-list.grouped": {"claim", "grouping"},
    "settlement-list.rejected": {"claim_id", "version", "setl_id", "hospital_code", "treat_admdvs", "insu_admdvs", "problems"},
    "payment.priced": {"claim", "grouping", "pricing"},
    "audit-flag.raised": {"flag_id", "rule_id", "claim_id", "version", "setl_id", "hospital_code", "treat_admdvs",
                          "insu_admdvs", "severity", "suspected_amount", "evidence"},
    "audit-flag.confirmed": {"flag_id", "rule_id", "claim_id", "version", "setl_id", "hospital_code", "treat_admdvs",
                             "insu_admdvs", "amount", "confirmed_at", "period"},
    "budget.alert": {"budget_kind", "budget_key", "region", "period", "level", "threshold", "consumed", "budget", "ratio"},
    "ledger.posted": {"entry_id", "kind", "period", "lines"},
    "clearing.annual-cleared": {"region", "year", "pools"},
    "objection.decided": {"objection_id", "target_kind", "target_id", "hospital_code", "treat_admdvs", "decision",
                          "decided_at", "decided_by", "reasons"},
    "special-case.decided": {"case_id", "claim_id", "version", "setl_id", "hospital_code", "treat_admdvs",
                             "insu_admdvs", "origin", "decision", "reasons", "decided_by", "decided_role",
                             "decided_at", "period"},
}


@pytest.mark.parametrize("event_type", sorted(PUBLISHED_V1_REQUIRED))
def test_published_v1_payloads_keep_their_required_fields(event_type):
    schema = payload_model(event_type, 1).model_json_schema()
    assert set(schema.get("required", [])) == PUBLISHED_V1_REQUIRED[event_type]


def test_every_event_type_is_pinned():
    assert set(EVENT_TYPES) == set(PUBLISHED_V1_REQUIRED)


def test_envelope_round_trip_keeps_money_exact():
    payload = LedgerPosted(entry_id="e1", claim_id="c1", version=1, kind="claim.local", period="2026-10",
                           lines=[LedgerLine(account="360100:fund-expense:local", debit=Decimal("1234.56")),
                                  LedgerLine(account="360100:hospital-payable:H1", credit=Decimal("1234.56"))])
    event = new_event(type="ledger.posted", source="/t", subject="c1", payload=payload, correlationid="c1",
                      time=datetime(2026, 10, 1, tzinfo=timezone.utc))
    raw = event.to_bytes()
    assert b'"debit":"1234.56"' in raw  # money travels as a string, never a float
    back = Envelope.from_bytes(raw).payload()
    assert back == payload
    assert {"specversion", "id", "source", "type", "subject", "time", "correlationid", "schemaversion"} <= set(
        Envelope.model_fields)


def test_derived_event_ids_are_stable_and_distinct():
    a = deterministic_event_id("claim-1", "1", "settlement-list.submitted")
    assert a == deterministic_event_id("claim-1", "1", "settlement-list.submitted")
    assert a != deterministic_event_id("claim-1", "2", "settlement-list.submitted")


def test_unknown_versions_are_refused_and_namespaces_prefix_topics(monkeypatch):
    with pytest.raises(UnknownEventType):
        payload_model("budget.alert", 9)
    assert topic_for("payment.priced") == "payment.priced"
    monkeypatch.setenv("YIDI_NAMESPACE", "it1")
    assert topic_for("payment.priced") == "it1.payment.priced"


def test_budget_alert_ratio_is_decimal():
    alert = BudgetAlert(budget_kind="pool", budget_key="k", region="360100", period="2026", level="notice",
                        threshold=Decimal("0.8"), consumed=Decimal("80.00"), budget=Decimal("100.00"), ratio=Decimal("0.8"))
    assert isinstance(alert.model_validate_json(alert.model_dump_json()).ratio, Decimal)
