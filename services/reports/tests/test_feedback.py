"""Feedback rounds (seed 004 二(四)): when a round collects, when its answers fall due, who answers.

Default calendar, worked by hand: 2026-H1 opens Wed 15 July 2026; 14 submission days are 15 … 28 July;
answers are due 15 days after 28 July, on 12 August. 2026-H2 opens 15 December; submissions 15 … 28
December; answers due 12 January 2027. Times are China time (UTC+8): 2026-07-14T16:00Z is 15 July 00:00.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from yidi_reports.domain.feedback import (FeedbackCalendar, FeedbackProblem, Reference, answer, collecting_on,
                                          next_round, round_named, rounds_of, submit)

UTC = timezone.utc
CHINA = timezone(timedelta(hours=8))


def item(at: datetime, calendar: FeedbackCalendar = FeedbackCalendar(), **changes):
    fields = dict(hospital="H1", region="360700", subject="his-h1", topic="core-elements",
                  text="建议调整 BR25 基准点数", reference=Reference("flag", "F1"), at=at, calendar=calendar)
    return submit("FB1", **{**fields, **changes})


def rules(excinfo) -> list[str]:
    return [p["rule"] for p in excinfo.value.problems]


def test_the_default_rounds_open_mid_july_and_mid_december():
    h1, h2 = rounds_of(2026)
    assert (h1.id, h1.opens, h1.closes, h1.answer_due) == ("2026-H1", date(2026, 7, 15), date(2026, 7, 28),
                                                           date(2026, 8, 12))
    assert (h2.id, h2.opens, h2.closes, h2.answer_due) == ("2026-H2", date(2026, 12, 15), date(2026, 12, 28),
                                                           date(2027, 1, 12))
    assert [h1.state(d) for d in (date(2026, 7, 14), date(2026, 7, 28), date(2026, 8, 12), date(2026, 8, 13))] == \
        ["upcoming", "collecting", "answering", "closed"]


def test_a_hospital_submits_on_the_china_dates_of_the_window():
    first = item(datetime(2026, 7, 14, 16, 0, tzinfo=UTC))  # 15 July 00:00 in China
    assert (first.round, first.answer_due, first.status) == ("2026-H1", date(2026, 8, 12), "open")
    assert [(s.action, s.role, s.subject) for s in first.trail] == [("submitted", "hospital", "his-h1")]
    last = item(datetime(2026, 7, 28, 23, 59, tzinfo=CHINA))
    assert last.round == "2026-H1"
    for outside in (datetime(2026, 7, 14, 15, 59, tzinfo=UTC), datetime(2026, 7, 29, 0, 0, tzinfo=CHINA)):
        with pytest.raises(FeedbackProblem) as closed:
            item(outside)
        assert closed.value.status == 409 and rules(closed) == ["feedback-round-closed"]
    assert "2026-H2 opens on 2026-12-15" in str(closed.value)


def test_configured_days_move_the_window_and_a_december_round_runs_into_january():
    calendar = FeedbackCalendar.parse("06-30,12-25", submit_days=10, answer_days=5)
    h2 = round_named("2025-H2", calendar)  # 25 Dec 2025 + 9 days = 3 Jan 2026; + 5 = 8 Jan 2026
    assert (h2.opens, h2.closes, h2.answer_due) == (date(2025, 12, 25), date(2026, 1, 3), date(2026, 1, 8))
    assert collecting_on(date(2026, 1, 3), calendar) == h2 and collecting_on(date(2026, 1, 4), calendar) is None
    assert item(datetime(2026, 1, 3, 12, tzinfo=CHINA), calendar).round == "2025-H2"
    assert next_round(date(2026, 1, 4), calendar).opens == date(2026, 6, 30)
    for bad in ("12-15,07-15", "07-15", "13-01,12-15"):
        with pytest.raises(ValueError):
            FeedbackCalendar.parse(bad)


def test_every_input_problem_is_named():
    with pytest.raises(FeedbackProblem) as refused:
        item(datetime(2026, 7, 20, tzinfo=CHINA), topic="price", text="  ", reference=Reference("claim", "C1"),
             region=None)
    assert refused.value.status == 422
    assert rules(refused) == ["enum", "required", "enum", "unknown-hospital"]


def test_the_bureau_of_the_hospitals_region_answers_once_and_unanswered_items_fall_overdue():
    filed = item(datetime(2026, 7, 20, 9, tzinfo=CHINA))
    assert not filed.overdue(date(2026, 8, 12)) and filed.overdue(date(2026, 8, 13))
    with pytest.raises(FeedbackProblem) as other:
        answer(filed, region="360100", subject="reviewer-360100", text="已收悉", at=datetime(2026, 7, 21, tzinfo=CHINA))
    assert other.value.status == 403
    with pytest.raises(FeedbackProblem) as empty:
        answer(filed, region="360700", subject="reviewer-360700", text=" ", at=datetime(2026, 7, 21, tzinfo=CHINA))
    assert empty.value.status == 422
    done = answer(filed, region="360700", subject="reviewer-360700", text="已汇总上报省医保局",
                  at=datetime(2026, 8, 13, 10, tzinfo=CHINA))
    assert (done.status, done.answer, done.answered_late()) == ("answered", "已汇总上报省医保局", True)
    assert not done.overdue(date(2026, 9, 1))
    assert [(s.action, s.role, s.subject) for s in done.trail] == [("submitted", "hospital", "his-h1"),
                                                                   ("answered", "bureau", "reviewer-360700")]
    with pytest.raises(FeedbackProblem) as again:
        answer(done, region="360700", subject="reviewer-360700", text="再答", at=datetime(2026, 8, 14, tzinfo=CHINA))
    assert again.value.status == 409 and rules(again) == ["already-answered"]


def test_a_reference_names_the_hospitals_own_flag_or_report():
    import asyncio

    from yidi_common.unit_of_work import Transaction
    from yidi_reports.service_layer.feedback import answer_item, submit_item
    from yidi_reports.service_layer.repository import Flag

    from .fakes import FakeReportsRepository

    repo = FakeReportsRepository()
    for flag_id, hospital in (("F-OWN", "H1"), ("F-OTHER", "H2")):
        repo.stored_flags[flag_id] = Flag(flag_id, "C1", 1, hospital, "360700", "R1", None, None, None, None, None)
    at = datetime(2026, 12, 16, 10, tzinfo=CHINA)

    def send(reference):
        return asyncio.run(submit_item(Transaction(repo), hospital="H1", region="360700", subject="his-h1",
                                       topic="technical", text="ADRG 拆分建议", reference=reference, at=at,
                                       calendar=FeedbackCalendar()))

    kept = send(Reference("flag", "F-OWN"))
    assert repo.stored_feedback[kept.id].round == "2026-H2" and kept.answer_due == date(2027, 1, 12)
    for other in (Reference("flag", "F-OTHER"), Reference("report", "no-such-report")):
        with pytest.raises(FeedbackProblem) as refused:
            send(other)
        assert refused.value.status == 422 and rules(refused) == ["unknown-reference"]
    assert list(repo.stored_feedback) == [kept.id]
    done = asyncio.run(answer_item(Transaction(repo), kept.id, region="360700", subject="reviewer-360700",
                                   text="已收集，12月中旬汇报", at=at))
    assert repo.stored_feedback[kept.id].status == "answered" == done.status
