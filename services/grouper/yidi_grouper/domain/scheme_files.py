"""Readers for the CHS-DRG scheme files (1_MDC … 7_CCE, MDC/*.dat).

Each reader returns plain data plus warnings for whatever it could not understand.
Only the layout is assumed, never a version's content, so 1.0, 1.1, 2.0 and regional
files load with the same code.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .codes import canonical_code, clean_text, is_code_token

_TABLE_MARK = re.compile(r"表\s*7\s*-\s*(\d+)")
# A code inside free text (7_CCE and 5/6 lists wrap, glue and merge lines); never preceded
# by an ASCII letter, digit or dot, so names such as "维生素 B12" do not count.
_CODE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z.])([A-Z]\d{2}\.[0-9A-Za-z]{1,8}(?:\+[A-Z]\d{2}(?:\.[0-9A-Za-z]{1,4})?\*?)?\*?)"
)
_NONE_MARK = re.compile(r"(?:^|\s)无(?:\s|$)")


def read_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8-sig").splitlines()


def read_code_names(path: Path, warnings: list[str]) -> dict[str, str]:
    """1_MDC / 2_ADRG / 3_DRG: `CODE name` per line."""
    names: dict[str, str] = {}
    for number, raw in enumerate(read_lines(path), 1):
        line = clean_text(raw)
        if not line:
            continue
        code, _, name = line.partition(" ")
        if not re.fullmatch(r"MDC[A-Z]|[A-Z]{2}\d{1,2}", code) or not name:
            warnings.append(f"{path.name}:{number}: not a `CODE name` line: {line!r}")
            continue
        if code in names:
            warnings.append(f"{path.name}:{number}: duplicate code {code}")
        names[code] = name
    return names


def read_complications(path: Path, warnings: list[str]) -> dict[str, str]:
    """5_MCC / 6_CC: code -> exclusion table number ('' when the list says 无)."""
    text = clean_text(path.read_text(encoding="utf-8-sig"))
    found = list(_CODE_IN_TEXT.finditer(text))
    tables: dict[str, str] = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        segment = text[match.end():end]
        code = canonical_code(match.group(1))
        table = _TABLE_MARK.search(segment)
        if table:
            tables[code] = table.group(1)
        elif _NONE_MARK.search(segment):
            tables[code] = ""
        else:
            warnings.append(f"{path.name}: no exclusion column after {match.group(1)}: {segment[:60]!r}")
            tables[code] = ""
    return tables


def read_exclusions(path: Path, warnings: list[str]) -> dict[str, str]:
    """7_CCE: principal diagnosis -> the exclusion table (表 7-N) it belongs to."""
    text = clean_text(path.read_text(encoding="utf-8-sig"))
    current = ""
    tables: dict[str, str] = {}
    for match in re.finditer(_TABLE_MARK.pattern + "|" + _CODE_IN_TEXT.pattern, text):
        if match.group(1):
            current = match.group(1)
            continue
        code = canonical_code(match.group(2))
        if not current:
            warnings.append(f"{path.name}: code {code} before any table header")
            continue
        if code in tables and tables[code] != current:
            warnings.append(f"{path.name}: {code} in tables 7-{tables[code]} and 7-{current}; first kept")
            continue
        tables[code] = current
    return tables


@dataclass
class PrincipalList:
    """One MDC's principal-diagnosis list; MDCZ adds trauma body regions."""

    codes: list[str] = field(default_factory=list)
    regions: dict[str, set[str]] = field(default_factory=dict)


def parse_principal_list(lines: list[tuple[int, str]], source: str, warnings: list[str]) -> PrincipalList:
    """Lines of a `MDCx 主诊表` section or an MDC/*.dat file."""
    result = PrincipalList()
    region = ""
    for number, line in lines:
        if not line or line.startswith("包含以下主要诊断"):
            continue
        if line.startswith("#"):
            warnings.append(f"{source}:{number}: commented-out entry skipped: {line!r}")
            continue
        token = line.split(" ", 1)[0]
        if is_code_token(token):
            code = canonical_code(token)
            result.codes.append(code)
            if region:
                result.regions.setdefault(code, set()).add(region)
        elif line.endswith("创伤") and " " not in line:
            region = line
        else:
            warnings.append(f"{source}:{number}: line not understood: {line!r}")
    return result


def read_mdc_dir(directory: Path, warnings: list[str]) -> dict[str, PrincipalList]:
    """MDC/MDCx_name.dat files, keyed by MDC letter."""
    lists: dict[str, PrincipalList] = {}
    if not directory.is_dir():
        return lists
    for path in sorted(directory.glob("*.dat")):
        match = re.match(r"MDC([A-Z])", path.name)
        if not match:
            warnings.append(f"MDC/{path.name}: file name does not start with MDC<letter>; ignored")
            continue
        lines = [(n, clean_text(raw)) for n, raw in enumerate(read_lines(path), 1)]
        lists[match.group(1)] = parse_principal_list(lines, f"MDC/{path.name}", warnings)
    return lists
