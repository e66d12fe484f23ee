"""Feedback rounds (seed 004 二(四) 问题反馈): "各级医保部门要及时梳理定点医疗机构提出的支付方式改革建议意见和
诉求，能即时答复要即时答复……每年7月中旬和12月中旬向泰州市医保局汇报".

Twice a year a round collects the hospitals' feedback and the bureau of each hospital's region answers it:

    round <year>-H1 opens on FIRST_OPENS (07-15), <year>-H2 on SECOND_OPENS (12-15);
    hospitals submit items on the SUBMIT_DAYS (14) China dates from the opening day;
    the bureau answers each by ANSWER_DAYS (15) days after the last submission day (its answer due date);
    an item still unanswered after that date is overdue.

    open --answer (bureau of the hospital's region)--> answered

The seed fixes the months (mid-July, mid-December) and asks for immediate answers where possible; the
days are configuration with these defaults. Every step is kept with role, token subject and time.
"""
from __future__ import annotations

from calendar import isleap
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from .objections import Step, problem
from .reports import china_date

FIRST_OPENS, SECOND_OPENS = "07-15", "12-15"
SUBMIT_DAYS = 14
ANSWER_DAYS = 15
TOPICS = ("core-elements", "technical", "reform", "other")  # 基准点数、差异系数等核心要素 | ADRG 等技术规范 | 改革建议 | 其他
REFERENCE_KINDS = ("report", "flag")


class FeedbackProblem(Exception):
    """Refused: `status` 403 (not the caller's), 404 (no such item), 409 (state or window), 422 (input)."""

    def __init__(self, status: int, problems: list[dict]):
        super().__init__("; ".join(p["message"] for p in problems))
        self.status, self.problems = status, problems


def _month_day(text: str, field: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in text.strip().split("-"))
        date(2024, month, day)  # a leap year: 02-29 is a valid opening day
    except ValueError:
        raise ValueError(f"{field} must be MM-DD, got {text!r}") from None
    return month, day


@dataclass(frozen=True, slots=True)
class FeedbackCalendar:
    """The round dates (REPORTS_FEEDBACK_OPENS "07-15,12-15", REPORTS_FEEDBACK_SUBMIT_DAYS 14,
    REPORTS_FEEDBACK_ANSWER_DAYS 15)."""

    opens: tuple[tuple[int, int], tuple[int, int]] = ((7, 15), (12, 15))
    submit_days: int = SUBMIT_DAYS
    answer_days: int = ANSWER_DAYS

    @classmethod
    def parse(cls, opens: str = f"{FIRST_OPENS},{SECOND_OPENS}", submit_days: int = SUBMIT_DAYS,
              answer_days: int = ANSWER_DAYS) -> "FeedbackCalendar":
        parts = [p for p in opens.split(",") if p.strip()]
        if len(parts) != 2:
            raise ValueError("REPORTS_FEEDBACK_OPENS names two days, MM-DD,MM-DD")
        first, second = (_month_day(p, "REPORTS_FEEDBACK_OPENS") for p in parts)
        if not first < second:
            raise ValueError("REPORTS_FEEDBACK_OPENS: the first round opens before the second")
        if submit_days < 1 or answer_days < 0:
            raise ValueError("feedback rounds need at least one submission day and no negative answer days")
        return cls((first, second), submit_days, answer_days)


@dataclass(frozen=True, slots=True)
class Round:
    id: str  # 2026-H1 | 2026-H2
    opens: date
    closes: date  # the last day submissions are taken
    answer_due: date  # the last day of the bureau's answer window

    def state(self, today: date) -> str:
        if today < self.opens:
            return "upcoming"
        if today <= self.closes:
            return "collecting"
        return "answering" if today <= self.answer_due else "closed"


def rounds_of(year: int, calendar: FeedbackCalendar = FeedbackCalendar()) -> list[Round]:
    rounds = []
    for half, (month, day) in zip(("H1", "H2"), calendar.opens):
        opens = date(year, month, day if (month, day) != (2, 29) or isleap(year) else 28)
        closes = opens + timedelta(days=calendar.submit_days - 1)
        rounds.append(Round(f"{year}-{half}", opens, closes, closes + timedelta(days=calendar.answer_days)))
    return rounds


def round_named(round_id: str, calendar: FeedbackCalendar = FeedbackCalendar()) -> Round | None:
    year, _, half = round_id.partition("-")
    if not year.isdigit() or half not in ("H1", "H2") or not 2000 <= int(year) <= 2100:
        return None
    return rounds_of(int(year), calendar)[0 if half == "H1" else 1]


def collecting_on(day: date, calendar: FeedbackCalendar = FeedbackCalendar()) -> Round | None:
    """The round taking submissions on this China date (a December round may run into January)."""
    for r in rounds_of(day.year - 1, calendar) + rounds_of(day.year, calendar):
        if r.opens <= day <= r.closes:
            return r
    return None


def next_round(day: date, calendar: FeedbackCalendar = FeedbackCalendar()) -> Round:
    return next(r for r in rounds_of(day.year, calendar) + rounds_of(day.year + 1, calendar) if r.opens > day)


@dataclass(frozen=True, slots=True)
class Reference:
    kind: str  # report | flag
    id: str


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    id: str
    round: str
    hospital_code: str
    region: str  # the hospital's region: its bureau answers
    topic: str
    text: str
    submitted_at: datetime
    answer_due: date
    reference: Reference | None = None
    status: str = "open"  # open | answered
    answer: str | None = None
    answered_at: datetime | None = None
    trail: tuple[Step, ...] = ()

    def overdue(self, today: date) -> bool:
        """Unanswered after its round's answer window."""
        return self.status == "open" and today > self.answer_due

    def answered_late(self) -> bool:
        return self.answered_at is not None and china_date(self.answered_at) > self.answer_due


def submit(item_id: str, *, hospital: str, region: str | None, subject: str, topic: str, text: str,
           reference: Reference | None, at: datetime,
           calendar: FeedbackCalendar = FeedbackCalendar()) -> FeedbackItem:
    """Seed 004 二(四): a hospital's feedback item, taken only while a round is collecting."""
    problems = []
    if topic not in TOPICS:
        problems.append(problem("topic", "enum", f"topic must be one of {', '.join(TOPICS)}"))
    if not text.strip():
        problems.append(problem("text", "required", "feedback needs its text"))
    if reference is not None and reference.kind not in REFERENCE_KINDS:
        problems.append(problem("reference.kind", "enum", "a reference names a report or a flag"))
    if not region:
        problems.append(problem("(token).fixmedins_code", "unknown-hospital",
                                f"hospital {hospital} is not in the regional configuration"))
    if problems:
        raise FeedbackProblem(422, problems)
    today = china_date(at)
    current = collecting_on(today, calendar)
    if current is None:
        upcoming = next_round(today, calendar)
        raise FeedbackProblem(409, [problem("(time)", "feedback-round-closed",
                                            f"no feedback round is collecting on {today.isoformat()}; round "
                                            f"{upcoming.id} opens on {upcoming.opens.isoformat()}")])
    return FeedbackItem(id=item_id, round=current.id, hospital_code=hospital, region=region or "", topic=topic,
                        text=text.strip(), submitted_at=at, answer_due=current.answer_due, reference=reference,
                        trail=(Step("submitted", "hospital", subject, at),))


def answer(item: FeedbackItem, *, region: str, subject: str, text: str, at: datetime) -> FeedbackItem:
    """Seed 004 二(四): the bureau of the hospital's region answers each item (late answers are kept, and shown late)."""
    if region != item.region:
        raise FeedbackProblem(403, [problem("(path).id", "not-your-region",
                                            f"feedback {item.id} is answered by the bureau of {item.region}")])
    if not text.strip():
        raise FeedbackProblem(422, [problem("answer", "required", "an answer needs its text")])
    if item.status != "open":
        raise FeedbackProblem(409, [problem("(path).id", "already-answered",
                                            f"feedback {item.id} was answered at {item.answered_at}")])
    at = max(at, item.submitted_at)
    return replace(item, status="answered", answer=text.strip(), answered_at=at,
                   trail=(*item.trail, Step("answered", "bureau", subject, at)))
