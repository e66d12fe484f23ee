"""Parser for 4_ADRG_DETAIL.txt, the ADRG rule text.

The text is a sequence of MDC headers, `MDCx 主诊表` principal-diagnosis lists and ADRG
blocks. An ADRG block is a header `XX1 name` followed by rule phrases, each introducing
a code list:

    包含以下主要诊断：                 principal diagnosis in the list
    包含以下主要手术或操作：           main procedure in the list
    同时包含以下手术： … 和 …          at least one procedure from each list
    主要诊断或其他诊断中包含以下诊断： any diagnosis in the list (also 包含以下诊断：)
    全部手术 / 包含全部手术            any operating-room procedure
    符合 MDCZ 主诊表，且无手术         the MDC's list and no operating-room procedure
    包含以下主要诊断+手术表 1+手术表 2 combinations of a principal list and named
    或包含以下主要诊断+手术表 1+…      procedure tables (手术表 N：/ 手术 N：), any one
                                       combination suffices

Conditions inside one block are all required. Unknown lines become warnings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .codes import canonical_code, clean_text, is_code_token
from .scheme_files import PrincipalList, parse_principal_list

_ADRG_HEADER = re.compile(r"^([A-Z]{2}\d) (.+)$")
_MDC_HEADER = re.compile(r"^MDC([A-Z]) ?(.*)$")
_FORMULA = re.compile(r"^或?包含以下主要诊断((?:\+手术表? ?\d+)+)$")
_NAMED_TABLE = re.compile(r"^手术表? ?(\d+):$")
_NO_SURGERY = re.compile(r"^符合 ?MDC([A-Z]) ?主诊表,且无手术$")


@dataclass
class RawAdrg:
    code: str
    name: str
    mdc: str
    line: int
    principal: set[str] | None = None
    any_diagnosis: set[str] | None = None
    main_procedure: set[str] | None = None
    procedure_sets: list[set[str]] = field(default_factory=list)
    tables: dict[str, set[str]] = field(default_factory=dict)
    formulas: list[list[str]] = field(default_factory=list)
    any_or_procedure: bool = False
    no_or_procedure: bool = False


@dataclass
class RuleText:
    adrgs: list[RawAdrg] = field(default_factory=list)
    principal_lists: dict[str, PrincipalList] = field(default_factory=dict)


def parse_rule_text(raw_lines: list[str], warnings: list[str], source: str = "4_ADRG_DETAIL.txt") -> RuleText:
    result = RuleText()
    mdc = ""
    block: RawAdrg | None = None
    target: set[str] | None = None
    table_lines: list[tuple[int, str]] | None = None

    def close_table() -> None:
        nonlocal table_lines
        if table_lines is not None:
            result.principal_lists[mdc] = parse_principal_list(table_lines, source, warnings)
            table_lines = None

    for number, raw in enumerate(raw_lines, 1):
        line = clean_text(raw)
        if not line:
            continue
        mdc_match = _MDC_HEADER.match(line)
        adrg_match = None if mdc_match else _ADRG_HEADER.match(line)
        if mdc_match:
            close_table()
            block, target = None, None
            mdc = mdc_match.group(1)
            if mdc_match.group(2).replace(" ", "") == "主诊表":
                table_lines = []
            continue
        if table_lines is not None and not adrg_match:
            table_lines.append((number, line))
            continue
        if adrg_match:
            close_table()
            code = adrg_match.group(1)
            if code[0] != mdc:
                warnings.append(f"{source}:{number}: ADRG {code} outside its MDC section (MDC{mdc})")
            block = RawAdrg(code=code, name=adrg_match.group(2), mdc=code[0], line=number)
            result.adrgs.append(block)
            target = None
            continue
        if block is None:
            warnings.append(f"{source}:{number}: line outside any ADRG block: {line!r}")
            continue
        token = line.split(" ", 1)[0]
        if is_code_token(token):
            if target is None:
                warnings.append(f"{source}:{number}: code {token} in {block.code} before any rule phrase")
            else:
                target.add(canonical_code(token))
            continue
        target = _rule_phrase(block, line, number, warnings, source)
    close_table()
    return result


def _rule_phrase(block: RawAdrg, line: str, number: int, warnings: list[str], source: str) -> set[str] | None:
    """Apply a rule phrase to the block; return the code list that follows it, if any."""
    if line in ("包含以下主要诊断:", "主要诊断:"):
        block.principal = block.principal or set()
        return block.principal
    if line == "包含以下主要手术或操作:":
        block.main_procedure = block.main_procedure or set()
        return block.main_procedure
    if line in ("同时包含以下手术:", "和"):
        block.procedure_sets.append(set())
        return block.procedure_sets[-1]
    if line in ("主要诊断或其他诊断中包含以下诊断:", "包含以下诊断:"):
        block.any_diagnosis = block.any_diagnosis or set()
        return block.any_diagnosis
    if line in ("全部手术", "包含全部手术"):
        block.any_or_procedure = True
        return None
    no_surgery = _NO_SURGERY.match(line)
    if no_surgery:
        block.no_or_procedure = True
        return None
    formula = _FORMULA.match(line)
    if formula:
        block.formulas.append(re.findall(r"\d+", formula.group(1)))
        return None
    named = _NAMED_TABLE.match(line)
    if named:
        return block.tables.setdefault(named.group(1), set())
    warnings.append(f"{source}:{number}: rule phrase not understood in {block.code}: {line!r}")
    return None
