"""The seed 004 reports and their calendar (seed 004 二, 三(三) and the annex's 任务分解表).

| kind | per | period | due (seed 004) | generated on (default) |
|---|---|---|---|---|
| monthly-notice (月告知) | hospital | a month M | by the end of M + 1 ("每个月的月底前…告知其上月度") | day 20 of M + 1 |
| quarterly-announcement (季公告) | region | a quarter Q | day 10 of Q + 1's second month ("每季度第二个月上旬") | day 1 of that month |
| annual-report (年通报) | region | a year Y | one month after Y's annual clearing ("清算工作完成后1个月内") | the day clearing is seen |
| problem-list (问题建议清单) | region | a quarter or a year | a week after that period's announcement or annual report ("季公告和年通报后一周内") | when that report is generated |

A report is expected once its period is over and the data names its unit (a hospital with lists in the
month, a region with lists in the quarter, a region whose year was cleared); it is overdue when its due
date passed without a generation, or when it was generated after it. Dates are China dates.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from .indicators import CHINA
from .periods import Period, last_day_of_month


class ReportKind(StrEnum):
    MONTHLY_NOTICE = "monthly-notice"
    QUARTERLY_ANNOUNCEMENT = "quarterly-announcement"
    ANNUAL_REPORT = "annual-report"
    PROBLEM_LIST = "problem-list"


TITLES = {
    ReportKind.MONTHLY_NOTICE: "月告知",
    ReportKind.QUARTERLY_ANNOUNCEMENT: "季公告",
    ReportKind.ANNUAL_REPORT: "年通报",
    ReportKind.PROBLEM_LIST: "定点医疗机构问题建议清单",
}
FORMATS = ("html", "pdf", "xlsx")


@dataclass(frozen=True, slots=True)
class Cadence:
    """The days seed 004 leaves open (configuration; these are the defaults)."""

    notice_generate_day: int = 20
    announcement_generate_day: int = 1
    announcement_due_day: int = 10  # 上旬: the first ten days
    problem_list_days: int = 7  # 一周内


@dataclass(frozen=True, slots=True)
class Expected:
    kind: ReportKind
    region: str
    hospital: str  # "" for a region's report
    period: str
    due_date: date
    generate_on: date


@dataclass(frozen=True, slots=True)
class StoredReport:
    id: str
    kind: str
    region: str
    hospital: str
    period: str
    revision: int  # 0: expected, not generated
    due_date: date | None
    generated_at: datetime | None = None
    trigger: str | None = None  # schedule | on-demand
    config_version: str | None = None
    data_version: str | None = None
    input_hash: str | None = None
    content: dict[str, Any] | None = field(default=None, compare=False)

    def overdue(self, today: date) -> bool:
        if self.due_date is None:
            return False
        if self.generated_at is None:
            return today > self.due_date
        return china_date(self.generated_at) > self.due_date


def china_date(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def report_id(kind: str, region: str, hospital: str, period: str, revision: int) -> str:
    return "-".join(p for p in (kind, region, hospital, period, f"r{revision}") if p)


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _add_month(day: date) -> date:
    year, month = _next_month(day.year, day.month)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def monthly_notice(region: str, hospital: str, month: Period, cadence: Cadence = Cadence()) -> Expected:
    """Seed 004 二(一) 月告知: last month's figures to each hospital before the month ends."""
    year, m = _next_month(month.year, month.first_month)
    return Expected(ReportKind.MONTHLY_NOTICE, region, hospital, month.label, last_day_of_month(year, m),
                    date(year, m, cadence.notice_generate_day))


def quarterly_announcement(region: str, quarter: Period, cadence: Cadence = Cadence()) -> Expected:
    """Seed 004 二(二) 季公告: in the first ten days of the following quarter's second month."""
    year, m = _next_month(*_next_month(quarter.year, quarter.first_month + 2))
    return Expected(ReportKind.QUARTERLY_ANNOUNCEMENT, region, "", quarter.label,
                    date(year, m, cadence.announcement_due_day), date(year, m, cadence.announcement_generate_day))


def annual_report(region: str, year: int, cleared_on: date) -> Expected:
    """Seed 004 二(三) 年通报: within one month after the year's DRG clearing is done."""
    return Expected(ReportKind.ANNUAL_REPORT, region, "", str(year), _add_month(cleared_on), cleared_on)


def problem_list(region: str, period: str, announced_on: date, cadence: Cadence = Cadence()) -> Expected:
    """Seed 004 三: 季公告和年通报后一周内形成定点医疗机构问题建议清单."""
    return Expected(ReportKind.PROBLEM_LIST, region, "", period,
                    announced_on + timedelta(days=cadence.problem_list_days), announced_on)


def expected_reports(units: list[tuple[str, str, str]], clearings: list[tuple[str, int, date]],
                     announced: dict[tuple[str, str], date], today: date, cadence: Cadence = Cadence()) -> list[Expected]:
    """Every report the calendar and the data call for by `today`: `units` are (region, hospital, month)
    with lists, `clearings` (region, year, cleared on), `announced` the day each (region, period)
    announcement or annual report was generated (a problem list follows it)."""
    found: dict[tuple, Expected] = {}
    for region, hospital, month in units:
        m = Period.parse(month)
        if m.end <= today:
            e = monthly_notice(region, hospital, m, cadence)
            found[(e.kind, region, hospital, e.period)] = e
        q = Period.parse(f"{m.year}-Q{(m.first_month + 2) // 3}")
        if q.end <= today:
            e = quarterly_announcement(region, q, cadence)
            found[(e.kind, region, "", e.period)] = e
    for region, year, cleared_on in clearings:
        e = annual_report(region, year, cleared_on)
        found[(e.kind, region, "", e.period)] = e
    for e in list(found.values()):
        if e.kind in (ReportKind.QUARTERLY_ANNOUNCEMENT, ReportKind.ANNUAL_REPORT):
            on = announced.get((e.region, e.period)) or (e.due_date if e.due_date <= today else None)
            if on is not None:
                p = problem_list(e.region, e.period, on, cadence)
                found[(p.kind, p.region, "", p.period)] = p
    return sorted(found.values(), key=lambda e: (e.due_date, e.kind, e.region, e.hospital, e.period))


def due_now(expected: list[Expected], generated: set[tuple[str, str, str, str]], today: date) -> list[Expected]:
    """The expected reports to generate today: their day has come and none was generated yet."""
    return [e for e in expected if e.generate_on <= today and (e.kind.value, e.region, e.hospital, e.period) not in generated]
