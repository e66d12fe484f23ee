"""A CHS-DRG scheme compiled into lookup structures, loaded from the published file layout.

`load_scheme(path)` reads 1_MDC … 7_CCE and MDC/*.dat, compiles them into frozensets and
dicts, and caches the compiled form on disk (pickle keyed by a hash of the input files).
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .rule_text import RawAdrg, parse_rule_text
from .scheme_files import (
    PrincipalList,
    read_code_names,
    read_complications,
    read_exclusions,
    read_lines,
    read_mdc_dir,
)

log = logging.getLogger(__name__)

# Pre-MDC groups in the order CHS-DRG applies them (transplants/ventilation, newborns, HIV, trauma).
PRE_MDC = ("A", "P", "Y", "Z")
NEWBORN_DAYS = 29
INFANT_DAYS = 365
DEATH_WINDOW_DAYS = 5
_CACHE_FORMAT = "yidi-scheme-v2"
SCHEME_FILES = ("1_MDC.txt", "2_ADRG.txt", "3_DRG.txt", "4_ADRG_DETAIL.txt", "5_MCC.txt", "6_CC.txt", "7_CCE.txt")


@dataclass(frozen=True, slots=True)
class Condition:
    """One way into an ADRG; every field that is set must hold."""

    principal: frozenset[str] | None = None
    any_diagnosis: frozenset[str] | None = None
    main_procedure: frozenset[str] | None = None
    procedure_sets: tuple[frozenset[str], ...] = ()
    main_is_or: bool = False  # 全部手术: the main procedure is an operating-room procedure
    ventilator_hours: int | None = None  # 呼吸机支持≥N小时, from the ADRG name
    text: str = ""  # the rule as the scheme words it, for explanations


@dataclass(frozen=True, slots=True)
class AdrgRule:
    code: str
    name: str
    mdc: str
    kind: str  # "surgical" (A-J), "non_or" (K-Q), "medical" (R-Z)
    conditions: tuple[Condition, ...]
    age_days: tuple[int, int] | None  # [low, high) in days, from the name
    birth_weight: tuple[int, int] | None  # [low, high] in grams, from the name
    line: int  # line of the ADRG header in 4_ADRG_DETAIL.txt


@dataclass(frozen=True, slots=True)
class DrgRule:
    code: str
    name: str
    suffix: str  # 1 MCC, 3 CC, 5 none, 9 not split, others by name
    age_years: tuple[int, int] | None  # [low, high] inclusive, from the name
    death_or_transfer: bool


@dataclass(frozen=True)
class Scheme:
    version: str
    mdc_names: dict[str, str]
    adrg_names: dict[str, str]
    drg_names: dict[str, str]
    mdc_order: tuple[str, ...]
    adrgs_by_mdc: dict[str, tuple[AdrgRule, ...]]
    drgs_by_adrg: dict[str, tuple[DrgRule, ...]]
    principal_mdcs: dict[str, tuple[str, ...]]
    trauma_regions: dict[str, frozenset[str]]
    mcc: dict[str, str]  # code -> exclusion table number ('' none)
    cc: dict[str, str]
    exclusion_table: dict[str, str]  # principal diagnosis -> its 7_CCE table
    or_procedures: frozenset[str]
    mdc_sex: dict[str, str]  # MDC letter -> "1" male only / "2" female only
    newborn_mdc: str
    load_warnings: tuple[str, ...]
    source_hash: str
    # where a CC-only case goes in an ADRG whose only DRGs are 1 and 5 (SchemeOptions.cc_only_split)
    cc_only_split: str = "5"
    or_rule: str = "procedures of the surgical ADRG lists"  # how or_procedures was decided, for explanations

    @property
    def drg_codes(self) -> list[str]:
        return sorted(self.drg_names)

    @property
    def adrg_codes(self) -> list[str]:
        return sorted(self.adrg_names)


def load_scheme(path: str | Path, cache_dir: str | Path | None = None) -> Scheme:
    """Load a scheme directory, from the compiled cache when its files have not changed."""
    directory = Path(path)
    missing = [name for name in SCHEME_FILES if not (directory / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{directory}: scheme files missing: {', '.join(missing)}")
    digest = _hash_inputs(directory)
    cache = _cache_path(cache_dir, directory, digest)
    if cache.is_file():
        try:
            with cache.open("rb") as handle:
                scheme = pickle.load(handle)
            if isinstance(scheme, Scheme) and scheme.source_hash == digest:
                return scheme
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            log.warning("scheme cache %s unreadable; recompiling", cache)
    scheme = compile_scheme(directory, digest)
    for warning in scheme.load_warnings:
        log.warning("scheme %s: %s", scheme.version, warning)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            pickle.dump(scheme, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary.replace(cache)
    except OSError as error:
        log.warning("cannot write scheme cache %s: %s", cache, error)
    return scheme


def _hash_inputs(directory: Path) -> str:
    digest = hashlib.sha256(_CACHE_FORMAT.encode())
    files = [directory / name for name in (*SCHEME_FILES, "VERSION") if (directory / name).is_file()]
    mdc_dir = directory / "MDC"
    if mdc_dir.is_dir():
        files += sorted(mdc_dir.glob("*.dat"))
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _cache_path(cache_dir: str | Path | None, directory: Path, digest: str) -> Path:
    base = Path(cache_dir) if cache_dir else Path(os.environ.get("YIDI_CACHE_DIR", Path.home() / ".cache" / "yidi"))
    return base / "schemes" / f"{directory.resolve().name}-{digest[:20]}.pickle"


def compile_scheme(directory: Path, digest: str = "") -> Scheme:
    warnings: list[str] = []
    mdc_names = {code[3]: name for code, name in read_code_names(directory / "1_MDC.txt", warnings).items()}
    adrg_names = read_code_names(directory / "2_ADRG.txt", warnings)
    drg_names = read_code_names(directory / "3_DRG.txt", warnings)
    rule_text = parse_rule_text(read_lines(directory / "4_ADRG_DETAIL.txt"), warnings)
    mcc = read_complications(directory / "5_MCC.txt", warnings)
    cc = read_complications(directory / "6_CC.txt", warnings)
    exclusion_table = read_exclusions(directory / "7_CCE.txt", warnings)
    principal_lists = _merge_principal_lists(read_mdc_dir(directory / "MDC", warnings), rule_text.principal_lists, warnings)

    raw_by_code = {raw.code: raw for raw in rule_text.adrgs}
    for code in sorted(set(adrg_names) - set(raw_by_code)):
        warnings.append(f"ADRG {code} of 2_ADRG.txt has no rule block in 4_ADRG_DETAIL.txt; it cannot be reached")
    for code in sorted(set(raw_by_code) - set(adrg_names)):
        warnings.append(f"ADRG {code} of 4_ADRG_DETAIL.txt missing from 2_ADRG.txt; name taken from the rule text")
        adrg_names[code] = raw_by_code[code].name

    or_procedures = _operating_room_procedures(rule_text.adrgs, adrg_names)
    newborn_mdc = next((mdc for mdc, name in mdc_names.items() if "新生儿" in name), "P")
    adrgs_by_mdc: dict[str, list[AdrgRule]] = {}
    for raw in rule_text.adrgs:
        name = adrg_names.get(raw.code, raw.name)
        rule = _compile_adrg(raw, name, newborn_mdc, warnings)
        adrgs_by_mdc.setdefault(raw.mdc, []).append(rule)

    drgs_by_adrg: dict[str, list[DrgRule]] = {}
    for code, name in drg_names.items():
        if code[:3] not in adrg_names:
            warnings.append(f"DRG {code} belongs to no ADRG of 2_ADRG.txt")
        drgs_by_adrg.setdefault(code[:3], []).append(_compile_drg(code, name))
    for code in adrg_names:
        if code not in drgs_by_adrg:
            warnings.append(f"ADRG {code} has no DRG in 3_DRG.txt")

    principal_mdcs: dict[str, list[str]] = {}
    for mdc, plist in principal_lists.items():
        for code in plist.codes:
            mdcs = principal_mdcs.setdefault(code, [])
            if mdc not in mdcs:
                mdcs.append(mdc)
    trauma = principal_lists.get("Z", PrincipalList()).regions
    mdc_order = tuple(mdc_names) or tuple(sorted(adrgs_by_mdc))
    version_file = directory / "VERSION"
    version = version_file.read_text(encoding="utf-8").strip() if version_file.is_file() else directory.resolve().name
    return Scheme(
        version=version,
        mdc_names=mdc_names,
        adrg_names=adrg_names,
        drg_names=drg_names,
        mdc_order=mdc_order,
        adrgs_by_mdc={mdc: _evaluation_order(rules) for mdc, rules in adrgs_by_mdc.items()},
        drgs_by_adrg={code: tuple(sorted(rules, key=lambda r: r.code)) for code, rules in drgs_by_adrg.items()},
        principal_mdcs={code: tuple(sorted(mdcs, key=mdc_order.index)) for code, mdcs in principal_mdcs.items()},
        trauma_regions={code: frozenset(regions) for code, regions in trauma.items()},
        mcc=mcc,
        cc=cc,
        exclusion_table=exclusion_table,
        or_procedures=or_procedures,
        mdc_sex=_sex_specific_mdcs(mdc_names),
        newborn_mdc=newborn_mdc,
        load_warnings=tuple(warnings),
        source_hash=digest,
    )


def _merge_principal_lists(
    files: dict[str, PrincipalList], sections: dict[str, PrincipalList], warnings: list[str]
) -> dict[str, PrincipalList]:
    """Union of MDC/*.dat and the 主诊表 sections of the rule text (either may be truncated
    by the PDF extraction, as MDC/MDCZ is in 1.1); differences are reported."""
    merged: dict[str, PrincipalList] = {}
    for mdc in sorted(set(files) | set(sections)):
        from_file, from_text = files.get(mdc, PrincipalList()), sections.get(mdc, PrincipalList())
        only_file = [code for code in from_file.codes if code not in set(from_text.codes)]
        only_text = [code for code in from_text.codes if code not in set(from_file.codes)]
        if from_file.codes and from_text.codes and (only_file or only_text):
            warnings.append(
                f"MDC{mdc}: MDC/ list and 主诊表 differ ({len(only_file)} codes only in MDC/ e.g. "
                f"{only_file[:3]}, {len(only_text)} only in 4_ADRG_DETAIL e.g. {only_text[:3]}); union used"
            )
        union = PrincipalList(codes=list(dict.fromkeys(from_file.codes + from_text.codes)))
        for source in (from_file, from_text):
            for code, regions in source.regions.items():
                union.regions.setdefault(code, set()).update(regions)
        merged[mdc] = union
    return merged


def adrg_kind(code: str) -> str:
    letter = code[1]
    if "A" <= letter <= "J":
        return "surgical"
    if "K" <= letter <= "Q":
        return "non_or"
    return "medical"


def _operating_room_procedures(raws: list[RawAdrg], names: dict[str, str]) -> frozenset[str]:
    """Procedures of the surgical ADRGs (A-J) of the regular MDCs.

    Pre-MDC ADRGs (transplants, ventilation) and A-J ADRGs that are therapies rather than
    operations (MDCR 化学治疗, 放射治疗, … : name says 治疗 and has no 术) are left out.
    """
    codes: set[str] = set()
    for raw in raws:
        name = names.get(raw.code, raw.name)
        if raw.mdc == "A" or adrg_kind(raw.code) != "surgical" or ("治疗" in name and "术" not in name):
            continue
        for group in (raw.main_procedure or set(), *raw.procedure_sets, *raw.tables.values()):
            codes |= group
    return frozenset(codes)


OPERATION, INTERVENTIONAL = "手术", "介入治疗"
INTERVENTIONAL_RULES = ("scheme", "or", "non_or")
CC_ONLY_SPLITS = ("5", "1")


@dataclass(frozen=True, slots=True)
class SchemeOptions:
    """Per-scheme grouping settings (YIDI_DRG_SCHEME_OPTIONS, keyed by scheme_version), issue 13 item 5.

    cc_only_split: in an ADRG that has only a `1` (伴严重并发症或合并症) and a `5` (不伴并发症或合并症)
        DRG, where a case with a CC but no MCC goes; default "5" (README: the evidence).
    interventional: whether a 介入治疗 procedure of the category file is an operating-room procedure:
        "scheme" (default) when the scheme lists it in a surgical ADRG (A-J) of a regular MDC, "or"
        always, "non_or" never.
    icd_version: the 医保版 code lists QC checks this scheme's lists with ("1.0" or "2.0").
    """

    cc_only_split: str = "5"
    interventional: str = "scheme"
    icd_version: str = "2.0"

    def __post_init__(self) -> None:
        problems = []
        if self.cc_only_split not in CC_ONLY_SPLITS:
            problems.append(f"cc_only_split {self.cc_only_split!r} is not one of {', '.join(CC_ONLY_SPLITS)}")
        if self.interventional not in INTERVENTIONAL_RULES:
            problems.append(f"interventional {self.interventional!r} is not one of {', '.join(INTERVENTIONAL_RULES)}")
        if not re.fullmatch(r"\d+\.\d+", self.icd_version):
            problems.append(f"icd_version {self.icd_version!r} is not a version like 2.0")
        if problems:
            raise ValueError("; ".join(problems))


def with_options(scheme: Scheme, options: SchemeOptions, categories: dict[str, str] | None) -> Scheme:
    """The scheme grouped under its options: the CC-only rule and the operating-room procedures.

    Operating-room procedures (QY and 全部手术 rules) come from the 医保版 ICD-9-CM-3 category file
    (code -> 手术 / 介入治疗 / 治疗性操作 / 诊断性操作): 手术 counts, 介入治疗 as `options.interventional`
    says, the operations (治疗性/诊断性操作) never, so 99.2802 小剂量白介素治疗 (治疗性操作) is not one.
    A code the file does not list keeps the scheme-inferred rule (in a surgical ADRG list). Without the
    file (`categories` None or empty) the inferred rule stays for every code.
    """
    if not categories:
        return replace(scheme, cc_only_split=options.cc_only_split)
    inferred = scheme.or_procedures
    chosen = {code for code, kind in categories.items() if kind == OPERATION}
    if options.interventional == "or":
        chosen |= {code for code, kind in categories.items() if kind == INTERVENTIONAL}
    elif options.interventional == "scheme":
        chosen |= {code for code in inferred if categories.get(code) == INTERVENTIONAL}
    chosen |= {code for code in inferred if code not in categories}
    rule = (f"手术 in icd9cm3-procedure-category.dat, 介入治疗: {options.interventional}, "
            "codes the file does not list: in a surgical ADRG list")
    return replace(scheme, or_procedures=frozenset(chosen), cc_only_split=options.cc_only_split, or_rule=rule)


def _compile_adrg(raw: RawAdrg, name: str, newborn_mdc: str, warnings: list[str]) -> AdrgRule:
    kind = adrg_kind(raw.code)
    conditions: list[Condition] = []
    principal = frozenset(raw.principal) if raw.principal is not None else None
    if raw.formulas:
        for formula in raw.formulas:
            missing = [number for number in formula if number not in raw.tables]
            if missing:
                warnings.append(f"ADRG {raw.code}: 手术表 {', '.join(missing)} referenced but not listed")
            sets = tuple(frozenset(raw.tables.get(number, ())) for number in formula)
            text = "主要诊断+" + "+".join(f"手术表{number}" for number in formula)
            conditions.append(Condition(principal=principal, procedure_sets=sets, text=text))
    else:
        main = frozenset(raw.main_procedure) if raw.main_procedure is not None else None
        sets = tuple(frozenset(group) for group in raw.procedure_sets)
        any_diagnosis = frozenset(raw.any_diagnosis) if raw.any_diagnosis is not None else None
        names_a_procedure = main is not None or bool(sets)
        # A surgical ADRG that names no procedure takes any operating-room procedure (全部手术).
        main_is_or = raw.any_or_procedure or (kind == "surgical" and not names_a_procedure)
        if not any((principal, main, sets, any_diagnosis, main_is_or, raw.no_or_procedure)):
            warnings.append(f"ADRG {raw.code} has no rule text; it accepts every case of MDC{raw.mdc} reaching it")
        conditions.append(
            Condition(
                principal=principal,
                any_diagnosis=any_diagnosis,
                main_procedure=main,
                procedure_sets=sets,
                main_is_or=main_is_or,
                text=_condition_text(principal, any_diagnosis, main, sets, main_is_or, raw.no_or_procedure),
            )
        )
    ventilation = re.search(r"呼吸机支持\s*≥\s*(\d+)\s*小时", name)
    if ventilation:
        hours = int(ventilation.group(1))
        conditions.append(Condition(ventilator_hours=hours, text=f"有创呼吸机支持≥{hours}小时"))
    age_days = _age_days_window(name)
    if age_days is None and raw.mdc == newborn_mdc:
        age_days = (0, NEWBORN_DAYS)
    return AdrgRule(
        code=raw.code,
        name=name,
        mdc=raw.mdc,
        kind=kind,
        conditions=tuple(conditions),
        age_days=age_days,
        birth_weight=_birth_weight_window(name),
        line=raw.line,
    )


def _condition_text(principal, any_diagnosis, main, sets, main_is_or, no_or) -> str:
    parts = []
    if principal is not None:
        parts.append("主要诊断")
    if any_diagnosis is not None:
        parts.append("主要或其他诊断")
    if main is not None:
        parts.append("主要手术或操作")
    if sets:
        parts.append("同时包含" + "和".join(f"手术组{index + 1}" for index in range(len(sets))))
    if main_is_or:
        parts.append("全部手术(手术室手术)")
    if no_or:
        parts.append("无手术")
    return "+".join(parts) or "无条件"


def _age_days_window(name: str) -> tuple[int, int] | None:
    """出生年龄 windows in ADRG names: `出生年龄<29 天`, `29 天≤出生年龄<1 周岁`."""
    text = name.replace(" ", "").replace("＜", "<")
    between = re.search(r"(\d+)天≤出生年龄<(\d+)周岁", text)
    if between:
        return int(between.group(1)), int(between.group(2)) * INFANT_DAYS
    below = re.search(r"出生年龄<(\d+)天", text)
    if below:
        return 0, int(below.group(1))
    return None


def _birth_weight_window(name: str) -> tuple[int, int] | None:
    """出生体重 windows in ADRG names: `<1500g`, `1500-1999g`, `>2499g`."""
    text = name.replace(" ", "").replace("＜", "<").replace("＞", ">")
    between = re.search(r"出生体重(\d+)-(\d+)g", text)
    if between:
        return int(between.group(1)), int(between.group(2))
    bound = re.search(r"出生体重([<>≤≥])(\d+)g", text)
    if not bound:
        return None
    sign, grams = bound.group(1), int(bound.group(2))
    return {"<": (0, grams - 1), "≤": (0, grams), ">": (grams + 1, 99999), "≥": (grams, 99999)}[sign]


def _compile_drg(code: str, name: str) -> DrgRule:
    text = name.replace(" ", "").replace("＜", "<").replace("＞", ">")
    age_years = None
    bound = re.search(r"(?:年龄)?([<>≤≥])(\d+)岁", text)
    if bound:
        sign, years = bound.group(1), int(bound.group(2))
        age_years = {"<": (0, years - 1), "≤": (0, years), ">": (years + 1, 200), "≥": (years, 200)}[sign]
    return DrgRule(
        code=code,
        name=name,
        suffix=code[3:],
        age_years=age_years,
        death_or_transfer="死亡" in text or "转院" in text,
    )


def _evaluation_order(rules: list[AdrgRule]) -> tuple[AdrgRule, ...]:
    """Surgical, then non-OR, then medical, in text order; inside a family of surgical ADRGs
    (same two letters), rules needing several procedure groups (同时包含, 手术表 combinations)
    come before the single-procedure rules they refine (FF2 外周血管手术伴介入操作 before FF1)."""
    part = {"surgical": 0, "non_or": 1, "medical": 2}
    family_start: dict[str, int] = {}
    for index, rule in enumerate(rules):
        family_start.setdefault(rule.code[:2], index)

    def key(indexed: tuple[int, AdrgRule]) -> tuple[int, int, int, int]:
        index, rule = indexed
        single = 0 if rule.kind == "surgical" and any(c.procedure_sets for c in rule.conditions) else 1
        return part[rule.kind], family_start[rule.code[:2]], single, index

    return tuple(rule for _, rule in sorted(enumerate(rules), key=key))


def _sex_specific_mdcs(mdc_names: dict[str, str]) -> dict[str, str]:
    sex = {}
    for mdc, name in mdc_names.items():
        if "男性" in name:
            sex[mdc] = "1"
        elif "女性" in name or "妊娠" in name:
            sex[mdc] = "2"
    return sex


def describe(scheme: Scheme) -> str:
    adrgs = sum(len(rules) for rules in scheme.adrgs_by_mdc.values())
    return (
        f"{scheme.version}: {len(scheme.mdc_names)} MDC, {adrgs} ADRG, {len(scheme.drg_names)} DRG, "
        f"{len(scheme.mcc)} MCC, {len(scheme.cc)} CC, {len(scheme.load_warnings)} warnings"
    )

