"""The monitoring indicators of seed 000 三(三), 四(三), 五(二) and seed 001 (十), each defined once here.

Pure functions over the read model's rows (`Case`): no I/O. Every figure is Decimal:
money (次均费用, deductions) rounded half-up to the fen, every ratio, index and CMI rounded half-up
to 4 decimal places (`RATIO_PLACES`); a figure whose denominator is zero is None (null), never 0.

The cohort of a unit (hospital, treatment region or group) and period is the *current version* of
every in-province claim of the unit whose settlement month (`setl_period`) lies in the period: a
correction replaces the version it supersedes, so a claim counts once, as its latest version says.
Cross-province claims (跨省, paid per item outside every pool) are left out of every indicator.
`origin` splits each unit into local (本地: insured in the treatment region) and cross (省内异地)
claims, side by side, as `ClaimFacts.scope` says (seed 000 三(三): 同病组本地和异地).

| indicator | definition | seed |
|---|---|---|
| cases | priced claims (the list passed QC and was grouped or found ungroupable) | 000 三(三) |
| persons | distinct `psn_no` among the cases | 000 三(三) |
| person_time_ratio (人次人头比) | cases / persons | 000 三(三), 四(三) |
| avg_cost (次均费用) | Σ total_cost / cases | 000 三(三), 四(三) |
| grouping_rate (入组率) | cases grouped into a DRG/DIP group / (cases + lists rejected by QC) | 000 四(三), 004 二(一) |
| cmi | Σ RW / cases with a group weight (DIP: score / 1000) | 000 四(三) |
| time_index (时间消耗指数) | Σ_g n_g × (mean LOS_g / benchmark mean LOS_g) / Σ_g n_g | 000 四(三) |
| cost_index (费用消耗指数) | the same with total cost | 000 四(三) |
| self_pay_share (自费比例) | Σ psn_ownpay / Σ total_cost | 000 三(三), 四(三) |
| readmission_15d | cases admitted ≤ 15 days after a discharge of the same person in the same treatment region / cases | 000 三(三) |
| outlier_share | high- and low-outlier cases / cases | 000 四(三) |
| special_case_share | 特例单议 cases / cases | 004 二(二) |
| flags | audit flags on the cases, less those withdrawn after an accepted objection | 004 二(二) |
| deductions_amount | Σ confirmed deduction amounts of those flags | 004 二(二) |

The benchmark of the consumption indices is the treatment region's own cases of the year in each group
(both origins, every hospital), or, where configured (`with_norms`), a published group-norms table.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from yidi_common.money import ZERO, rounded, to_fen

RATIO_PLACES = 4
READMISSION_DAYS = 15  # seed 000 三 / DOMAIN.md §8: 15 days, as the split-admission audit rule
DIP_SCORE_SCALE = Decimal(1000)  # DIP scores are 1000 × a type's cost relative to the reference (DOMAIN.md §4)
CHINA = timezone(timedelta(hours=8))
ORIGINS = ("local", "cross")
LEVELS = ("hospital", "region", "group")
OUTLIER_KINDS = frozenset({"high_outlier", "low_outlier"})
SPECIAL_KINDS = frozenset({"special_review"})
# cases settled under the region's DRG/DIP rules (seed 000 五(二) 按DRG/DIP付费): weight-paid ones and the
# outliers; ungroupable, ambiguous, groups without a weight, 特例单议, bed-day and cross-province ones are not
GROUP_PAID_KINDS = frozenset({"normal", "high_outlier", "low_outlier"})


@dataclass(frozen=True, slots=True)
class Case:
    """One claim's current version, as the read model keeps it; stage submitted (in flight), rejected (by
    QC) or priced."""

    claim_id: str
    version: int
    hospital_code: str
    treatment_region: str
    insured_region: str
    origin: str  # local | cross | cross-province
    period: str  # settlement month yyyy-mm
    stage: str = "priced"
    psn_no: str = ""
    adm_time: datetime | None = None
    dscg_time: datetime | None = None
    los: int = 0
    total_cost: Decimal = ZERO
    self_pay: Decimal = ZERO  # psn_ownpay: 个人自费 (全自费 items are part of it)
    basic_fund: Decimal = ZERO  # F: the basic pooled fund's payment at discharge
    grouping_status: str = "rejected"  # grouped | ambiguous | ungroupable | rejected
    payment_method: str | None = None  # DRG | DIP
    group: str | None = None  # DRG code or DIP type
    weight: Decimal | None = None  # RW (DRG) or score (DIP) of the group in the region's table
    case_kind: str | None = None
    principal_diagnosis: str | None = None
    flags: int = 0
    deductions: Decimal = ZERO

    @property
    def priced(self) -> bool:
        return self.stage == "priced"

    @property
    def relative_weight(self) -> Decimal | None:
        """RW for DRG; for DIP the score over 1000 (DOMAIN.md §4: D_g = 1000 × mean cost / reference)."""
        if self.weight is None:
            return None
        return self.weight / DIP_SCORE_SCALE if self.payment_method == "DIP" else self.weight


@dataclass(frozen=True, slots=True)
class Benchmark:
    """A group's region-wide means over a year (病组标杆), the denominator of the consumption indices."""

    cases: int
    mean_los: Decimal
    mean_cost: Decimal


@dataclass(frozen=True, slots=True)
class Indicators:
    period: str
    level: str
    region: str
    origin: str
    cases: int
    persons: int
    person_time_ratio: Decimal | None
    avg_cost: Decimal | None
    grouping_rate: Decimal | None
    cmi: Decimal | None
    time_index: Decimal | None
    cost_index: Decimal | None
    self_pay_share: Decimal | None
    readmission_15d: Decimal | None
    outlier_share: Decimal | None
    special_case_share: Decimal | None
    flags: int
    deductions_amount: Decimal
    hospital: str | None = None
    group: str | None = None
    total_cost: Decimal = ZERO
    lists: int = 0  # cases + rejected lists


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator / denominator rounded half-up to RATIO_PLACES; None when the denominator is zero."""
    if not denominator:
        return None
    return rounded(Decimal(numerator) / Decimal(denominator), RATIO_PLACES)


def group_benchmarks(year_cases: Iterable[Case]) -> dict[tuple[str, str], Benchmark]:
    """Per (treatment region, group): mean LOS and mean total cost over the region's own priced cases of
    the year, local and cross-region together (DOMAIN.md §9: "the region's figures are the benchmark")."""
    sums: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for case in year_cases:
        if case.priced and case.group and case.origin in ORIGINS:
            s = sums[(case.treatment_region, case.group)]
            s[0] += 1
            s[1] += case.los
            s[2] += case.total_cost
    return {key: Benchmark(n, Decimal(los) / n, cost / n) for key, (n, los, cost) in sums.items()}


def with_norms(computed: dict[tuple[str, str], Benchmark], norms: dict[str, Benchmark],
               regions: Iterable[str]) -> dict[tuple[str, str], Benchmark]:
    """Configured group norms (病组标杆: one published table for the province, by group) replace the regions'
    own averages for the groups they list; the other groups keep the regions' own."""
    out = dict(computed)
    for region in regions:
        for group, norm in norms.items():
            out[(region, group)] = norm
    return out


def consumption_index(cases: Sequence[Case], benchmarks: dict[tuple[str, str], Benchmark],
                      measure: Callable[[Case], Decimal], benchmark_of: Callable[[Benchmark], Decimal]) -> Decimal | None:
    """Seed 000 四(三) 时间/费用消耗指数: Σ_g n_g × (unit's mean_g / benchmark mean_g) / Σ_g n_g over the
    unit's cases in groups with a benchmark. As n_g × mean_g = Σ_(cases in g) x, this is the mean over
    those cases of x / benchmark_g, which is how it is computed (one division per case, exact Decimals)."""
    terms = []
    for case in cases:
        bench = benchmarks.get((case.treatment_region, case.group or ""))
        if case.group and bench is not None and benchmark_of(bench) > 0:
            terms.append(measure(case) / benchmark_of(bench))
    return rounded(sum(terms, Decimal(0)) / len(terms), RATIO_PLACES) if terms else None


def readmitted(cases: Iterable[Case], stays: Iterable[Case], days: int = READMISSION_DAYS) -> set[str]:
    """The claim ids among `cases` admitted within `days` calendar days (China time) after the discharge
    of another stay of the same person in the same treatment region (0 ≤ admission date − discharge date
    ≤ days): the 15-day readmission of seed 000 三(三)/四(三) monitoring (split stays, 分解住院).
    `stays`: every priced stay that may precede them (earlier periods included)."""
    by_person: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for stay in stays:
        if stay.priced and stay.dscg_time is not None and stay.psn_no:
            by_person[(stay.psn_no, stay.treatment_region)].append(stay)
    found = set()
    for case in cases:
        if not case.priced or case.adm_time is None:
            continue
        admitted = _china_date(case.adm_time)
        for stay in by_person.get((case.psn_no, case.treatment_region), ()):
            if stay.claim_id == case.claim_id or stay.adm_time is None or stay.adm_time > case.adm_time:
                continue
            gap = (admitted - _china_date(stay.dscg_time)).days
            if 0 <= gap <= days:
                found.add(case.claim_id)
                break
    return found


def _china_date(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA)).astimezone(CHINA).date()


def unit_indicators(lists: Sequence[Case], *, period: str, level: str, region: str, origin: str,
                    benchmarks: dict[tuple[str, str], Benchmark], readmissions: set[str],
                    hospital: str | None = None, group: str | None = None) -> Indicators:
    """Every indicator of one unit, period and origin over its lists (priced cases and rejected lists)."""
    cases = [c for c in lists if c.priced]
    n = len(cases)
    persons = len({c.psn_no for c in cases})
    total = sum((c.total_cost for c in cases), Decimal(0))
    weighted = [c.relative_weight for c in cases if c.relative_weight is not None]
    return Indicators(
        period=period, level=level, region=region, origin=origin, hospital=hospital, group=group,
        cases=n,
        persons=persons,
        person_time_ratio=ratio(n, persons),
        avg_cost=to_fen(total / n) if n else None,
        grouping_rate=ratio(sum(1 for c in cases if c.grouping_status == "grouped"), len(lists)),
        cmi=rounded(sum(weighted, Decimal(0)) / len(weighted), RATIO_PLACES) if weighted else None,
        time_index=consumption_index(cases, benchmarks, lambda c: Decimal(c.los), lambda b: b.mean_los),
        cost_index=consumption_index(cases, benchmarks, lambda c: c.total_cost, lambda b: b.mean_cost),
        self_pay_share=ratio(sum((c.self_pay for c in cases), Decimal(0)), total),
        readmission_15d=ratio(sum(1 for c in cases if c.claim_id in readmissions), n),
        outlier_share=ratio(sum(1 for c in cases if c.case_kind in OUTLIER_KINDS), n),
        special_case_share=ratio(sum(1 for c in cases if c.case_kind in SPECIAL_KINDS), n),
        flags=sum(c.flags for c in cases),
        deductions_amount=to_fen(sum((c.deductions for c in cases), Decimal(0))),
        total_cost=to_fen(total),
        lists=len(lists),
    )


def indicators(lists: Iterable[Case], *, period: str, level: str, benchmarks: dict[tuple[str, str], Benchmark],
               readmissions: set[str]) -> list[Indicators]:
    """One row per unit of the level and origin, local and cross-region side by side (local first), sorted by unit."""
    units: dict[tuple, list[Case]] = defaultdict(list)
    for case in lists:
        if case.origin not in ORIGINS or case.stage not in ("priced", "rejected"):
            continue
        if level == "hospital":
            key = (case.treatment_region, case.hospital_code, None)
        elif level == "region":
            key = (case.treatment_region, None, None)
        elif level == "group":
            if not case.group:
                continue
            key = (case.treatment_region, None, case.group)
        else:
            raise ValueError(f"level {level!r} is not one of {LEVELS}")
        units[(*key, case.origin)].append(case)
    return [unit_indicators(rows, period=period, level=level, region=region, origin=origin, hospital=hospital,
                            group=group, benchmarks=benchmarks, readmissions=readmissions)
            for (region, hospital, group, origin), rows in sorted(units.items(), key=lambda kv: (
                kv[0][0], kv[0][1] or "", kv[0][2] or "", ORIGINS.index(kv[0][3])))]


@dataclass(frozen=True, slots=True)
class Coverage:
    """Seed 000 五(二): 统筹区覆盖率 100 %, 定点医疗机构覆盖率 100 %, 病种覆盖率 ≥ 90 %, 医保基金覆盖率 ≥ 70 %."""

    region: str
    year: int
    pools: Decimal | None
    hospitals: Decimal | None
    groups: Decimal | None
    fund: Decimal | None
    targets: dict[str, Decimal] = field(default_factory=dict)

    @property
    def met(self) -> dict[str, bool | None]:
        shares = {"pools": self.pools, "hospitals": self.hospitals, "groups": self.groups, "fund": self.fund}
        return {k: None if shares[k] is None else shares[k] >= target for k, target in self.targets.items()}


COVERAGE_TARGETS = {"pools": Decimal("1.00"), "hospitals": Decimal("1.00"), "groups": Decimal("0.90"),
                    "fund": Decimal("0.70")}


def coverage(cases: Iterable[Case], *, region: str, year: int, configured_regions: set[str],
             known_regions: set[str]) -> Coverage:
    """Seed 000 五(二) over a region's (or, region "all", the province's) priced in-province cases of a year.

    - pools: regions with a DRG/DIP scheme configured for the year / regions known to the configuration
      (for one region: 1 when it is configured, else 0);
    - hospitals: hospitals with at least one case settled under DRG/DIP (`GROUP_PAID_KINDS`) / hospitals
      with cases (inpatient hospitals; the seed's psychiatric/rehabilitation exception is not known here);
    - groups (病种覆盖率): principal-diagnosis categories (ICD-10, first 3 characters) of cases settled
      under DRG/DIP / categories of all cases;
    - fund (医保基金覆盖率): basic-fund payment (F) of cases settled under DRG/DIP / F of all cases.
    """
    cases = [c for c in cases if c.priced and c.origin in ORIGINS]
    paid = [c for c in cases if c.case_kind in GROUP_PAID_KINDS]
    if region == "all":
        pools = ratio(len(configured_regions & known_regions), len(known_regions))
    else:
        pools = Decimal(1 if region in configured_regions else 0).quantize(Decimal("0.0001"))

    def categories(rows: list[Case]) -> set[str]:
        return {c.principal_diagnosis[:3] for c in rows if c.principal_diagnosis}

    return Coverage(
        region=region, year=year, pools=pools,
        hospitals=ratio(len({c.hospital_code for c in paid}), len({c.hospital_code for c in cases})),
        groups=ratio(len(categories(paid)), len(categories(cases))),
        fund=ratio(sum((c.basic_fund for c in paid), Decimal(0)), sum((c.basic_fund for c in cases), Decimal(0))),
        targets=dict(COVERAGE_TARGETS),
    )


SERIES_METRICS = ("cmi", "time_index", "cost_index")
