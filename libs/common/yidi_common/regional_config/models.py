"""Configuration models: one province, its treatment regions per year, pools, hospitals, policy.

Every number the money domain uses is a field here; DOMAIN.md's defaults are the field defaults.
Models are frozen so a loaded configuration can be shared between requests safely.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..claims import parse_pool_label, pool_label
from .closing import Advance, GuaranteeRelease, Prepayment
from ..money import to_fen
from ..settlement_list import InsuranceType

RegionCode = Annotated[str, Field(pattern=r"^\d{6}$")]
Share = Annotated[Decimal, Field(ge=0, le=1)]
Positive = Annotated[Decimal, Field(gt=0)]
NonNegative = Annotated[Decimal, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Scheme(StrEnum):
    DRG = "DRG"
    DIP = "DIP"


class Origin(StrEnum):
    LOCAL = "local"  # insured in the treatment region
    CROSS = "cross"  # insured in another region of the province (省内异地)


class AlertLevel(StrEnum):
    NOTICE = "notice"
    WARNING = "warning"
    CRITICAL = "critical"


class BudgetSource(StrEnum):
    FIXED = "fixed"  # the budget field
    ITEM_FUND_PAYMENTS = "item_fund_payments"  # Σ F the insured regions paid per item (seed 001 (四))
    HISTORY = "history"  # earlier years' clearing totals × (1 + growth_rate) (seed 000 四(一))


class AlertBasis(StrEnum):
    BUDGET = "budget"  # consumption / B_p
    DISTRIBUTABLE = "distributable"  # consumption / A_p


# ---------------------------------------------------------------- policy parameters


class ThresholdBand(_Frozen):
    """Low/high cost-ratio thresholds for weights below `rw_below` (open-ended when None)."""

    rw_below: Positive | None = None
    low: NonNegative
    high: Positive


class OutlierThresholds(_Frozen):
    """DRG low/high outlier thresholds on k = T / S; bands by RW override the flat pair."""

    low: NonNegative = Decimal("0.4")
    high: Positive = Decimal("2.0")
    bands: tuple[ThresholdBand, ...] = ()

    @model_validator(mode="after")
    def _ordered(self) -> "OutlierThresholds":
        for low, high in [(self.low, self.high)] + [(b.low, b.high) for b in self.bands]:
            if low >= high:
                raise ValueError(f"low threshold {low} must be below high threshold {high}")
        bounds = [b.rw_below for b in self.bands]
        if None in bounds[:-1] or bounds[:-1] != sorted(bounds[:-1]):
            raise ValueError("bands must be ordered by rw_below ascending, only the last may be open")
        return self

    def for_weight(self, rw: Decimal) -> tuple[Decimal, Decimal]:
        for band in self.bands:
            if band.rw_below is None or rw < band.rw_below:
                return band.low, band.high
        return self.low, self.high


class DipThresholds(_Frozen):
    """DIP thresholds as multiples of the type's mean cost."""

    low: NonNegative = Decimal("0.5")
    high: Positive = Decimal("2.0")
    special_review: Positive = Decimal("5.0")


class DipSeverity(_Frozen):
    """疾病严重程度辅助目录 (seed 003 三(一)): a case's severity level raises its type's score.

    Level = the highest level among its secondary diagnoses (`diagnoses`: ICD-10 code prefix -> level,
    longest prefix wins), at least `death_level` when the patient died (离院方式 5) and `elderly_level`
    at `elderly_age` or older; points × coefficients[level]. The seed leaves every number open: by default
    no diagnosis is listed and death / age add nothing, so no score moves until a region lists them.
    """

    diagnoses: dict[str, Annotated[int, Field(ge=1, le=9)]] = {}
    coefficients: dict[int, Positive] = {1: Decimal("1.1"), 2: Decimal("1.2"), 3: Decimal("1.3")}
    death_level: Annotated[int, Field(ge=0, le=9)] = 0
    elderly_age: Annotated[int, Field(ge=0, le=150)] = 150
    elderly_level: Annotated[int, Field(ge=0, le=9)] = 0

    @model_validator(mode="after")
    def _levels_priced(self) -> "DipSeverity":
        used = set(self.diagnoses.values()) | {self.death_level, self.elderly_level}
        missing = sorted(level for level in used - {0} if level not in self.coefficients)
        if missing:
            raise ValueError(f"severity levels {missing} have no coefficient")
        return self

    def coefficient(self, level: int) -> Decimal:
        return self.coefficients.get(level, Decimal(1)) if level else Decimal(1)


class DipAbnormalCost(_Frozen):
    """违规行为监督个性特征辅助目录 (seed 003 三(一), 五(二) 降低住院标准): a case of a conservative
    (保守) type whose stay is at most `max_los_days` and whose cost is below `max_cost_ratio` × the type's
    mean looks like a lowered admission standard (低标入院): its points × `coefficient`. Defaults detect
    and explain (coefficient 1, nothing deducted) until a region sets its coefficient."""

    enabled: bool = True
    max_cost_ratio: Positive = Decimal("0.3")
    max_los_days: Annotated[int, Field(ge=0)] = 2
    coefficient: Annotated[Decimal, Field(ge=0, le=1)] = Decimal("1")


class DipTcm(_Frozen):
    """中医优势病种 (seed 003 三(一), 二(二) 中医药): listed type codes, paid at the same score at
    every hospital level (C = policy.base_group_coefficient) × score_ratio, when the list carries a TCM
    marker: a procedure code starting with one of `treatments` (default 99.92 针刺), or 中药饮片
    (charge category 10) at least `min_herbal_share` of the total cost."""

    types: tuple[str, ...] = ()
    treatments: tuple[str, ...] = ("99.92",)
    min_herbal_share: Share = Decimal("0.10")
    score_ratio: Positive = Decimal("1")


class DipDaySurgery(_Frozen):
    """日间手术病种 (seed 003 三(二)): a stay of at most `max_los_days` with one of `procedures` is the
    day-surgery type `日间:<procedure>` when the catalogue lists it (scored like any type, the builder
    derives it from history); otherwise the case is grouped as usual."""

    procedures: tuple[str, ...] = ()
    max_los_days: Annotated[int, Field(ge=0)] = 1


class DipPolicy(DipThresholds):
    """DIP beyond the outlier thresholds: auxiliary catalogues, special types and score bonuses. 按床日 types
    (seed 003 三(一), 四(四)) are the region's bed-day categories (`RegionYear.bed_day`), for DIP as for DRG.

    `primary_types` (基层病种, seed 003 三(一)/(二)): listed types are paid at the same score at every
    hospital level (C = policy.base_group_coefficient), no bonus. `bonuses` (分值加成, seed 003 三(二)
    “合理设定病种分值加成指标及标准”, 三(三) 加成 by hospital type): hospital category -> share, the points of
    a hospital with that category × (1 + Σ its categories' shares), capped at `max_bonus`; empty by default.
    """

    severity: DipSeverity = DipSeverity()
    abnormal_cost: DipAbnormalCost = DipAbnormalCost()
    tcm: DipTcm = DipTcm()
    primary_types: tuple[str, ...] = ()
    day_surgery: DipDaySurgery = DipDaySurgery()
    bonuses: dict[str, NonNegative] = {}
    max_bonus: NonNegative = Decimal("0.2")

    def bonus_for(self, categories: tuple[str, ...]) -> Decimal:
        """Σ of the listed categories' shares, at most max_bonus."""
        return min(sum((self.bonuses.get(c, Decimal(0)) for c in set(categories)), Decimal(0)), self.max_bonus)


class AlertThresholds(_Frozen):
    notice: Positive = Decimal("0.8")
    warning: Positive = Decimal("0.9")
    critical: Positive = Decimal("1.0")

    @model_validator(mode="after")
    def _ordered(self) -> "AlertThresholds":
        if not self.notice < self.warning < self.critical:
            raise ValueError("alert thresholds must satisfy notice < warning < critical")
        return self

    def levels(self) -> tuple[tuple[AlertLevel, Decimal], ...]:
        return (
            (AlertLevel.NOTICE, self.notice),
            (AlertLevel.WARNING, self.warning),
            (AlertLevel.CRITICAL, self.critical),
        )


class RecoveredSplit(_Frozen):
    """Shares of recovered funds (seed 000 三(一)); the province takes the fen remainder."""

    treatment_region: Share = Decimal("0.4")
    insured_region: Share = Decimal("0.4")
    province: Share = Decimal("0.2")

    @model_validator(mode="after")
    def _sums_to_one(self) -> "RecoveredSplit":
        total = self.treatment_region + self.insured_region + self.province
        if total != 1:
            raise ValueError(f"recovered split shares must sum to 1, got {total}")
        return self


class Policy(_Frozen):
    """Per region-year policy parameters (province defaults merged with region overrides)."""

    risk_reserve: Share = Decimal("0.05")  # ρ
    guarantee_share: Share = Decimal("0.05")  # q
    overrun_share: Share = Decimal("0.5")  # s
    overrun_cap: Share = Decimal("0.10")  # c
    base_group_coefficient: Positive = Decimal("1")  # C_h for base groups (基础病组)
    ungroupable_paid_by_weight: bool = False  # True: 0000/歧义组 priced by the table's weight if listed
    final_rate_places: int = Field(default=4, ge=0, le=12)  # decimals of R_final / V_p final
    alert_basis: AlertBasis = AlertBasis.BUDGET
    outlier: OutlierThresholds = OutlierThresholds()
    dip: DipPolicy = DipPolicy()
    alerts: AlertThresholds = AlertThresholds()
    recovered_split: RecoveredSplit = RecoveredSplit()
    guarantee_release: GuaranteeRelease = GuaranteeRelease()
    prepayment: Prepayment = Prepayment()
    advance: Advance = Advance()

    def distributable(self, budget: Decimal) -> Decimal:
        """A_p = B_p × (1 − ρ), to the fen; the rest is the pool's risk reserve."""
        return to_fen(budget * (1 - self.risk_reserve))


# ---------------------------------------------------------------- weight tables and catalogues


class Qualified(_Frozen):
    """A value that may depend on the hospital class (level or grade) and the insurance type.

    `hospital_class` is "1"/"2"/"3" for 一级/二级/三级 columns, or the published label ("三甲").
    None means the value applies to every class / insurance type.
    """

    value: Decimal
    hospital_class: str | None = None
    insutype: InsuranceType | None = None


def pick_qualified(values: tuple[Qualified, ...], classes: tuple[str, ...], insutype: str) -> Decimal | None:
    """Most specific match: a listed class with the insurance type, the class alone, then unqualified."""
    for wanted_class in (*classes, None):
        for wanted_type in (insutype, None):
            for q in values:
                if q.hospital_class == wanted_class and q.insutype == wanted_type:
                    return q.value
    return None


class WeightEntry(_Frozen):
    code: str
    name: str = ""
    rw: Positive | None = None  # None: not weight-paid in this region (未覆盖/按项目)
    base_group: bool = False
    per_item_reason: str | None = None  # why the group is paid per item, when rw is None
    tags: tuple[str, ...] = ()  # informative markers (不稳定病组, 中医优势病组, ...)
    rates: tuple[Qualified, ...] = ()  # per-group rate override (费率)
    coefficients: tuple[Qualified, ...] = ()  # per-group hospital coefficient (basic part)
    standards: tuple[Qualified, ...] = ()  # published payment standard S (支付标准)
    low_ratios: tuple[Qualified, ...] = ()  # per-group low threshold on k
    high_ratios: tuple[Qualified, ...] = ()
    low_amounts: tuple[Qualified, ...] = ()  # per-group low threshold in yuan (临界值)
    high_amounts: tuple[Qualified, ...] = ()


class WeightTable(_Frozen):
    name: str
    source: str
    weight_header: str = "RW"
    entries: dict[str, WeightEntry]
    ignored_columns: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def get(self, code: str) -> WeightEntry | None:
        return self.entries.get(code)


class DipType(_Frozen):
    code: str
    name: str = ""
    score: Positive  # D_g
    mean_cost: Positive  # mean_g, yuan
    base_group: bool = False
    kind: str = ""  # core / comprehensive / day_surgery, as the catalogue builder wrote it
    cases: Annotated[int, Field(ge=0)] | None = None  # cases in the history it was built from


class DipCatalogue(_Frozen):
    name: str
    source: str
    entries: dict[str, DipType]

    def get(self, code: str) -> DipType | None:
        return self.entries.get(code)


# ---------------------------------------------------------------- pools, regions, hospitals


class PoolKey(_Frozen):
    """A pool; insutype / origin are None when the region merges them."""

    region: RegionCode
    year: int
    scheme: Scheme
    insutype: InsuranceType | None = None
    origin: Origin | None = None

    @property
    def label(self) -> str:
        return pool_label(self.region, self.year, self.scheme.value, self.insutype, self.origin)

    @classmethod
    def parse(cls, label: str) -> "PoolKey":
        region, year, scheme, insutype, origin = parse_pool_label(label)
        return cls(region=region, year=year, scheme=scheme, insutype=insutype, origin=origin)


class BudgetHistoryError(ValueError):
    """A history-budgeted pool lacks the clearing totals of some years, or they cannot be matched to it."""

    def __init__(self, pool: str, message: str, missing_years: tuple[int, ...] = ()):
        self.pool = pool
        self.missing_years = missing_years
        super().__init__(f"pool {pool}: {message}")


def folds_into(earlier: PoolKey, key: PoolKey) -> bool:
    """True when every case of `earlier` (another year's pool) belongs to `key`'s kind of cases: same
    region and scheme, and the same insurance type and origin unless `key` merges them."""
    return ((earlier.region, earlier.scheme) == (key.region, key.scheme)
            and key.insutype in (None, earlier.insutype) and key.origin in (None, earlier.origin))


def pool_year_total(key: PoolKey, year: int, totals: Mapping[str, Decimal]) -> Decimal | None:
    """Σ of `year`'s amounts (by pool label; other years, regions and schemes are ignored) over the pools
    that fold into `key`: pools a year kept apart add up into the one `key` merges. None when that year
    has none of them. A pool of that year that merged what `key` keeps apart cannot be split: an error."""
    found = None
    for label, amount in totals.items():
        earlier = PoolKey.parse(label)
        if earlier.year != year or (earlier.region, earlier.scheme) != (key.region, key.scheme):
            continue
        if folds_into(earlier, key):
            found = (found or Decimal(0)) + amount
        elif _overlap(earlier.insutype, key.insutype) and _overlap(earlier.origin, key.origin):
            raise BudgetHistoryError(key.label, f"{label} merged what this pool keeps apart: its total cannot be split")
    return found


def _overlap(a: object, b: object) -> bool:
    return a is None or b is None or a == b


class PoolConfig(_Frozen):
    key: PoolKey
    provisional_rate: Positive  # R_p yuan per RW (DRG) or V_p yuan per point (DIP)
    budget_source: BudgetSource = BudgetSource.FIXED
    budget: NonNegative | None = None  # B_p; required when budget_source is fixed, read only then
    # history: the years averaged (1: last year; 3: the last three), seed 000 "上年度(或前三年)"
    history_years: Literal[1, 3] = 1
    # history: B_p = that average × (1 + growth_rate); the seed leaves the growth open, default 0
    growth_rate: Annotated[Decimal, Field(gt=-1)] = Decimal("0")
    # item_fund_payments: an estimate of the year's B_p for alerts (none: the previous year's, if stored)
    budget_estimate: Positive | None = None

    @property
    def history_span(self) -> tuple[int, ...]:
        """The years a history budget reads, oldest first."""
        return tuple(range(self.key.year - self.history_years, self.key.year))

    def history_from(self, totals: Mapping[str, Decimal]) -> dict[int, Decimal]:
        """`budget_for`'s history from clearing totals by pool label (any years, regions): per year of
        history_span, the total of that year's pools that fold into this one; years with none left out."""
        history = {}
        for year in self.history_span:
            total = pool_year_total(self.key, year, totals)
            if total is not None:
                history[year] = total
        return history

    def budget_for(self, item_fund_payments: Decimal = Decimal("0.00"),
                   history: Mapping[int, Decimal] | None = None) -> Decimal:
        """B_p: the fixed budget; Σ F the insured regions paid per item for the pool's cases; or, for
        history, the mean of the clearing totals of history_span's years (history: by year) ×
        (1 + growth_rate), half-up to the fen. Raises BudgetHistoryError naming the years missing."""
        if self.budget_source is BudgetSource.ITEM_FUND_PAYMENTS:
            return item_fund_payments
        if self.budget_source is BudgetSource.FIXED:
            return self.budget
        history = history or {}
        missing = tuple(year for year in self.history_span if year not in history)
        if missing:
            raise BudgetHistoryError(
                self.key.label, f"budget_source 'history' needs the clearing totals of "
                f"{', '.join(map(str, self.history_span))}; missing: {', '.join(map(str, missing))}", missing)
        total = sum((history[year] for year in self.history_span), Decimal(0))
        return to_fen(total * (1 + self.growth_rate) / self.history_years)

    @model_validator(mode="after")
    def _budget_given(self) -> "PoolConfig":
        source = self.budget_source
        if source is BudgetSource.FIXED and self.budget is None:
            raise ValueError("budget is required when budget_source is 'fixed'")
        if source is not BudgetSource.FIXED and self.budget is not None:
            raise ValueError(f"budget is read only when budget_source is 'fixed', not '{source}'")
        only = {"history_years": BudgetSource.HISTORY, "growth_rate": BudgetSource.HISTORY,
                "budget_estimate": BudgetSource.ITEM_FUND_PAYMENTS}
        for name in sorted(self.model_fields_set & only.keys()):
            if source is not only[name]:
                raise ValueError(f"{name} is read only when budget_source is '{only[name]}', not '{source}'")
        return self


class BedDayCategory(_Frozen):
    """A bed-day category (按床日, seed 000 二(一): long psychiatric and rehabilitation stays; seed 003 四(四):
    精神疾病、安宁疗护等): which stays it takes and what a day pays.

    A stay is taken when its LOS is at least `min_days` and any selector matches: the hospital's type
    (hospitals.csv `hospital_type`), the list's discharge department (`dscg_caty`, else `adm_caty`), or the
    principal diagnosis (ICD-10 codes or ranges: "F20-F29" takes F20 to F29.x, "Z51.5" takes Z51.5 and its
    extensions). Payment = min(LOS, max_days) × the daily rate for the hospital's class (`rates`, by level
    "1"/"2"/"3" or grade label as in the weight tables), else `rate`."""

    name: str = ""
    rate: Positive | None = None  # yuan per day, every hospital class without its own entry in `rates`
    rates: dict[str, Positive] = {}  # yuan per day by hospital class (level "1"/"2"/"3", or grade, e.g. 三甲)
    max_days: int | None = Field(default=None, ge=1)  # days paid at most per stay (default: every day)
    min_days: int = Field(default=0, ge=0)  # shorter stays are priced by group (default: any stay)
    hospital_types: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    diagnoses: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _usable(self) -> "BedDayCategory":
        if self.rate is None and not self.rates:
            raise ValueError("a bed-day category needs a rate (yuan per day) or rates by hospital class")
        if not (self.hospital_types or self.departments or self.diagnoses):
            raise ValueError("a bed-day category needs hospital_types, departments or diagnoses to select stays")
        for spec in self.diagnoses:
            _diagnosis_range(spec)
        return self

    def daily_rate(self, hospital: "Hospital") -> Decimal | None:
        for wanted in hospital.classes:
            if wanted in self.rates:
                return self.rates[wanted]
        return self.rate

    def takes(self, hospital: "Hospital", principal_diagnosis: str, departments: tuple[str, ...], los: int) -> bool:
        if los < self.min_days:
            return False
        if hospital.hospital_type in self.hospital_types:
            return True
        if any(d in self.departments for d in departments):
            return True
        return any(_in_range(principal_diagnosis, spec) for spec in self.diagnoses)


def _diagnosis_range(spec: str) -> tuple[str, str]:
    """("F20", "F29") of "F20-F29"; ("Z51.5", "Z51.5") of "Z51.5". Compared on the code's first len chars."""
    low, _, high = spec.partition("-")
    low, high = low.strip().upper(), (high or low).strip().upper()
    pattern = r"^[A-Z]\d{2}(\.\d{1,4})?$"
    if not re.match(pattern, low) or not re.match(pattern, high) or len(low) != len(high) or low > high:
        raise ValueError(f"diagnoses: {spec!r} is not an ICD-10 code or range like 'F20-F29' or 'Z51.5'")
    return low, high


def _in_range(code: str, spec: str) -> bool:
    low, high = _diagnosis_range(spec)
    return low <= code.upper()[: len(low)] <= high


class RegionYear(_Frozen):
    region: RegionCode
    name: str = ""
    year: int
    scheme: Scheme
    scheme_version: str
    merge_insutypes: bool = False
    merge_origins: bool = False
    weight_table: WeightTable | None = None
    dip_catalogue: DipCatalogue | None = None
    pools: dict[str, PoolConfig]  # by PoolKey.label
    bed_day: dict[str, BedDayCategory] = {}  # by category code; first match in file order wins
    policy: Policy = Policy()

    @model_validator(mode="after")
    def _consistent(self) -> "RegionYear":
        if self.scheme is Scheme.DRG and self.weight_table is None:
            raise ValueError("a DRG region needs a weight_table")
        if self.scheme is Scheme.DIP and self.dip_catalogue is None:
            raise ValueError("a DIP region needs a dip_catalogue")
        for pool in self.pools.values():
            k = pool.key
            if (k.region, k.year, k.scheme) != (self.region, self.year, self.scheme):
                raise ValueError(f"pool {k.label} does not belong to {self.region}/{self.year}/{self.scheme}")
            if (k.insutype is None) != self.merge_insutypes or (k.origin is None) != self.merge_origins:
                raise ValueError(f"pool {k.label} does not match the merge flags")
        missing = [k.label for k in self.expected_pool_keys() if k.label not in self.pools]
        if missing:
            raise ValueError(f"pools missing: {', '.join(missing)}")
        return self

    def bed_day_category(self, hospital: "Hospital", principal_diagnosis: str, departments: tuple[str, ...],
                         los: int) -> str | None:
        """The first configured bed-day category that takes the stay (seed 000 二(一), seed 003 四(四))."""
        return next((code for code, c in self.bed_day.items()
                     if c.takes(hospital, principal_diagnosis, departments, los)), None)

    def expected_pool_keys(self) -> list[PoolKey]:
        insutypes = [None] if self.merge_insutypes else list(InsuranceType)
        origins = [None] if self.merge_origins else list(Origin)
        return [
            PoolKey(region=self.region, year=self.year, scheme=self.scheme, insutype=i, origin=o)
            for i in insutypes
            for o in origins
        ]

    def pool_key(self, insutype: str, cross_region: bool) -> PoolKey:
        return PoolKey(
            region=self.region,
            year=self.year,
            scheme=self.scheme,
            insutype=None if self.merge_insutypes else InsuranceType(insutype),
            origin=None if self.merge_origins else (Origin.CROSS if cross_region else Origin.LOCAL),
        )


class Hospital(_Frozen):
    code: str = Field(min_length=1)
    name: str
    region: RegionCode
    level: int = Field(ge=1, le=3)
    grade: str | None = None  # finer class label used by published tables, e.g. 三甲
    basic_coefficient: Positive
    bonus_coefficient: Decimal = Decimal("0")
    # what bed-day categories select on (e.g. psychiatric, rehabilitation, palliative); default general
    hospital_type: str = "general"
    # 省本级 (seed 000 二(一)): the region whose pool takes this hospital's cross-region cases, when not its own
    pool_region: RegionCode | None = None
    # hospital categories for DIP score bonuses (分值加成: 中医医院, 重点专科, ...); CSV: `;`-separated
    categories: tuple[str, ...] = ()

    @field_validator("categories", mode="before")
    @classmethod
    def _split_categories(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(c.strip() for c in value.split(";") if c.strip())
        return value

    @property
    def coefficient(self) -> Decimal:
        """C_h = basic + bonus (等级系数 + 加成系数)."""
        return self.basic_coefficient + self.bonus_coefficient

    @property
    def classes(self) -> tuple[str, ...]:
        """Class labels to look up in per-group tables, most specific first."""
        return (self.grade, str(self.level)) if self.grade else (str(self.level),)


class InsuredBudget(_Frozen):
    """An insured region's annual budget for its insured people's cross-region inpatient care."""

    region: RegionCode
    year: int
    budget: NonNegative


class ProvinceConfig(_Frozen):
    province: RegionCode
    name: str = ""
    version: str = Field(min_length=1)
    effective_date: date
    source_dir: Path
    hospitals: dict[str, Hospital]
    region_years: dict[str, RegionYear]  # by "region-year"
    insured_budgets: dict[str, InsuredBudget] = {}  # by "region-year"
    policy: Policy = Policy()  # province defaults (recovered split is read from here)

    def hospital(self, code: str) -> Hospital:
        try:
            return self.hospitals[code]
        except KeyError:
            raise KeyError(f"hospital {code} is not configured") from None

    def region_year(self, region: str, year: int) -> RegionYear:
        try:
            return self.region_years[f"{region}-{year}"]
        except KeyError:
            raise KeyError(f"region {region} has no configuration for {year}") from None

    def pricing_region(self, hospital_code: str, treatment_region: str, scope: str) -> str:
        """The region whose rules and pool take a case: a hospital's `pool_region` for its cross-region
        cases (省本级, seed 000 二(一): cross-region cases at provincial hospitals in Nanchang are paid under
        the province-level DIP pool), else the treatment region. Grouper and pricing both apply this rule."""
        hospital = self.hospitals.get(hospital_code)
        if (hospital is not None and hospital.pool_region and hospital.region == treatment_region
                and scope == "cross-region"):
            return hospital.pool_region
        return treatment_region

    def pool_for(self, region: str, year: int, insutype: str, cross_region: bool) -> PoolKey:
        return self.region_year(region, year).pool_key(insutype, cross_region)

    def pool(self, key: PoolKey) -> PoolConfig:
        return self.region_year(key.region, key.year).pools[key.label]

    def pools(self, region: str, year: int) -> list[PoolConfig]:
        return list(self.region_year(region, year).pools.values())

    def insured_budget(self, region: str, year: int) -> InsuredBudget | None:
        return self.insured_budgets.get(f"{region}-{year}")
