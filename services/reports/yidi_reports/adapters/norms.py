"""Configured group norms (病组标杆) for the consumption indices: a CSV of the published kind, one row per
group: code (DRG编码 / 病组 / group), mean cost per case (例均费用 / mean_cost), mean length of stay
(平均住院日 / mean_los), as the audit service's group-norms files are written."""
from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..domain.indicators import Benchmark

_CODE, _COST, _LOS = ("DRG编码", "病组", "group"), ("例均费用", "mean_cost"), ("平均住院日", "mean_los")


class NormsError(ValueError):
    pass


def load_norms(path: Path) -> dict[str, Benchmark]:
    """Every row's norms, by group; a file that cannot be read names the row and the column."""
    norms = {}
    with path.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            code = next((row[c].strip() for c in _CODE if row.get(c)), None)
            try:
                cost = Decimal(next(row[c] for c in _COST if row.get(c)))
                los = Decimal(next(row[c] for c in _LOS if row.get(c)))
            except (StopIteration, InvalidOperation):
                raise NormsError(f"{path}:{line}: needs a group code, a mean cost and a mean stay") from None
            if not code or cost <= 0 or los <= 0:
                raise NormsError(f"{path}:{line}: a group code with a positive mean cost and stay")
            norms[code] = Benchmark(cases=0, mean_los=los, mean_cost=cost)
    return norms
