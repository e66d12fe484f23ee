"""What analysts may see of the indicators: figures of small cells suppressed.

Analysts read de-identified data (docs/security.md); a row of a hospital, a group and a month with two cases
can still point at the two people behind it (with a date and a diagnosis known elsewhere). So, for analysts,
a row (or a series point) counting fewer than `min_cases` cases keeps its labels and its case count band but
loses every figure, and says so. Primary suppression only: region totals still include the suppressed
cells. The threshold is configuration (REPORTS_ANALYST_MIN_CELL, 5 by default, a common floor in the
publication of health statistics); the seeds name none.
"""
from __future__ import annotations

MIN_CELL = 5
LABELS = frozenset({"period", "level", "region", "hospital", "group", "origin"})


def suppressed(row: dict, min_cases: int) -> dict:
    """The row as an analyst sees it: unchanged with at least `min_cases` cases (or none at all); else its
    labels, `cases` as "<min_cases", every other figure None and `suppressed` True."""
    cases = row.get("cases")
    if not isinstance(cases, int) or cases == 0 or cases >= min_cases:
        return row
    return {key: (value if key in LABELS else f"<{min_cases}" if key == "cases" else None)
            for key, value in row.items()} | {"suppressed": True}
