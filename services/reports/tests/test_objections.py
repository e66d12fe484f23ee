"""Objection rules (seed 004 二): who, when (the window), once per item, and who decides."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from yidi_reports.domain.objections import ObjectionProblem, Target, corrected_version, decide, file_objection

T0 = datetime(2026, 10, 20, 9, tzinfo=timezone.utc)
FLAG = Target("flag", "F1", frozenset({"H1"}), "360700", T0, claim_id="C1", claim_version=1)


def filed(at=T0 + timedelta(days=3), target=FLAG, open_ones=()):
    return file_objection("O1", target, hospital="H1", subject="his-h1", reason="not a split stay",
                          documents=["doc://1"], at=at, open_ones=list(open_ones))


def rules(excinfo) -> list[str]:
    return [p["rule"] for p in excinfo.value.problems]


def test_a_hospital_objects_within_fifteen_days():
    objection = filed(at=T0 + timedelta(days=15))  # the last moment of the default window
    assert objection.window_closes == T0 + timedelta(days=15)
    assert [(s.action, s.role, s.subject) for s in objection.trail] == [("filed", "hospital", "his-h1")]
    with pytest.raises(ObjectionProblem) as late:
        filed(at=T0 + timedelta(days=15, seconds=1))
    assert late.value.status == 409 and rules(late) == ["objection-window-closed"]


def test_every_problem_is_named_and_only_the_named_hospital_may_object():
    confirmed = Target("flag", "F1", frozenset({"H1"}), "360700", T0, "C1", 1, confirmed=True)
    with pytest.raises(ObjectionProblem) as refused:
        filed(at=T0 + timedelta(days=20), target=confirmed, open_ones=[filed()])
    assert refused.value.status == 409
    assert rules(refused) == ["objection-window-closed", "flag-confirmed", "objection-pending"]
    with pytest.raises(ObjectionProblem) as other:
        file_objection("O2", FLAG, hospital="H2", subject="his-h2", reason="x", documents=[], at=T0, open_ones=[])
    assert other.value.status == 403
    with pytest.raises(ObjectionProblem) as empty:
        file_objection("O2", FLAG, hospital="H1", subject="his-h1", reason="  ", documents=[], at=T0, open_ones=[])
    assert empty.value.status == 422 and rules(empty) == ["required"]


def test_the_treatment_region_decides_once_and_a_rejection_gives_reasons():
    objection = filed()
    with pytest.raises(ObjectionProblem) as wrong:
        decide(objection, decision="accepted", reasons="", region="360100", subject="b", at=T0 + timedelta(days=4))
    assert wrong.value.status == 403
    with pytest.raises(ObjectionProblem) as bare:
        decide(objection, decision="rejected", reasons="", region="360700", subject="b", at=T0 + timedelta(days=4))
    assert bare.value.status == 422
    accepted = decide(objection, decision="accepted", reasons="ok", region="360700", subject="gz-7",
                      at=T0 + timedelta(days=4))
    assert accepted.status == "accepted" and [(s.action, s.subject) for s in accepted.trail][-1] == ("accepted", "gz-7")
    with pytest.raises(ObjectionProblem) as twice:
        decide(accepted, decision="rejected", reasons="no", region="360700", subject="b", at=T0 + timedelta(days=5))
    assert twice.value.status == 409 and rules(twice) == ["already-decided"]
    # the correction is the claim's next version
    assert corrected_version(accepted, 1) is None and corrected_version(accepted, 2) == 2
    assert corrected_version(objection, 2) is None  # still open
