"""Group norms (病组标杆): each group's region average cost (例均费用) and length of stay (平均住院日).

Bureaus publish them with their payment tables, computed from past years' claims. Up-coding and
early discharge compare a claim with them; without a norm for the claim's group they stay silent.

CSV layout, one row a group (other columns are ignored, so a published payment table with these
columns added loads as it is):

    DRG编码,DRG名称,例均费用,平均住院日
    ES21,呼吸系统感染/炎症，伴严重并发症或合并症,18500.00,11.2

The code column may also be named 分组编码 or 病种编码 (DIP). Every problem is reported, by line.
"""
from __future__ import annotations

import csv
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from .claims import ClaimFacts
from .rules.upcoding import lower_split

CODE_COLUMNS = ("DRG编码", "分组编码", "病种编码")
COST_COLUMN = "例均费用"
LOS_COLUMN = "平均住院日"


@dataclass(frozen=True, slots=True)
class GroupNorm:
    avg_cost: Decimal
    avg_los: Decimal


GroupNorms = Mapping[str, GroupNorm]


class GroupNormsError(ValueError):
    pass


def parse_group_norms(rows: list[dict[str, str]], source: str) -> dict[str, GroupNorm]:
    """Rows as csv.DictReader gives them (line 2 is the first)."""
    header = list(rows[0]) if rows else []
    code_column = next((c for c in CODE_COLUMNS if c in header), None)
    missing = [name for name, ok in (("/".join(CODE_COLUMNS), code_column), (COST_COLUMN, COST_COLUMN in header),
                                     (LOS_COLUMN, LOS_COLUMN in header)) if not ok]
    if missing:
        raise GroupNormsError(f"{source}: missing columns {missing}" if rows else f"{source}: no rows")
    norms: dict[str, GroupNorm] = {}
    problems: list[str] = []
    for line, row in enumerate(rows, start=2):
        code = (row[code_column] or "").strip().upper()
        values: list[Decimal] = []
        for column in (COST_COLUMN, LOS_COLUMN):
            try:
                value = Decimal((row[column] or "").strip())
                if not value.is_finite() or value <= 0:
                    raise InvalidOperation
                values.append(value)
            except InvalidOperation:
                problems.append(f"line {line}: {column} {row[column]!r} is not a positive number")
        if not code:
            problems.append(f"line {line}: empty {code_column}")
        elif code in norms:
            problems.append(f"line {line}: {code} appears twice")
        elif len(values) == 2:
            norms[code] = GroupNorm(avg_cost=values[0], avg_los=values[1])
    if problems:
        raise GroupNormsError(f"{source}: " + "; ".join(problems))
    return norms


def load_group_norms(path: Path) -> dict[str, GroupNorm]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return parse_group_norms(list(csv.DictReader(f)), str(path))


def lower_split_cost(standard: Decimal, own: GroupNorm, lower: GroupNorm) -> Decimal:
    """The lower split's average cost in a claim's terms: its standard scaled by the groups' cost ratio."""
    return standard * lower.avg_cost / own.avg_cost


def with_norms(claim: ClaimFacts, norms: GroupNorms) -> ClaimFacts:
    """The claim with its group's average LOS and, for a split DRG, the lower split's averages.

    The claim's own group_avg_cost (its payment standard) stays; the lower split's cost is that
    standard scaled by the two groups' published cost ratio, so both are in the claim's terms.
    """
    own = norms.get(claim.drg) if claim.drg else None
    if own is None:
        return claim
    lower_code = lower_split(claim)
    lower = norms.get(lower_code) if lower_code != claim.drg else None
    changes: dict[str, object] = {"group_avg_los": own.avg_los}
    if claim.group_avg_cost is None:
        changes["group_avg_cost"] = own.avg_cost
    if lower is not None:
        changes["lower_group_avg_cost"] = lower_split_cost(claim.group_avg_cost or own.avg_cost, own, lower)
        changes["lower_group_avg_los"] = lower.avg_los
    return dataclasses.replace(claim, **changes)
