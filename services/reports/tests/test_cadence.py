"""Seed 004's calendar: due dates worked from the seed's words, overdue from an injected 'today'."""
from __future__ import annotations

from datetime import date, datetime, timezone

from yidi_reports.domain.periods import Period
from yidi_reports.domain.reports import (
    ReportKind,
    StoredReport,
    annual_report,
    due_now,
    expected_reports,
    monthly_notice,
    problem_list,
    quarterly_announcement,
)


def test_due_dates_follow_seed_004():
    # 月告知: March's figures by the end of April; generated on 20 April by default
    notice = monthly_notice("360100", "H1", Period.parse("2026-03"))
    assert (notice.due_date, notice.generate_on) == (date(2026, 4, 30), date(2026, 4, 20))
    # December's notice falls in the next year
    assert monthly_notice("360100", "H1", Period.parse("2026-12")).due_date == date(2027, 1, 31)
    # 季公告: Q1 in the first ten days of Q2's second month (May); Q4 in February
    assert quarterly_announcement("360100", Period.parse("2026-Q1")).due_date == date(2026, 5, 10)
    assert quarterly_announcement("360100", Period.parse("2026-Q4")).due_date == date(2027, 2, 10)
    # 年通报: within a month after clearing (31 January + 1 month: 28 February, 2027 not a leap year)
    assert annual_report("360100", 2026, date(2027, 1, 31)).due_date == date(2027, 2, 28)
    # 问题建议清单: a week after the announcement
    assert problem_list("360100", "2026-Q1", date(2026, 5, 6)).due_date == date(2026, 5, 13)


def test_expected_reports_by_an_injected_day():
    units = [("360100", "H1", "2026-03"), ("360100", "H2", "2026-04")]
    on_2_may = expected_reports(units, [], {}, date(2026, 5, 2))
    keys = {(e.kind.value, e.hospital, e.period): e.due_date for e in on_2_may}
    # April is over on 1 May: both notices; Q1 is over, its announcement due 10 May; Q2 is not over
    assert keys == {("monthly-notice", "H1", "2026-03"): date(2026, 4, 30),
                    ("monthly-notice", "H2", "2026-04"): date(2026, 5, 31),
                    ("quarterly-announcement", "", "2026-Q1"): date(2026, 5, 10)}
    # on 2 May the March notice (generate on 20 April) and the announcement (1 May) are to be made, not April's (20 May)
    made = {(e.kind.value, e.period) for e in due_now(on_2_may, set(), date(2026, 5, 2))}
    assert made == {("monthly-notice", "2026-03"), ("quarterly-announcement", "2026-Q1")}
    # once generated they are not made again
    assert due_now(on_2_may, {("monthly-notice", "360100", "H1", "2026-03"),
                              ("quarterly-announcement", "360100", "", "2026-Q1")}, date(2026, 5, 2)) == []
    # the announcement generated on 3 May makes a problem list due on 10 May
    later = expected_reports(units, [("360100", 2026, date(2027, 1, 15))], {("360100", "2026-Q1"): date(2026, 5, 3)},
                             date(2026, 5, 4))
    lists = [e for e in later if e.kind is ReportKind.PROBLEM_LIST]
    assert [(e.period, e.due_date) for e in lists] == [("2026-Q1", date(2026, 5, 10))]
    annual = [e for e in later if e.kind is ReportKind.ANNUAL_REPORT]
    assert [(e.period, e.due_date) for e in annual] == [("2026", date(2027, 2, 15))]


def test_overdue_when_not_made_by_its_due_date_or_made_late():
    expected = StoredReport("x", "monthly-notice", "360100", "H1", "2026-03", 0, date(2026, 4, 30))
    assert not expected.overdue(date(2026, 4, 30)) and expected.overdue(date(2026, 5, 1))
    on_time = StoredReport("y", "monthly-notice", "360100", "H1", "2026-03", 1, date(2026, 4, 30),
                           generated_at=datetime(2026, 4, 30, 15, 59, tzinfo=timezone.utc))  # 23:59 in China
    late = StoredReport("z", "monthly-notice", "360100", "H1", "2026-03", 1, date(2026, 4, 30),
                        generated_at=datetime(2026, 4, 30, 16, 0, tzinfo=timezone.utc))  # 1 May 00:00 in China
    assert not on_time.overdue(date(2026, 6, 1)) and late.overdue(date(2026, 6, 1))


def test_periods():
    assert Period.parse("2026-Q2").month_labels == ["2026-04", "2026-05", "2026-06"]
    assert Period.parse("2026").end == date(2027, 1, 1)
