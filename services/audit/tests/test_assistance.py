"""Assistance requests (协查): asked by the insured region, answered by the treatment region, overdue when late."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from yidi_audit.domain import (
    Actor,
    ActorRole,
    AssistanceStatus,
    InvalidInput,
    InvalidTransition,
    WrongActor,
    request_assistance,
)
from yidi_audit.domain.assistance import answer, withdraw

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 4, 1, 9, tzinfo=CST)
DEADLINE = T0 + timedelta(days=15)
TREATING = Actor(ActorRole.TREATMENT_REGION, "360700", "auditor-ganzhou")
INSURED = Actor(ActorRole.INSURED_REGION, "360100", "auditor-nanchang")


@pytest.fixture
def request_(claim):
    return request_assistance("A1", claim(), INSURED, T0, DEADLINE, " Were both stays for the same pneumonia? ")


def test_a_request_records_claim_regions_and_question(request_):
    assert (request_.status, request_.claim_id, request_.version, request_.hospital_code) == (AssistanceStatus.OPEN, "C1", 1, "H3607001")
    assert (request_.insured_region, request_.treatment_region, request_.requested_by) == ("360100", "360700", "auditor-nanchang")
    assert request_.question == "Were both stays for the same pneumonia?"


def test_overdue_only_while_open_after_the_deadline(request_):
    assert not request_.is_overdue(DEADLINE)
    assert request_.is_overdue(DEADLINE + timedelta(seconds=1))
    answered = answer(request_, TREATING, DEADLINE + timedelta(days=1), "yes, one episode")
    assert not answered.is_overdue(DEADLINE + timedelta(days=30))
    assert answered.answered_late
    assert (answered.status, answered.answer, answered.closed_by) == (AssistanceStatus.ANSWERED, "yes, one episode", "auditor-ganzhou")


def test_an_answer_in_time_is_not_late(request_):
    assert not answer(request_, TREATING, T0 + timedelta(days=3), "no").answered_late


def test_wrong_actors_are_refused(claim, request_):
    with pytest.raises(WrongActor):
        request_assistance("A2", claim(), TREATING, T0, DEADLINE, "q")
    with pytest.raises(WrongActor):
        request_assistance("A2", claim(), Actor(ActorRole.INSURED_REGION, "360800", "x"), T0, DEADLINE, "q")
    with pytest.raises(WrongActor):
        answer(request_, INSURED, T0, "self-answered")
    with pytest.raises(WrongActor):
        answer(request_, Actor(ActorRole.TREATMENT_REGION, "360800", "x"), T0, "a")
    with pytest.raises(WrongActor):
        withdraw(request_, TREATING, T0, "not needed")


def test_closed_requests_refuse_further_actions(request_):
    done = answer(request_, TREATING, T0 + timedelta(days=1), "a")
    with pytest.raises(InvalidTransition, match="it is answered"):
        answer(done, TREATING, T0 + timedelta(days=2), "again")
    gone = withdraw(request_, INSURED, T0 + timedelta(hours=1), "resolved by phone")
    assert (gone.status, gone.withdraw_reason, gone.is_overdue(DEADLINE + timedelta(days=1))) == (AssistanceStatus.WITHDRAWN, "resolved by phone", False)
    with pytest.raises(InvalidTransition):
        answer(gone, TREATING, T0 + timedelta(days=2), "late")


def test_invalid_inputs_are_refused(claim, request_):
    with pytest.raises(InvalidInput, match="deadline"):
        request_assistance("A2", claim(), INSURED, T0, T0, "q")
    with pytest.raises(InvalidInput, match="question"):
        request_assistance("A2", claim(), INSURED, T0, DEADLINE, " ")
    with pytest.raises(InvalidInput, match="time zone"):
        request_assistance("A2", claim(), INSURED, datetime(2025, 4, 1), DEADLINE, "q")
    with pytest.raises(InvalidInput):
        answer(request_, TREATING, T0 - timedelta(hours=1), "before asked")
    with pytest.raises(InvalidInput):
        answer(request_, TREATING, T0, " ")
    with pytest.raises(InvalidInput, match="time zone"):
        request_.is_overdue(datetime(2025, 5, 1))
