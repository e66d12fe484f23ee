"""DIP (按病种分值付费): catalogue building from history and grouping against a catalogue.

Core type (核心病种): principal diagnosis category (first 5 characters, e.g. K80.1) + the set
of procedures of the case (none = 保守), when the history holds at least `min_cases` cases.
Comprehensive type (综合病种): the remaining cases by ICD-10 category (3 characters) + the
most invasive procedure kind (手术 > 介入治疗 > 治疗性操作 > 诊断性操作 > 保守, from
icd/icd9cm3-procedure-category.dat). A catalogue may roll thin categories up to their ICD-10
chapter (`K00-K93:手术`). Score D_g = 1000 × mean_cost_g / mean_cost_ref, where the reference is
all cases or a named base type (基准病种).

Type codes: `<diagnosis>:<procedures | 保守 | kind>`, diagnosis being the 5-character category
(core), the 3-character category or the chapter range (comprehensive). `group_dip` groups against
a catalogue built here; `group_dip_configured` against a region's configured catalogue (codes to
entries with `.score` and `.mean_cost`), trying core, category, then chapter.
"""
from __future__ import annotations

import csv
import json
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from .codes import canonical_code

CONSERVATIVE = "保守"
DAY_SURGERY = "日间"  # day-surgery type codes: 日间:<procedure>
KIND_RANK = {"手术": 4, "介入治疗": 3, "治疗性操作": 2, "诊断性操作": 1}
SCORE_QUANTUM = Decimal("0.0001")
COST_QUANTUM = Decimal("0.01")
DEFAULT_KIND = "治疗性操作"  # a procedure the category file does not list
# ICD-10 chapters as (first category, label); a category belongs to the last chapter starting at or before it
ICD10_CHAPTERS = (
    ("A00", "A00-B99"), ("C00", "C00-D48"), ("D50", "D50-D89"), ("E00", "E00-E90"), ("F00", "F00-F99"),
    ("G00", "G00-G99"), ("H00", "H00-H59"), ("H60", "H60-H95"), ("I00", "I00-I99"), ("J00", "J00-J99"),
    ("K00", "K00-K93"), ("L00", "L00-L99"), ("M00", "M00-M99"), ("N00", "N00-N99"), ("O00", "O00-O99"),
    ("P00", "P00-P96"), ("Q00", "Q00-Q99"), ("R00", "R00-R99"), ("S00", "S00-T98"), ("U00", "U00-U85"),
    ("V00", "V01-Y98"), ("Z00", "Z00-Z99"),
)
_CHAPTER_STARTS = [start for start, _ in ICD10_CHAPTERS]


@dataclass(frozen=True, slots=True)
class DipType:
    code: str
    kind: str  # core | comprehensive
    diagnosis: str  # K80.1 (core) or K80 (comprehensive)
    procedures: str  # "+"-joined sorted procedure codes, 保守, or the procedure kind
    cases: int
    mean_cost: Decimal
    score: Decimal


@dataclass(frozen=True)
class DipCatalogue:
    version: str
    min_cases: int
    reference: str  # "all" or the base type's code
    reference_mean: Decimal
    types: dict[str, DipType]
    procedure_kinds: dict[str, str]

    def save(self, path: str | Path) -> None:
        data = {
            "version": self.version, "min_cases": self.min_cases, "reference": self.reference,
            "reference_mean": str(self.reference_mean),
            "types": [{**asdict(t), "mean_cost": str(t.mean_cost), "score": str(t.score)} for t in self.types.values()],
            "procedure_kinds": self.procedure_kinds,
        }
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")

    def rows(self) -> list[dict[str, str]]:
        """One row a type in the region configuration's catalogue layout (loader.load_dip_catalogue):
        code, name, kind, cases, score, mean_cost, base_group (基础病种 paid at C = 1: the bureau's
        choice, left empty; the reference type 基准病种 is `reference`)."""
        return [{"code": t.code, "name": type_name(t), "kind": t.kind, "cases": str(t.cases), "score": str(t.score),
                 "mean_cost": str(t.mean_cost), "base_group": ""}
                for t in self.types.values()]

    def save_csv(self, path: str | Path) -> None:
        with Path(path).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows())

    @classmethod
    def load(cls, path: str | Path) -> "DipCatalogue":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        types = {}
        for item in data["types"]:
            item = {**item, "mean_cost": Decimal(item["mean_cost"]), "score": Decimal(item["score"])}
            types[item["code"]] = DipType(**item)
        return cls(version=data["version"], min_cases=data["min_cases"], reference=data["reference"],
                   reference_mean=Decimal(data["reference_mean"]), types=types, procedure_kinds=data["procedure_kinds"])


CSV_COLUMNS = ("code", "name", "kind", "cases", "score", "mean_cost", "base_group")
KIND_NAMES = {"core": "核心病种", "comprehensive": "综合病种", "day_surgery": "日间手术病种"}


def type_name(t: DipType) -> str:
    """A plain name from the code: `K80.1 51.2301 (核心病种)`; bureaus add clinical names by hand."""
    treatment = "保守治疗" if t.procedures == CONSERVATIVE else t.procedures.replace("+", " + ")
    return f"{t.diagnosis} {treatment} ({KIND_NAMES.get(t.kind, t.kind)})"


@dataclass(frozen=True, slots=True)
class DipResult:
    id: str
    type_code: str  # "" when no type fits
    kind: str  # core | comprehensive | ""
    score: Decimal
    explanation: tuple[str, ...]


def load_procedure_kinds(path: str | Path) -> dict[str, str]:
    """icd9cm3-procedure-category.dat: `code kind` per line."""
    kinds = {}
    for line in Path(path).read_text(encoding="utf-8-sig").splitlines():
        parts = line.split()
        if len(parts) >= 2:
            kinds[canonical_code(parts[0])] = parts[1]
    return kinds


def core_key(principal: str, procedures: Iterable[str]) -> tuple[str, str]:
    category = canonical_code(principal)[:5]
    codes = sorted({canonical_code(code) for code in procedures if code})
    return category, "+".join(codes) if codes else CONSERVATIVE


def procedure_kind(procedures: Iterable[str], kinds: Mapping[str, str]) -> str:
    """The most invasive kind among the procedures; 保守 when there are none."""
    ranked = [kinds.get(canonical_code(code), DEFAULT_KIND) for code in procedures if code]
    return max(ranked, key=lambda k: KIND_RANK.get(k, 0)) if ranked else CONSERVATIVE


def comprehensive_key(principal: str, procedures: Iterable[str], kinds: Mapping[str, str]) -> tuple[str, str]:
    return canonical_code(principal)[:3], procedure_kind(procedures, kinds)


def icd10_chapter(code: str) -> str | None:
    """The ICD-10 chapter range of a diagnosis code (`K80.100` -> `K00-K93`); None if not a letter code."""
    category = canonical_code(code)[:3]
    if len(category) < 3 or not category[0].isalpha():
        return None
    index = bisect_right(_CHAPTER_STARTS, category) - 1
    return ICD10_CHAPTERS[index][1] if index >= 0 else None


def chapter_key(principal: str, procedures: Iterable[str], kinds: Mapping[str, str]) -> tuple[str, str] | None:
    chapter = icd10_chapter(principal)
    return (chapter, procedure_kind(procedures, kinds)) if chapter else None


def day_surgery_procedure(case, procedures: Iterable[str], max_los_days: int) -> str | None:
    """日间手术 (seed 003 三(二)): the case's first procedure (main first) in `procedures` when its stay
    is at most max_los_days; None otherwise."""
    listed = {canonical_code(code) for code in procedures}
    if not listed or getattr(case, "los", 0) > max_los_days:
        return None
    return next((canonical_code(c) for c in case.procedures if c and canonical_code(c) in listed), None)


def build_catalogue(history: Iterable[tuple[object, Decimal]], procedure_kinds: dict[str, str], *,
                    min_cases: int = 15, base_type: str | None = None, version: str = "",
                    min_category_cases: int = 1, day_surgery_procedures: Iterable[str] = (),
                    day_surgery_max_los: int = 1, day_surgery_min_cases: int | None = None) -> DipCatalogue:
    """history: (case with .diagnoses, .procedures and .los, total cost) pairs of grouped lists.

    Seed 003 三(一): 核心病种 (diagnosis + procedures with at least `min_cases` cases, DOMAIN.md §4
    default 15) and 综合病种 for the rest; 三(二): each type's score is its mean cost against the
    reference's (all cases, or the base type 基准病种) × 1000.
    min_category_cases: a comprehensive category type needs at least this many cases; the cases of
    thinner ones roll up into comprehensive chapter types (`K00-K93:手术`). 1 keeps every category.
    day_surgery_procedures: cases of at most `day_surgery_max_los` days with one of them form the
    day-surgery type `日间:<procedure>` (日间手术病种) when at least `day_surgery_min_cases` (default
    min_cases) of them; thinner ones stay in the core/comprehensive types.
    """
    day_min = min_cases if day_surgery_min_cases is None else day_surgery_min_cases
    listed = tuple(day_surgery_procedures)
    day_groups: dict[str, list[Decimal]] = {}
    cases = []
    for case, cost in history:
        if not case.diagnoses:
            continue
        day = day_surgery_procedure(case, listed, day_surgery_max_los)
        if day:
            day_groups.setdefault(day, []).append(Decimal(cost))
        cases.append((case.diagnoses[0], tuple(case.procedures), Decimal(cost), day))
    thin_days = {day for day, costs in day_groups.items() if len(costs) < day_min}
    all_costs = [cost for *_, cost, _ in cases]
    cases = [(principal, procedures, cost) for principal, procedures, cost, day in cases if not day or day in thin_days]
    core_groups: dict[tuple[str, str], list[Decimal]] = {}
    for principal, procedures, cost in cases:
        core_groups.setdefault(core_key(principal, procedures), []).append(cost)
    types: dict[str, DipType] = {}
    rest: dict[tuple[str, str], list[Decimal]] = {}
    for principal, procedures, cost in cases:
        key = core_key(principal, procedures)
        if len(core_groups[key]) >= min_cases:
            continue
        rest.setdefault(comprehensive_key(principal, procedures, procedure_kinds), []).append(cost)
    groups = [("core", key, costs) for key, costs in core_groups.items() if len(costs) >= min_cases]
    chapters: dict[tuple[str, str], list[Decimal]] = {}
    for (category, kind), costs in rest.items():
        chapter = icd10_chapter(category) if len(costs) < min_category_cases else None
        if chapter:
            chapters.setdefault((chapter, kind), []).extend(costs)
        else:
            groups.append(("comprehensive", (category, kind), costs))
    groups += [("comprehensive", key, costs) for key, costs in chapters.items()]
    groups += [("day_surgery", (DAY_SURGERY, day), costs) for day, costs in day_groups.items() if day not in thin_days]
    means = {f"{d}:{p}": (kind, d, p, len(c), sum(c) / len(c)) for kind, (d, p), c in groups}
    if base_type:
        if base_type not in means:
            raise ValueError(f"base type {base_type} not in the catalogue")
        reference_mean = means[base_type][4]
    else:
        reference_mean = sum(all_costs) / len(all_costs) if all_costs else Decimal(0)
    for code, (kind, diagnosis, procedures, count, mean) in sorted(means.items()):
        score = (Decimal(1000) * mean / reference_mean).quantize(SCORE_QUANTUM, ROUND_HALF_UP) if reference_mean else Decimal(0)
        types[code] = DipType(code=code, kind=kind, diagnosis=diagnosis, procedures=procedures, cases=count,
                              mean_cost=mean.quantize(COST_QUANTUM, ROUND_HALF_UP), score=score)
    return DipCatalogue(version=version, min_cases=min_cases, reference=base_type or "all",
                        reference_mean=reference_mean.quantize(COST_QUANTUM, ROUND_HALF_UP), types=types,
                        procedure_kinds=dict(procedure_kinds))


def group_dip(case, catalogue: DipCatalogue) -> DipResult:
    """Core type when the exact diagnosis+procedures type exists, else the comprehensive type."""
    case_id = getattr(case, "id", "")
    if not case.diagnoses:
        return DipResult(case_id, "", "", Decimal(0), ("principal diagnosis missing",))
    principal, procedures = case.diagnoses[0], case.procedures
    diagnosis, codes = core_key(principal, procedures)
    core = catalogue.types.get(f"{diagnosis}:{codes}")
    if core and core.kind == "core":
        return DipResult(case_id, core.code, "core", core.score, (
            f"core type {core.code}: diagnosis {diagnosis} + procedures {codes} ({core.cases} cases in history)",
            f"score {core.score} = 1000 × {core.mean_cost} / {catalogue.reference_mean}"))
    category, kind = comprehensive_key(principal, procedures, catalogue.procedure_kinds)
    chapter = icd10_chapter(principal)
    for level, key in (("category", category), ("chapter", chapter)):
        broad = catalogue.types.get(f"{key}:{kind}") if key else None
        if broad:
            return DipResult(case_id, broad.code, "comprehensive", broad.score, (
                f"no core type {diagnosis}:{codes}; comprehensive type {broad.code} ({level} {key}, {kind})",
                f"score {broad.score} = 1000 × {broad.mean_cost} / {catalogue.reference_mean}"))
    tried = f"{category}:{kind}" + (f" or {chapter}:{kind}" if chapter else "")
    return DipResult(case_id, "", "", Decimal(0), (f"no core type {diagnosis}:{codes} and no comprehensive type {tried}",))


def group_dip_configured(case, types: Mapping[str, object], procedure_kinds: Mapping[str, str]) -> DipResult:
    """Group against a region's configured catalogue: `types` maps type codes to entries with
    `.score` and `.mean_cost` (yidi_common.regional_config.DipType). Tries the core type
    (diagnosis category + the case's procedures), then the comprehensive type by ICD-10 category
    + procedure kind, then by ICD-10 chapter + procedure kind; no type: type_code "" and the reason.
    """
    case_id = getattr(case, "id", "")
    if not case.diagnoses:
        return DipResult(case_id, "", "", Decimal(0), ("principal diagnosis missing",))
    principal, procedures = case.diagnoses[0], case.procedures
    diagnosis, codes = core_key(principal, procedures)
    core_code = f"{diagnosis}:{codes}"
    core = types.get(core_code)
    if core is not None:
        return DipResult(case_id, core_code, "core", Decimal(core.score), (
            f"core type {core_code}: diagnosis {diagnosis} + procedures {codes}",
            f"score {core.score} (mean cost {core.mean_cost})"))
    kind = procedure_kind(procedures, procedure_kinds)
    explained = [f"{canonical_code(code)} {procedure_kinds.get(canonical_code(code), DEFAULT_KIND + ' (not listed)')}"
                 for code in procedures if code]
    kind_text = f"{kind} ({', '.join(explained)})" if explained else kind
    category, chapter = canonical_code(principal)[:3], icd10_chapter(principal)
    tried = []
    for level, key in (("category", category), ("chapter", chapter)):
        if not key:
            continue
        code = f"{key}:{kind}"
        tried.append(code)
        broad = types.get(code)
        if broad is not None:
            return DipResult(case_id, code, "comprehensive", Decimal(broad.score), (
                f"no core type {core_code}; comprehensive type {code} by {level} {key} + procedure kind {kind_text}",
                f"score {broad.score} (mean cost {broad.mean_cost})"))
    return DipResult(case_id, "", "", Decimal(0), (
        f"no DIP type fits: no core type {core_code} and no comprehensive type {' or '.join(tried)}"
        f" (procedure kind {kind_text}); paid per item",))
