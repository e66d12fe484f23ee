"""The reports service's own settings (environment variables, with the documented defaults)."""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..domain.objections import WINDOW_DAYS


@dataclass(frozen=True, slots=True)
class ReportsSettings:
    objection_window_days: int = WINDOW_DAYS  # REPORTS_OBJECTION_WINDOW_DAYS
    schedule_seconds: float = 300.0  # REPORTS_SCHEDULE_SECONDS: how often the calendar is checked (0: never)
    schedule_batch: int = 50  # REPORTS_SCHEDULE_BATCH: reports generated at most per run
    group_norms: str | None = None  # REPORTS_GROUP_NORMS: a CSV of group norms (unset: each region's own cases)

    @classmethod
    def from_env(cls) -> "ReportsSettings":
        return cls(objection_window_days=int(os.environ.get("REPORTS_OBJECTION_WINDOW_DAYS", WINDOW_DAYS)),
                   schedule_seconds=float(os.environ.get("REPORTS_SCHEDULE_SECONDS", 300)),
                   schedule_batch=int(os.environ.get("REPORTS_SCHEDULE_BATCH", 50)),
                   group_norms=os.environ.get("REPORTS_GROUP_NORMS") or None)
