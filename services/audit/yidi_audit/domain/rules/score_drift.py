"""AUD-DIP-SCORE-DRIFT, 高套分值 as a hospital's pattern (seed 003 五(二): 重点对降低住院标准、高套分值、分解住院等
异化医疗行为进行监督, by 大数据分析 of the hospitals' cases).

Per case, AUD-UPCODING looks for severity codes without cost support. This rule looks at a hospital's mix: for
one principal diagnosis, the share of its cases grouped into the diagnosis's higher-score DIP types rising
against the hospital's own history, which a case-by-case check cannot see.

For a hospital, a period (`period`: month, quarter or year of discharge, China time) and its baseline
(`baseline`: the prior calendar year, or the `baseline_months` months before the period):
- cases are the hospital's DIP cases the region reviews, by diagnosis = the principal diagnosis's first
  `diagnosis_chars` characters (5: the DIP core-type diagnosis, DOMAIN.md §4);
- a case is in a higher-score type when its type's score is above the lowest type score of that
  diagnosis among the hospital's cases of the period and the baseline;
- share = higher-score cases / cases, in the period and in the baseline;
- a diagnosis drifts when it has at least `min_cases` cases in both and the share rose by at least
  `min_rise` (share points: 0.20 = from 25 % to 45 %).
One finding per hospital and period naming every drifting diagnosis (shares and case counts); none when
nothing drifts. Suspected amount 0.00: a pattern is a lead for inspection (稽核), not a computed deduction,
so a confirmation deducts nothing; the bureau deducts what an inspection finds on the claims themselves.
Defaults (the seed gives no figures): quarter, prior year, 20 cases, 0.20.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Literal

from pydantic import Field

from ..claims import ClaimFacts
from ..findings import AuditFinding, Severity, json_ready, ratio
from .common import RuleParams

RULE_ID = "AUD-DIP-SCORE-DRIFT"
CHINA = timezone(timedelta(hours=8))


class Params(RuleParams):
    period: Literal["month", "quarter", "year"] = "quarter"
    baseline: Literal["prior_year", "earlier_months"] = "prior_year"
    baseline_months: int = Field(default=12, ge=1, le=36)
    min_cases: int = Field(default=20, ge=1)
    min_rise: Decimal = Field(default=Decimal("0.20"), gt=0, lt=1)
    diagnosis_chars: int = Field(default=5, ge=3, le=8)


@dataclass(frozen=True, slots=True)
class DipTally:
    """Cases of a hospital with one principal diagnosis and DIP type (score) discharged in one month."""

    principal_diagnosis: str  # or at least its first `diagnosis_chars` characters
    dip_type: str
    score: Decimal  # the type's score D_g as priced
    month: datetime  # the month's first day, China time
    cases: int = 1


@dataclass(frozen=True, slots=True, order=True)
class MixKey:
    """Where a stored DIP claim (its latest version) is counted: the rule reads these counts, never the claims,
    so a check costs the hospital's diagnoses and types, not its cases. Ordered as table dip_mix's key."""

    region: str  # the reviewing region
    hospital_code: str
    month: datetime
    principal_diagnosis: str
    dip_type: str
    score: Decimal


def mix_key(claim: ClaimFacts | None) -> MixKey | None:
    if claim is None or claim.payment_method != "DIP" or claim.dip_type is None or claim.dip_score is None:
        return None
    local = claim.dscg_time.astimezone(CHINA)
    return MixKey(claim.reviewing_region, claim.hospital_code, datetime(local.year, local.month, 1, tzinfo=CHINA),
                  claim.principal_diagnosis, claim.dip_type, claim.dip_score)


def mix_changes(stored: Iterable[tuple[ClaimFacts | None, ClaimFacts]]) -> dict[MixKey, int]:
    """The count changes of storing each (claim as stored before or None, its new latest version); keys whose
    counts do not change are left out."""
    changes: Counter[MixKey] = Counter()
    for before, after in stored:
        if (old := mix_key(before)) is not None:
            changes[old] -= 1
        if (new := mix_key(after)) is not None:
            changes[new] += 1
    return {key: n for key, n in changes.items() if n}


@dataclass(frozen=True, slots=True)
class Windows:
    period: str  # "2026-03", "2026-Q1" or "2026"
    start: datetime
    end: datetime
    baseline_start: datetime
    baseline_end: datetime


def _months_before(at: datetime, months: int) -> datetime:
    index = at.year * 12 + at.month - 1 - months
    return at.replace(year=index // 12, month=index % 12 + 1)


def windows(discharged: datetime, params: Params) -> Windows:
    """The period a discharge falls in and its baseline, [start, end) in China time."""
    local = discharged.astimezone(CHINA)
    if params.period == "month":
        start, label, months = datetime(local.year, local.month, 1, tzinfo=CHINA), f"{local:%Y-%m}", 1
    elif params.period == "quarter":
        first = (local.month - 1) // 3 * 3 + 1
        start, label, months = datetime(local.year, first, 1, tzinfo=CHINA), f"{local.year}-Q{(first + 2) // 3}", 3
    else:
        start, label, months = datetime(local.year, 1, 1, tzinfo=CHINA), str(local.year), 12
    end = _months_before(start, -months)
    if params.baseline == "prior_year":
        return Windows(label, start, end, datetime(local.year - 1, 1, 1, tzinfo=CHINA), datetime(local.year, 1, 1, tzinfo=CHINA))
    return Windows(label, start, end, _months_before(start, params.baseline_months), start)


def evaluate(*, hospital_code: str, treatment_region: str, reviewing_region: str, pool_region: str | None,
             window: Windows, tallies: Iterable[DipTally], params: Params) -> list[AuditFinding]:
    """At most one finding for the hospital and period; `tallies` may hold any months of its cases, those
    outside the period and its baseline are ignored (the windows are whole months). The flag's insured region
    is the reviewing region: the pattern is the hospital's, so the reviewing bureau proposes and confirms it as
    for a local claim."""
    now: dict[str, list[DipTally]] = {}
    before: dict[str, list[DipTally]] = {}
    for tally in tallies:
        bucket = (now if window.start <= tally.month < window.end
                  else before if window.baseline_start <= tally.month < window.baseline_end else None)
        if bucket is not None:
            bucket.setdefault(tally.principal_diagnosis[:params.diagnosis_chars].upper(), []).append(tally)
    drifting = []
    for diagnosis in sorted(now.keys() & before.keys()):
        current, past = now[diagnosis], before[diagnosis]
        current_cases, past_cases = sum(t.cases for t in current), sum(t.cases for t in past)
        if current_cases < params.min_cases or past_cases < params.min_cases:
            continue
        lowest = min(t.score for t in (*current, *past))
        higher_now = sum(t.cases for t in current if t.score > lowest)
        higher_before = sum(t.cases for t in past if t.score > lowest)
        rise = Decimal(higher_now) / current_cases - Decimal(higher_before) / past_cases
        if rise >= params.min_rise:
            drifting.append({
                "diagnosis": diagnosis, "lowest_score": lowest,
                "higher_types": sorted({t.dip_type for t in (*current, *past) if t.score > lowest}),
                "period_cases": current_cases, "period_higher": higher_now,
                "period_share": ratio(Decimal(higher_now), Decimal(current_cases)),
                "baseline_cases": past_cases, "baseline_higher": higher_before,
                "baseline_share": ratio(Decimal(higher_before), Decimal(past_cases)),
                "rise": ratio(rise, Decimal(1)),
            })
    if not drifting:
        return []
    evidence = {"period": window.period, "period_start": window.start, "period_end": window.end,
                "baseline_start": window.baseline_start, "baseline_end": window.baseline_end,
                "min_cases": params.min_cases, "min_rise": params.min_rise, "diagnoses": drifting}
    return [AuditFinding(
        rule_id=RULE_ID, claim_id=subject(reviewing_region, hospital_code, window.period), version=1, setl_id="",
        hospital_code=hospital_code, treatment_region=treatment_region, insured_region=reviewing_region,
        severity=Severity.MEDIUM, suspected_amount=Decimal("0.00"),
        evidence={k: json_ready(v) for k, v in evidence.items()}, pool_region=pool_region,
    )]


def subject(region: str, hospital_code: str, period: str) -> str:
    """What the flag is about in place of a claim: the hospital in a period of the reviewing region."""
    return f"{region}/{hospital_code}/{period}"
