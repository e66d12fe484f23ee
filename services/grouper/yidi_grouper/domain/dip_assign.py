"""A DIP case's type as the region configures it (seed 003 三(一)/(二), yidi_common.regional_config.DipPolicy).

按床日 types (seed 003 三(一), 四(四)) are the region's bed-day categories, which pricing applies before any
type (`RegionYear.bed_day`, by hospital type, department or principal diagnosis). Order of decisions:
1. 日间手术 (seed 003 三(二)): stay of at most `day_surgery.max_los_days` with a listed procedure and the
   catalogue lists `日间:<procedure>` -> that type;
2. core, then comprehensive type (group_dip_configured);
3. on the type found in 2: 中医优势病种 when listed in `tcm.types` and the list carries a TCM marker,
   else 基层病种 when listed in `primary_types`;
4. 疾病严重程度 (seed 003 三(一) 辅助目录) for the types of 2: the level from the secondary diagnoses,
   death and age; pricing multiplies the points by the level's coefficient.
Abnormal cost (违规行为监督辅助目录) needs the type's mean cost, so pricing detects it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.regional_config import DipPolicy, DipSeverity

from .codes import canonical_code
from .dip import DAY_SURGERY, day_surgery_procedure, group_dip_configured

DEATH = "5"  # 离院方式 死亡


@dataclass(frozen=True, slots=True)
class DipAssignment:
    type_code: str  # "" when no type fits
    kind: str  # core / comprehensive / day_surgery / ""
    category: str | None  # tcm / primary / day_surgery; None for plain core/comprehensive types
    score: Decimal  # the catalogue's D_g (0: no type)
    severity: int  # 0: none
    severity_codes: tuple[str, ...]  # the secondary diagnoses that set the level
    explanation: tuple[str, ...]


def _longest_prefix(code: str, table: Mapping[str, object]) -> str | None:
    code = canonical_code(code)
    found = [prefix for prefix in table if code.startswith(canonical_code(prefix))]
    return max(found, key=len) if found else None


def severity_level(case, severity: DipSeverity) -> tuple[int, tuple[str, ...], list[str]]:
    """(level, codes that set it, reasons): the highest of the secondary diagnoses' listed levels, the
    death level when the patient died, the elderly level at elderly_age or older."""
    level, codes, reasons = 0, [], []
    for code in case.diagnoses[1:]:
        prefix = _longest_prefix(code, severity.diagnoses)
        if prefix is None:
            continue
        found = severity.diagnoses[prefix]
        reasons.append(f"{canonical_code(code)} severity {found} (listed as {prefix})")
        if found > level:
            level, codes = found, [canonical_code(code)]
        elif found == level:
            codes.append(canonical_code(code))
    if severity.death_level and str(getattr(case, "discharge_way", "")) == DEATH and severity.death_level > level:
        level = severity.death_level
        reasons.append(f"died: severity {severity.death_level}")
    if severity.elderly_level and getattr(case, "age", 0) >= severity.elderly_age and severity.elderly_level > level:
        level = severity.elderly_level
        reasons.append(f"age {case.age} >= {severity.elderly_age}: severity {severity.elderly_level}")
    return level, tuple(codes), reasons


def tcm_marker(case, policy: DipPolicy, herbal_share: Decimal) -> str | None:
    """Why the list counts as TCM treatment (a listed treatment code, or 中药饮片's share); None if not."""
    for code in case.procedures:
        if any(canonical_code(code).startswith(canonical_code(t)) for t in policy.tcm.treatments):
            return f"TCM treatment {canonical_code(code)}"
    if herbal_share and herbal_share >= policy.tcm.min_herbal_share:
        return f"中药饮片 {herbal_share:.2%} of the cost >= {policy.tcm.min_herbal_share:.0%}"
    return None


def assign_dip(case, types: Mapping[str, object], procedure_kinds: Mapping[str, str], policy: DipPolicy,
               herbal_share: Decimal = Decimal(0)) -> DipAssignment:
    """The case's DIP type, category and severity (see the module's order of decisions)."""
    day = day_surgery_procedure(case, policy.day_surgery.procedures, policy.day_surgery.max_los_days)
    day_type = types.get(f"{DAY_SURGERY}:{day}") if day else None
    if day_type is not None:
        code = f"{DAY_SURGERY}:{day}"
        return DipAssignment(code, "day_surgery", "day_surgery", Decimal(day_type.score), 0, (), (
            f"日间手术 type {code}: stay {case.los} day(s) <= {policy.day_surgery.max_los_days} with {day}",
            f"score {day_type.score} (mean cost {day_type.mean_cost})"))
    result = group_dip_configured(case, types, procedure_kinds)
    explanation = list(result.explanation)
    if day:
        explanation.insert(0, f"day surgery {day} but no type {DAY_SURGERY}:{day} in the catalogue")
    if not result.type_code:
        return DipAssignment("", "", None, Decimal(0), 0, (), tuple(explanation))
    category = None
    if result.type_code in policy.tcm.types:
        marker = tcm_marker(case, policy, herbal_share)
        if marker:
            category = "tcm"
            explanation.append(f"中医优势病种 {result.type_code}: {marker}")
        else:
            explanation.append(f"{result.type_code} is a 中医优势病种 but the list carries no TCM marker")
    if category is None and result.type_code in policy.primary_types:
        category = "primary"
        explanation.append(f"基层病种 {result.type_code}: the same score at every hospital level")
    level, codes, reasons = severity_level(case, policy.severity)
    if level:
        explanation.append(f"severity level {level} (× {policy.severity.coefficient(level)}): " + "; ".join(reasons))
    return DipAssignment(result.type_code, result.kind, category, result.score, level, codes, tuple(explanation))
