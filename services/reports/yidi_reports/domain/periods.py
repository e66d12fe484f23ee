"""Reporting periods: a month (2026-03), a quarter (2026-Q1) or a year (2026), over settlement months.

A claim belongs to the month of its settlement list's `setl_period` (the month clearing settles it in).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4])))?$")


FIRST_YEAR, LAST_YEAR = 2000, 2100


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    first_month: int
    months: int  # 1, 3 or 12

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = _PATTERN.match(text or "")
        if match is None:
            raise InvalidPeriod(f"{text!r} is not a month (2026-03), a quarter (2026-Q1) or a year (2026)")
        year = int(match["year"])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidPeriod(f"{text!r}: the year must be between {FIRST_YEAR} and {LAST_YEAR}")
        if match["month"]:
            return cls(year, int(match["month"]), 1)
        if match["quarter"]:
            return cls(year, 3 * int(match["quarter"]) - 2, 3)
        return cls(year, 1, 12)

    @property
    def kind(self) -> str:
        return {1: "month", 3: "quarter", 12: "year"}[self.months]

    @property
    def label(self) -> str:
        if self.months == 1:
            return f"{self.year}-{self.first_month:02d}"
        if self.months == 3:
            return f"{self.year}-Q{(self.first_month + 2) // 3}"
        return str(self.year)

    @property
    def month_labels(self) -> list[str]:
        return [f"{self.year}-{m:02d}" for m in range(self.first_month, self.first_month + self.months)]

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The first day after the period."""
        last = self.first_month + self.months
        return date(self.year + (last - 1) // 12, (last - 1) % 12 + 1, 1)

    def __str__(self) -> str:
        return self.label


def month_range(first: str, last: str) -> list[str]:
    """Every month label from `first` to `last` inclusive (both yyyy-mm)."""
    start, stop = Period.parse(first), Period.parse(last)
    if start.months != 1 or stop.months != 1:
        raise InvalidPeriod("from and to must be months (yyyy-mm)")
    months, year, month = [], start.year, start.first_month
    while (year, month) <= (stop.year, stop.first_month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def last_day_of_month(year: int, month: int) -> date:
    return Period(year, month, 1).end - timedelta(days=1)
