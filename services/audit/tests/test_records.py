"""Stored records come back as the same domain values: amounts exact, times with their zone, enums typed."""
from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from decimal import Decimal as D

from yidi_audit.adapters.records import from_json, to_json
from yidi_audit.domain import AssistanceRequest, ClaimFacts, FlagStatus, Review, confirm, reconcile, request_assistance
from yidi_audit.domain.assistance import answer

from .test_assistance import DEADLINE, INSURED as ASKING, T0 as ASKED, TREATING as ANSWERING
from .test_review import INSURED, hours, proposed


def test_claim_facts_round_trip_through_json(claim):
    facts = dataclasses.replace(claim(), group_avg_los=D("8.5"), group_avg_fee_share={"09": D("0.3300")})
    stored = to_json(facts)
    assert json.loads(stored)["total_cost"] == str(facts.total_cost)  # exact decimal text, never a float
    for value in (stored, json.loads(stored)):  # the driver gives jsonb as text or already parsed
        assert from_json(ClaimFacts, value) == facts


def test_a_review_trail_round_trips_with_its_transitions():
    review = confirm(proposed(D("6000.00")), INSURED, hours(2), "agreed", D("5500.50"))
    back = from_json(Review, json.loads(to_json(review)))
    assert back == review and back.status is FlagStatus.CONFIRMED
    assert back.transitions[-1].at == hours(2) and back.transitions[-1].at.utcoffset() == timedelta(hours=8)


def test_a_closed_flag_with_system_steps_round_trips():
    [closed] = reconcile([proposed()], [], hours(3), 3).changed  # the flag is on version 2
    back = from_json(Review, json.loads(to_json(closed.review)))
    assert back == closed.review and back.status is FlagStatus.CLOSED and back.closed_reason.startswith("superseded")
    assert (back.transitions[-1].role, back.transitions[-1].from_version, back.transitions[-1].to_version) == ("system", 2, 3)


def test_a_review_stored_before_versions_were_kept_reads_with_defaults():
    stored = json.loads(to_json(proposed()))
    for key in ("setl_id", "closed_reason"):
        del stored[key]
    for step in stored["transitions"]:
        del step["from_version"], step["to_version"]
    back = from_json(Review, stored)
    assert (back.setl_id, back.closed_reason, back.transitions[0].to_version) == ("", None, None)


def test_an_answered_assistance_request_round_trips(claim):
    request = request_assistance("A1", claim(), ASKING, ASKED, DEADLINE, "same pneumonia?")
    request = answer(request, ANSWERING, ASKED + timedelta(days=3), "yes, one stay split in two")
    assert from_json(AssistanceRequest, to_json(request)) == request
