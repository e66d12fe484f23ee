"""The CHS-DRG grouping kernel: one case in, MDC/ADRG/DRG and the decisions that led there out.

Order of decisions (DOMAIN.md §4, checked against the 1.1 rule text):
1. pre-MDC: MDCA by procedure or ventilator hours, MDCP (principal in its list, under one
   year), MDCY (principal in its list), MDCZ (principal in its list and trauma diagnoses in
   at least two body regions);
2. MDC by principal diagnosis, sex-specific MDCs first and only for that sex;
3. inside the MDC: surgical ADRGs, non-OR procedure ADRGs, the ambiguous group xQY when the
   main procedure is an operating-room procedure, medical ADRGs;
4. DRG by age/death qualifiers in DRG names, then MCC/CC with 7_CCE exclusions.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .codes import canonical_code
from .scheme import DEATH_WINDOW_DAYS, INFANT_DAYS, PRE_MDC, AdrgRule, Condition, DrgRule, Scheme

GROUPED, AMBIGUOUS, UNGROUPABLE = "grouped", "ambiguous", "ungroupable"
UNGROUPABLE_DRG = "0000"
DEATH, TRANSFER = "5", "2"


@dataclass(frozen=True, slots=True)
class GroupingInput:
    id: str
    gender: str  # "1" male, "2" female
    age: int  # years
    age_days: int | None = None
    birth_weight: int | None = None  # grams
    los: int = 0
    discharge_way: str = "1"
    ventilator_hours: float = 0.0
    diagnoses: tuple[str, ...] = ()  # principal first
    procedures: tuple[str, ...] = ()  # main first

    def __post_init__(self) -> None:
        object.__setattr__(self, "diagnoses", tuple(self.diagnoses))
        object.__setattr__(self, "procedures", tuple(self.procedures))

    @classmethod
    def from_settlement_list(cls, sl) -> "GroupingInput":
        info = sl.setlinfo
        return cls(
            id=info.setl_id,
            gender=str(info.gend.value if hasattr(info.gend, "value") else info.gend),
            age=info.age,
            age_days=info.nwb_age_days,
            birth_weight=info.nwb_bir_wt,
            los=info.act_ipt_days,
            discharge_way=str(info.dscg_way.value if hasattr(info.dscg_way, "value") else info.dscg_way),
            ventilator_hours=float(info.vent_used_dura),
            diagnoses=tuple(sl.ordered_diagnoses()),
            procedures=tuple(sl.ordered_procedures()),
        )

    @classmethod
    def from_dict(cls, data: dict) -> "GroupingInput":
        """From a dict with the CLI's input fields; missing optional fields take defaults."""

        def optional_int(key: str) -> int | None:
            value = data.get(key)
            return None if value in (None, "") else int(value)

        return cls(
            id=str(data.get("id", "")),
            gender=str(data.get("gender", "")),
            age=int(data.get("age") or 0),
            age_days=optional_int("age_days"),
            birth_weight=optional_int("birth_weight"),
            los=int(data.get("los") or 0),
            discharge_way=str(data.get("discharge_way") or "1"),
            ventilator_hours=float(data.get("ventilator_hours") or 0),
            diagnoses=tuple(str(code) for code in data.get("diagnoses") or ()),
            procedures=tuple(str(code) for code in data.get("procedures") or ()),
        )


@dataclass(frozen=True, slots=True)
class Decision:
    step: str  # input, pre-mdc, mdc, adrg, ambiguous, complication, drg
    code: str  # what the step concluded on (MDC, ADRG, DRG or a diagnosis code)
    detail: str


@dataclass(frozen=True, slots=True)
class GroupingResult:
    id: str
    mdc: str  # "MDCF", "" when unknown
    adrg: str  # "FM1", "FQY" when ambiguous, "" when ungroupable
    drg: str  # "FM11", "FQY", "0000"
    status: str  # grouped | ambiguous | ungroupable
    decisions: tuple[Decision, ...] = ()
    reasons: tuple[str, ...] = ()
    complication: str = ""  # MCC | CC | ""
    counted: tuple[str, ...] = ()  # other diagnoses that counted as MCC/CC
    excluded: tuple[tuple[str, str], ...] = ()  # (diagnosis, 7_CCE table) excluded by the principal

    def as_output(self) -> dict:
        return {"id": self.id, "mdc": self.mdc, "adrg": self.adrg, "drg": self.drg,
                "status": self.status, "reasons": list(self.reasons)}


@dataclass(slots=True)
class _Case:
    """A case with canonical codes and derived facts, built once per grouping."""

    source: GroupingInput
    principal: str
    others: list[str]
    diagnoses: set[str]
    main: str
    procedures: set[str]
    days: int | None  # age in days when known
    decisions: list[Decision] = field(default_factory=list)


def _canonical(code: str) -> str:
    if code.isascii() and code.isprintable() and "+" not in code and "*" not in code and " " not in code:
        first = code[:1]
        return code if not first.islower() else first.upper() + code[1:]
    return canonical_code(code)


def group_case(case: GroupingInput, scheme: Scheme) -> GroupingResult:
    """Group one case; deterministic, pure."""
    diagnoses = [_canonical(code) for code in case.diagnoses if code and code.strip()]
    procedures = [_canonical(code) for code in case.procedures if code and code.strip()]
    if not diagnoses:
        return _ungroupable(case, "", "principal diagnosis missing", [])
    if case.gender not in ("1", "2"):
        return _ungroupable(case, "", f"gender {case.gender!r} is neither 1 (male) nor 2 (female)", [])
    if case.age is None or case.age < 0:
        return _ungroupable(case, "", f"age {case.age!r} invalid", [])
    principal = diagnoses[0]
    days = case.age_days if case.age_days is not None else (None if case.age == 0 else case.age * INFANT_DAYS)
    work = _Case(
        source=case,
        principal=principal,
        others=[code for code in dict.fromkeys(diagnoses[1:]) if code != principal],
        diagnoses=set(diagnoses),
        main=procedures[0] if procedures else "",
        procedures=set(procedures),
        days=days,
    )
    found = _pre_mdc(work, scheme)
    if found is None:
        found = _regular_mdc(work, scheme)
    if isinstance(found, str):
        return _ungroupable(case, "", found, work.decisions)
    mdc, rule = found
    if rule is None:
        return _ambiguous(work, mdc, scheme.or_rule)
    return _finish(work, scheme, rule)


# --- pre-MDC ---------------------------------------------------------------------------------

def _pre_mdc(work: _Case, scheme: Scheme):
    principal_mdcs = scheme.principal_mdcs.get(work.principal, ())
    for mdc in PRE_MDC:
        if mdc == "A":
            rule = _first_match(work, scheme, scheme.adrgs_by_mdc.get("A", ()))
            if rule:
                work.decisions.insert(len(work.decisions) - 1, Decision("pre-mdc", "MDCA", "先期分组 MDCA"))
                return "A", rule
            continue
        if mdc not in principal_mdcs:
            continue
        if mdc == scheme.newborn_mdc:
            if work.days is None:
                if work.source.age == 0:
                    return f"principal {work.principal} is a newborn diagnosis but age in days is missing"
                continue
            if work.days >= INFANT_DAYS:
                work.decisions.append(Decision(
                    "pre-mdc", f"MDC{mdc}", f"MDC{mdc} not taken: age {work.source.age} years is not under one year"))
                continue
            detail = f"MDC{mdc}: principal {work.principal} in MDC{mdc} list, age {work.days} days < 1 year"
        elif mdc == "Z":
            regions = _trauma_regions(work, scheme)
            if len(regions) < 2:
                work.decisions.append(Decision(
                    "pre-mdc", "MDCZ", f"MDCZ not taken: trauma in {len(regions)} body region(s) {sorted(regions)}"))
                continue
            detail = f"MDCZ: multiple severe trauma in {len(regions)} regions: {', '.join(sorted(regions))}"
        else:
            detail = f"MDC{mdc}: principal {work.principal} in MDC{mdc} list"
        work.decisions.append(Decision("pre-mdc", f"MDC{mdc}", "先期分组 " + detail))
        found = _group_in_mdc(work, scheme, mdc)
        if found is not None:
            return found
        work.decisions.append(Decision("pre-mdc", f"MDC{mdc}", f"no ADRG of MDC{mdc} accepts the case"))
    return None


def _trauma_regions(work: _Case, scheme: Scheme) -> set[str]:
    regions: set[str] = set()
    for code in work.diagnoses:
        regions |= scheme.trauma_regions.get(code, frozenset())
    return regions


# --- regular MDCs ----------------------------------------------------------------------------

def _regular_mdc(work: _Case, scheme: Scheme):
    listed = [mdc for mdc in scheme.principal_mdcs.get(work.principal, ()) if mdc not in PRE_MDC]
    if not listed:
        if work.principal in scheme.principal_mdcs:
            lists = "/".join(f"MDC{mdc}" for mdc in scheme.principal_mdcs[work.principal])
            if scheme.newborn_mdc in scheme.principal_mdcs[work.principal] and (work.days or 0) >= INFANT_DAYS:
                return f"principal {work.principal} is a newborn diagnosis ({lists}) but the patient is {work.source.age} years old"
            return f"principal {work.principal} is only in pre-MDC lists ({lists}) and the case meets none of their conditions"
        return f"principal {work.principal} is in no MDC principal-diagnosis list (invalid or not a valid principal)"
    gender = work.source.gender
    allowed = [mdc for mdc in listed if scheme.mdc_sex.get(mdc, gender) == gender]
    if not allowed:
        sexes = {scheme.mdc_sex[mdc] for mdc in listed}
        who = "male" if "1" in sexes else "female"
        return f"principal {work.principal} (MDC{'/'.join(listed)}) is for {who} patients only; gender is {gender}"
    allowed.sort(key=lambda mdc: 0 if mdc in scheme.mdc_sex else 1)
    for mdc in allowed:
        why = "sex-specific, " if mdc in scheme.mdc_sex else ""
        work.decisions.append(Decision("mdc", f"MDC{mdc}", f"{why}principal {work.principal} in MDC{mdc} list"))
        found = _group_in_mdc(work, scheme, mdc)
        if found is not None:
            return found
        work.decisions.append(Decision("mdc", f"MDC{mdc}", f"no ADRG of MDC{mdc} accepts the case"))
    return f"no ADRG of MDC{'/'.join(allowed)} accepts principal {work.principal}"


def _group_in_mdc(work: _Case, scheme: Scheme, mdc: str):
    """(mdc, rule) when an ADRG matches, (mdc, None) when ambiguous, None when nothing fits."""
    rules = scheme.adrgs_by_mdc.get(mdc, ())
    procedural = [rule for rule in rules if rule.kind != "medical"]
    rule = _first_match(work, scheme, procedural)
    if rule:
        return mdc, rule
    if work.main and work.main in scheme.or_procedures:
        return mdc, None
    rule = _first_match(work, scheme, [rule for rule in rules if rule.kind == "medical"])
    return (mdc, rule) if rule else None


def _first_match(work: _Case, scheme: Scheme, rules) -> AdrgRule | None:
    for rule in rules:
        if rule.age_days is not None:
            if work.days is None or not rule.age_days[0] <= work.days < rule.age_days[1]:
                continue
        if rule.birth_weight is not None:
            weight = work.source.birth_weight
            if weight is None or not rule.birth_weight[0] <= weight <= rule.birth_weight[1]:
                continue
        for condition in rule.conditions:
            if _holds(condition, work, scheme):
                work.decisions.append(Decision("adrg", rule.code, _match_detail(rule, condition, work)))
                return rule
    return None


def _holds(condition: Condition, work: _Case, scheme: Scheme) -> bool:
    if condition.ventilator_hours is not None:
        return work.source.ventilator_hours >= condition.ventilator_hours
    if condition.principal is not None and work.principal not in condition.principal:
        return False
    if condition.main_procedure is not None and work.main not in condition.main_procedure:
        return False
    for group in condition.procedure_sets:
        if group.isdisjoint(work.procedures):
            return False
    if condition.any_diagnosis is not None and condition.any_diagnosis.isdisjoint(work.diagnoses):
        return False
    if condition.main_is_or and work.main not in scheme.or_procedures:
        return False
    return True


def _match_detail(rule: AdrgRule, condition: Condition, work: _Case) -> str:
    parts = []
    if condition.ventilator_hours is not None:
        parts.append(f"ventilator {work.source.ventilator_hours:g} h >= {condition.ventilator_hours} h")
    if condition.principal is not None:
        parts.append(f"principal {work.principal}")
    if condition.any_diagnosis is not None:
        parts.append("diagnosis " + ",".join(sorted(condition.any_diagnosis & work.diagnoses)))
    if condition.main_procedure is not None or condition.main_is_or:
        parts.append(f"main procedure {work.main}")
    for index, group in enumerate(condition.procedure_sets, 1):
        parts.append(f"group {index} procedure " + ",".join(sorted(group & work.procedures)))
    if rule.age_days is not None:
        parts.append(f"age {work.days} days in [{rule.age_days[0]}, {rule.age_days[1]})")
    if rule.birth_weight is not None:
        parts.append(f"birth weight {work.source.birth_weight} g")
    return f"{rule.code} {rule.name} (4_ADRG_DETAIL line {rule.line}, rule {condition.text}): " + "; ".join(parts)


# --- DRG split -------------------------------------------------------------------------------

def _complications(work: _Case, scheme: Scheme):
    table = scheme.exclusion_table.get(work.principal, "")
    level, counted, excluded = "", [], []
    for code in work.others:
        kind, own = "MCC", scheme.mcc.get(code)
        if own is None:
            kind, own = "CC", scheme.cc.get(code)
            if own is None:
                continue
        if own and own == table:
            excluded.append((code, f"表7-{own}"))
            work.decisions.append(Decision(
                "complication", code, f"{code} is {kind} but excluded: principal {work.principal} is in 表7-{own}"))
            continue
        counted.append(code)
        work.decisions.append(Decision("complication", code, f"{code} counts as {kind} (exclusion table 7-{own or '无'})"))
        if kind == "MCC":
            level = "MCC"
        elif not level:
            level = "CC"
    return level, counted, excluded


def _choose_drg(work: _Case, rules: tuple[DrgRule, ...], level: str, cc_only_split: str = "5") -> tuple[DrgRule | None, str]:
    """DRG by death/transfer, age, then complication level (DOMAIN.md §4 step 4): MCC -> 1 (else 3, 5),
    CC -> 3; in an ADRG with only a 1 (伴严重并发症或合并症) and a 5 (不伴并发症或合并症) a CC-only
    case goes where the scheme's cc_only_split says (default 5: issue 13 item 5, README), none -> 5."""
    source = work.source
    if source.discharge_way in (DEATH, TRANSFER) and source.los <= DEATH_WINDOW_DAYS:
        for rule in rules:
            if rule.death_or_transfer:
                return rule, f"death/transfer within {DEATH_WINDOW_DAYS} days"
    candidates = [rule for rule in rules if not rule.death_or_transfer and (
        rule.age_years is None or rule.age_years[0] <= source.age <= rule.age_years[1])]
    by_suffix = {rule.suffix: rule for rule in candidates}
    if len(by_suffix) == 1:
        rule = candidates[0]
        return rule, "not split" if rule.suffix == "9" else "only DRG left after age split"
    if level == "CC" and "3" not in by_suffix and {"1", "5"} <= by_suffix.keys():
        return by_suffix[cc_only_split], (f"CC without MCC in an ADRG split only into 1 and 5 -> suffix {cc_only_split} "
                                          f"(scheme setting cc_only_split)")
    preference = {"MCC": ("1", "3", "5"), "CC": ("3", "1", "5"), "": ("5",)}[level]
    for suffix in preference:
        if suffix in by_suffix:
            return by_suffix[suffix], f"{level or 'no MCC/CC'} -> suffix {suffix}"
    return (candidates[0] if candidates else None), "no DRG fits the complication level; first DRG taken"


def _finish(work: _Case, scheme: Scheme, rule: AdrgRule) -> GroupingResult:
    level, counted, excluded = _complications(work, scheme)
    drg_rules = scheme.drgs_by_adrg.get(rule.code, ())
    chosen, why = _choose_drg(work, drg_rules, level, scheme.cc_only_split)
    mdc = f"MDC{rule.mdc}"
    if chosen is None:
        return _ungroupable(work.source, mdc, f"ADRG {rule.code} has no DRG in 3_DRG.txt", work.decisions)
    work.decisions.append(Decision("drg", chosen.code, f"{chosen.code} {chosen.name} ({why})"))
    reasons = [d.detail for d in work.decisions if d.step in ("pre-mdc", "mdc", "adrg")]
    if counted:
        reasons.append(f"{level}: {', '.join(counted)}")
    if excluded:
        reasons.append("excluded: " + ", ".join(f"{code} ({table})" for code, table in excluded))
    reasons.append(f"DRG {chosen.code} {chosen.name} ({why})")
    return GroupingResult(
        id=work.source.id, mdc=mdc, adrg=rule.code, drg=chosen.code, status=GROUPED,
        decisions=tuple(work.decisions), reasons=tuple(reasons), complication=level,
        counted=tuple(counted), excluded=tuple(excluded),
    )


def _ambiguous(work: _Case, mdc: str, or_rule: str) -> GroupingResult:
    code = f"{mdc}QY"
    detail = (f"main procedure {work.main} is an operating-room procedure ({or_rule}) that fits no surgical ADRG "
              f"of MDC{mdc}: ambiguous group {code}")
    work.decisions.append(Decision("ambiguous", code, detail))
    reasons = [d.detail for d in work.decisions if d.step in ("pre-mdc", "mdc", "ambiguous")]
    return GroupingResult(id=work.source.id, mdc=f"MDC{mdc}", adrg=code, drg=code, status=AMBIGUOUS,
                          decisions=tuple(work.decisions), reasons=tuple(reasons))


def _ungroupable(case: GroupingInput, mdc: str, reason: str, decisions: list[Decision]) -> GroupingResult:
    trail = [*decisions, Decision("ungroupable", UNGROUPABLE_DRG, reason)]
    reasons = tuple(d.detail for d in decisions if d.step in ("pre-mdc", "mdc")) + (f"0000: {reason}",)
    return GroupingResult(id=case.id, mdc=mdc, adrg="", drg=UNGROUPABLE_DRG, status=UNGROUPABLE,
                          decisions=tuple(trail), reasons=reasons)
