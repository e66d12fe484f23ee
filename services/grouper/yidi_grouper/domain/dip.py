"""DIP (按病种分值付费): catalogue building from history and grouping against a catalogue.

Core type (核心病种): principal diagnosis category (first 5 characters, e.g. K80.1) + the set
of procedures of the case (none = 保守), when the history holds at least `min_cases` cases.
Comprehensive type (综合病种): the remaining cases by ICD-10 category (3 characters) + the
most invasive procedure kind (手术 > 介入治疗 > 治疗性操作 > 诊断性操作 > 保守, from
icd/icd9cm3-procedure-category.dat). Score D_g = 1000 × mean_cost_g / mean_cost_ref, where the
reference is all cases or a named base type (基准病种).
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from .codes import canonical_code

CONSERVATIVE = "保守"
KIND_RANK = {"手术": 4, "介入治疗": 3, "治疗性操作": 2, "诊断性操作": 1}
SCORE_QUANTUM = Decimal("0.0001")
COST_QUANTUM = Decimal("0.01")


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

    @classmethod
    def load(cls, path: str | Path) -> "DipCatalogue":
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        types = {}
        for item in data["types"]:
            item = {**item, "mean_cost": Decimal(item["mean_cost"]), "score": Decimal(item["score"])}
            types[item["code"]] = DipType(**item)
        return cls(version=data["version"], min_cases=data["min_cases"], reference=data["reference"],
                   reference_mean=Decimal(data["reference_mean"]), types=types, procedure_kinds=data["procedure_kinds"])


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


def comprehensive_key(principal: str, procedures: Iterable[str], kinds: dict[str, str]) -> tuple[str, str]:
    ranked = [kinds.get(canonical_code(code), "治疗性操作") for code in procedures if code]
    kind = max(ranked, key=lambda k: KIND_RANK.get(k, 0)) if ranked else CONSERVATIVE
    return canonical_code(principal)[:3], kind


def build_catalogue(history: Iterable[tuple[object, Decimal]], procedure_kinds: dict[str, str], *,
                    min_cases: int = 15, base_type: str | None = None, version: str = "") -> DipCatalogue:
    """history: (case with .diagnoses and .procedures, total cost) pairs of grouped lists."""
    cases = [(case.diagnoses[0], tuple(case.procedures), Decimal(cost)) for case, cost in history if case.diagnoses]
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
    groups += [("comprehensive", key, costs) for key, costs in rest.items()]
    means = {f"{d}:{p}": (kind, d, p, len(c), sum(c) / len(c)) for kind, (d, p), c in groups}
    if base_type:
        if base_type not in means:
            raise ValueError(f"base type {base_type} not in the catalogue")
        reference_mean = means[base_type][4]
    else:
        reference_mean = sum(cost for *_, cost in cases) / len(cases) if cases else Decimal(0)
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
    broad = catalogue.types.get(f"{category}:{kind}")
    if broad:
        return DipResult(case_id, broad.code, "comprehensive", broad.score, (
            f"no core type {diagnosis}:{codes}; comprehensive type {broad.code} (category {category}, {kind})",
            f"score {broad.score} = 1000 × {broad.mean_cost} / {catalogue.reference_mean}"))
    return DipResult(case_id, "", "", Decimal(0), (f"no core type {diagnosis}:{codes} and no comprehensive type {category}:{kind}",))
