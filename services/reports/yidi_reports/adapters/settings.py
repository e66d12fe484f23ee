"""The reports service's own settings (environment variables, with the documented defaults)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..domain.disclosure import MIN_CELL
from ..domain.feedback import ANSWER_DAYS, FIRST_OPENS, SECOND_OPENS, SUBMIT_DAYS, FeedbackCalendar
from ..domain.objections import WINDOW_DAYS


@dataclass(frozen=True, slots=True)
class ReportsSettings:
    objection_window_days: int = WINDOW_DAYS  # REPORTS_OBJECTION_WINDOW_DAYS
    schedule_seconds: float = 300.0  # REPORTS_SCHEDULE_SECONDS: how often the calendar is checked (0: never)
    schedule_batch: int = 50  # REPORTS_SCHEDULE_BATCH: reports generated at most per run
    group_norms: str | None = None  # REPORTS_GROUP_NORMS: a CSV of group norms (unset: each region's own cases)
    analyst_min_cell: int = MIN_CELL  # REPORTS_ANALYST_MIN_CELL: analysts see no figures of smaller cells
    # seed 004 二(四) feedback rounds: REPORTS_FEEDBACK_OPENS (07-15,12-15), REPORTS_FEEDBACK_SUBMIT_DAYS (14),
    # REPORTS_FEEDBACK_ANSWER_DAYS (15)
    feedback: FeedbackCalendar = field(default_factory=FeedbackCalendar)

    @classmethod
    def from_env(cls) -> "ReportsSettings":
        return cls(objection_window_days=int(os.environ.get("REPORTS_OBJECTION_WINDOW_DAYS", WINDOW_DAYS)),
                   schedule_seconds=float(os.environ.get("REPORTS_SCHEDULE_SECONDS", 300)),
                   schedule_batch=int(os.environ.get("REPORTS_SCHEDULE_BATCH", 50)),
                   group_norms=os.environ.get("REPORTS_GROUP_NORMS") or None,
                   analyst_min_cell=int(os.environ.get("REPORTS_ANALYST_MIN_CELL", MIN_CELL)),
                   feedback=FeedbackCalendar.parse(
                       os.environ.get("REPORTS_FEEDBACK_OPENS", f"{FIRST_OPENS},{SECOND_OPENS}"),
                       int(os.environ.get("REPORTS_FEEDBACK_SUBMIT_DAYS", SUBMIT_DAYS)),
                       int(os.environ.get("REPORTS_FEEDBACK_ANSWER_DAYS", ANSWER_DAYS))))
