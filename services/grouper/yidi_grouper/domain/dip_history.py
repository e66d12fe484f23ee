"""A region's history for the DIP catalogue builder: one case a JSON object (JSON lines or a list).

A case is either a settlement list (医保结算清单, with `setlinfo`: region, year, stay, codes and total cost
come from it) or a short record:

    {"id": "C1", "region": "360500", "year": 2025, "diagnoses": ["K80.100"], "procedures": ["51.2301"],
     "los": 5, "total_cost": "12000.00"}

`region` and `year` are optional in a short record (then the case is taken whatever region or year is
asked for). Every problem is named with its case's position and field; nothing is skipped silently.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from yidi_common.settlement_list import SettlementList

from .codes import DIAGNOSIS_CODE, PROCEDURE_CODE, canonical_code
from .dip import DipCatalogue, build_catalogue


FEN = Decimal("0.01")
MAX_COST = Decimal("1e12")
MAX_LOS = 3650
YEARS = (1900, 2200)


def _is_code(code: object, form: re.Pattern[str]) -> bool:
    return isinstance(code, str) and bool(form.match(canonical_code(code)))


@dataclass(frozen=True, slots=True)
class HistoryCase:
    id: str
    diagnoses: tuple[str, ...]  # principal first
    procedures: tuple[str, ...]  # main first
    los: int
    total_cost: Decimal
    region: str | None = None
    year: int | None = None


@dataclass
class History:
    cases: list[HistoryCase] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)  # {field, message}
    skipped: int = 0  # other regions or years

    def pairs(self) -> list[tuple[HistoryCase, Decimal]]:
        """What build_catalogue takes."""
        return [(case, case.total_cost) for case in self.cases]


def read_history(items: Iterable[Mapping[str, Any] | Exception], *, region: str | None = None,
                 year: int | None = None, prefix: str = "cases") -> History:
    """Cases of `region` and `year` (None: any). An item that is an Exception is a line that could not
    be parsed; its problem is kept like any other."""
    history = History()
    for number, item in enumerate(items):
        where = f"{prefix}[{number}]"
        if isinstance(item, Exception):
            history.problems.append({"field": where, "message": f"not JSON: {item}"})
            continue
        case, problems = _case(item, where)
        if problems:
            history.problems += problems
        elif (region and case.region not in (None, region)) or (year and case.year not in (None, year)):
            history.skipped += 1
        else:
            history.cases.append(case)
    return history


def _case(item: Any, where: str) -> tuple[HistoryCase | None, list[dict[str, str]]]:
    if not isinstance(item, Mapping):
        return None, [{"field": where, "message": "a case is a JSON object"}]
    if "setlinfo" in item:
        return _from_settlement_list(item, where)
    problems = []
    diagnoses = item.get("diagnoses")
    if not isinstance(diagnoses, list) or not diagnoses or not all(_is_code(d, DIAGNOSIS_CODE) for d in diagnoses):
        problems.append({"field": f"{where}.diagnoses", "message": "a non-empty list of ICD-10 codes, principal first"})
    procedures = item.get("procedures", [])
    if not isinstance(procedures, list) or not all(_is_code(p, PROCEDURE_CODE) for p in procedures):
        problems.append({"field": f"{where}.procedures", "message": "a list of ICD-9-CM-3 codes"})
    try:
        cost = Decimal(str(item.get("total_cost")))
        if not cost.is_finite() or cost <= 0 or cost >= MAX_COST or cost != cost.quantize(FEN):
            raise InvalidOperation
    except InvalidOperation:
        problems.append({"field": f"{where}.total_cost", "message": "a positive amount in yuan, at most 12 digits "
                         f"before the point and 2 after, got {item.get('total_cost')!r}"})
    los = item.get("los", 0)
    if not isinstance(los, int) or isinstance(los, bool) or not 0 <= los <= MAX_LOS:
        problems.append({"field": f"{where}.los", "message": f"days, a whole number 0-{MAX_LOS}, got {los!r}"})
    region, year = item.get("region"), item.get("year")
    if region is not None and not (isinstance(region, str) and len(region) == 6 and region.isdigit()):
        problems.append({"field": f"{where}.region", "message": f"a six-digit region code, got {region!r}"})
    if year is not None and not (isinstance(year, int) and not isinstance(year, bool) and YEARS[0] <= year <= YEARS[1]):
        problems.append({"field": f"{where}.year", "message": f"a year {YEARS[0]}-{YEARS[1]}, got {year!r}"})
    if problems:
        return None, problems
    return HistoryCase(id=str(item.get("id", "")), diagnoses=tuple(diagnoses), procedures=tuple(procedures),
                       los=los, total_cost=cost, region=region, year=year), []


def _from_settlement_list(item: Mapping[str, Any], where: str) -> tuple[HistoryCase | None, list[dict[str, str]]]:
    try:
        sl = SettlementList.model_validate(item)
    except ValidationError as e:
        return None, [{"field": ".".join([where, *(str(p) for p in err["loc"])]), "message": err["msg"]}
                      for err in e.errors()]
    info = sl.setlinfo
    codes = [("diseinfo", c, DIAGNOSIS_CODE) for c in sl.ordered_diagnoses()]
    codes += [("oprninfo", c, PROCEDURE_CODE) for c in sl.ordered_procedures()]
    bad = [{"field": f"{where}.{part}", "message": f"{code!r} is not a code"} for part, code, form in codes
           if not _is_code(code, form)]
    if bad:
        return None, bad
    return HistoryCase(id=info.setl_id, diagnoses=tuple(sl.ordered_diagnoses()),
                       procedures=tuple(sl.ordered_procedures()), los=info.act_ipt_days, total_cost=sl.total_cost,
                       region=info.treat_admdvs, year=int(info.setl_period[:4])), []


class CatalogueOptions(BaseModel):
    """The builder's thresholds (seed 003 三(一) leaves them to the region; DOMAIN.md §4 defaults)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    core_threshold: int = Field(default=15, ge=1, le=1_000_000, description="cases a diagnosis + procedures combination needs "
                                "to be a core type (核心病种); DOMAIN.md §4 default N = 15")
    category_threshold: int = Field(default=1, ge=1, le=1_000_000, description="cases a comprehensive ICD-10 category type "
                                    "needs; thinner ones roll up to their chapter (1: keep every category)")
    base_type: str | None = Field(default=None, max_length=200, description="reference type (基准病种) whose mean scores 1000; "
                                  "none: the mean of every case")
    day_surgery_procedures: tuple[str, ...] = Field(default=(), description="procedures of day-surgery types "
                                                    "(日间手术病种 日间:<procedure>)")
    day_surgery_max_los: int = Field(default=1, ge=0, le=MAX_LOS, description="longest stay, days, of a day-surgery case")
    day_surgery_threshold: int | None = Field(default=None, ge=1, le=1_000_000, description="cases a day-surgery type needs "
                                              "(default: core_threshold)")

    @field_validator("day_surgery_procedures")
    @classmethod
    def _procedure_codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        bad = [repr(code) for code in codes if not _is_code(code, PROCEDURE_CODE)]
        if bad:
            raise ValueError(f"not ICD-9-CM-3 procedure codes: {', '.join(bad)}")
        return tuple(canonical_code(code) for code in codes)


def build_from_history(history: Iterable[tuple[object, Decimal]], procedure_kinds: dict[str, str],
                       options: CatalogueOptions, version: str = "") -> DipCatalogue:
    """The one way a catalogue is built: the CLI, the grouper's API and the demo generator call this.
    Raises ValueError when the base type is not among the types built."""
    return build_catalogue(history, procedure_kinds, min_cases=options.core_threshold, base_type=options.base_type,
                           version=version, min_category_cases=options.category_threshold,
                           day_surgery_procedures=options.day_surgery_procedures,
                           day_surgery_max_los=options.day_surgery_max_los,
                           day_surgery_min_cases=options.day_surgery_threshold)
