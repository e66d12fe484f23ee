"""Load a DRG weight table from a published regional CSV layout (UTF-8, first row = header).

Regions publish the same facts under different Chinese headers. Each header is classified by
the rules in `_ROLES` (first match wins); qualifiers in the header text (一级/二级/三级, a grade
such as 三甲, 职工/居民) say which hospital class / insurance type a value applies to:

  code        DRG编码, DRG组编码, 分组编码, DRG            name     ...名称
  weight      RW, 权重, 初始权重, 相对权重, 标准分值 (a points table; its rate is then a point value)
  rate        ...费率...                                 coefficient   ...系数...
  standard    ...支付标准...                             thresholds    ...低倍... / ...高倍...
  base group  基础病组 / 同等费率病组 (是), 病组标识 (基础/基层/分级诊疗), 病组类型 (基础组)
  per item    病组类型 = 未覆盖组, 单议病组 = 是, RW = 按项目…, RW empty or 0
  tags        不稳定病组 (any mark), 稳定… (否), 中医优势病组 / 总量控制病组 (是)
  informative remarks and statistics: …备注…, …说明…, 注释, 附注, 例均…/次均…/均次…/平均… (averages),
              …例数, …人次 (总控人次), remarks/notes/comments/average…/mean… (kept out of pricing, never
              read into an entry, listed in `ignored_columns`)

Base groups (基础病组, DOMAIN.md §5) are paid at C = 1 (the policy's `base_group_coefficient`) for
every hospital level. Some tables repeat each level's coefficient on every row, base-group rows
included (lanzhou-2023: 等级系数（省三甲）… on rows whose 病组类型 is 基础病组); those values are the
levels' coefficients, not the base group's, so they are not kept as its per-group coefficients
(a note in `warnings` lists the codes). A base group's own published values are kept: a
coefficient that is the same for every level and differs from the one the other rows repeat
(suzhou: 1.02 on base rows, 0.75/1.02/1.2 elsewhere), and any published standard (支付标准).

`describe(table)` (or `python -m yidi_common.regional_config.weight_table <csv>`) lists what was
read: the columns used and their roles, the columns ignored, base groups, per-item groups, warnings.

A threshold value up to `RATIO_LIMIT` is a multiple of the standard (k); above, an amount in yuan.
Any other header is an unknown layout: ConfigError naming the file and column (strict) or a
warning with the column ignored (strict=False). Conflicting duplicate codes are handled the same way.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..settlement_list import InsuranceType
from .errors import ConfigError
from .models import Qualified, WeightEntry, WeightTable

RATIO_LIMIT = Decimal("10")
_BLANKS = " \t\u3000\ufeff"
_EMPTY = {"", "无", "-", "/"}
_YES = {"是", "√", "✓", "Y", "y", "1", "※"}
_CLASS_DIGITS = {"一级": "1", "二级": "2", "三级": "3"}
_ROLE_WORDS = re.compile(r"基础费率|费率|等级|系数|支付标准|低倍率|高倍率|低倍|高倍|临界值|医院|[（）()]")


def _is(*names: str) -> Callable[[str], bool]:
    return lambda h: h in names


def _has(word: str) -> Callable[[str], bool]:
    return lambda h: word in h


_ROLES: list[tuple[str, Callable[[str], bool]]] = [
    ("code", lambda h: h.endswith("编码") or h in {"DRG", "DRG组", "code"}),
    ("name", lambda h: "名称" in h or h == "name"),
    ("weight", _is("RW", "权重", "初始权重", "相对权重", "标准分值", "rw")),
    ("base_yes", _is("基础病组", "同等费率病组", "base_group")),
    ("group_mark", _is("病组标识")),
    ("group_type", _is("病组类型")),
    ("unstable_mark", _is("不稳定病组")),
    ("stable_yes", lambda h: h.startswith("稳定")),
    ("special_yes", _is("单议病组")),
    ("tag_yes", _is("中医优势病组", "总量控制病组")),
    ("informative", lambda h: _informative(h)),
    ("rate", _has("费率")),
    ("coefficient", _has("系数")),
    ("standard", _has("支付标准")),
    ("low", _has("低倍")),
    ("high", _has("高倍")),
]


_INFORMATIVE_WORDS = ("备注", "说明", "注释", "附注", "例均", "次均", "均次", "平均")
_INFORMATIVE_ENDINGS = ("例数", "人次")
_INFORMATIVE_ENGLISH = ("remark", "note", "comment", "average", "avg", "mean")


def _informative(header: str) -> bool:
    """Remarks and statistics that regions publish beside the pricing columns (never priced)."""
    return (
        any(word in header for word in _INFORMATIVE_WORDS)
        or header.endswith(_INFORMATIVE_ENDINGS)
        or header == "注"
        or header.lower().startswith(_INFORMATIVE_ENGLISH)
    )


def _role(header: str) -> str | None:
    return next((role for role, matches in _ROLES if matches(header)), None)


def _qualifier(header: str) -> tuple[str | None, InsuranceType | None]:
    """(hospital class, insurance type) named in a header, e.g. 支付标准（三级职工） -> ("3", 310)."""
    rest = _ROLE_WORDS.sub("", header)
    insutype = None
    if "职工" in rest:
        insutype, rest = InsuranceType.EMPLOYEE, rest.replace("职工", "")
    elif "居民" in rest:
        insutype, rest = InsuranceType.RESIDENT, rest.replace("居民", "")
    rest = rest.strip(_BLANKS)
    return (_CLASS_DIGITS.get(rest, rest) or None), insutype


class _Reader:
    def __init__(self, path: Path, strict: bool):
        self.path, self.strict = path, strict
        self.warnings: list[str] = []

    def problem(self, field: str, message: str) -> None:
        if self.strict:
            raise ConfigError(self.path, field, message)
        self.warnings.append(f"{field}: {message}")

    def number(self, raw: str, line: int, header: str) -> Decimal | None:
        text = raw.strip(_BLANKS)
        if text in _EMPTY:
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            raise ConfigError(self.path, f"line {line}, column {header!r}", f"not a number: {raw!r}") from None


def load_weight_table(path: Path | str, name: str | None = None, strict: bool = True) -> WeightTable:
    """Read a published (or our own) DRG weight CSV; see the module docstring for the layouts."""
    path = Path(path)
    reader = _Reader(path, strict)
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ConfigError(path, "", "empty file")
    headers = [h.strip(_BLANKS) for h in rows[0]]
    roles = [_role(h) for h in headers]
    ignored = []
    for header, role in zip(headers, roles):
        if role is None:
            reader.problem(f"column {header!r}", "unknown column in weight table layout; known: " + _known())
            ignored.append(header)
        elif role == "informative":
            ignored.append(header)
    for required in ("code", "weight"):
        if required not in roles:
            raise ConfigError(path, "header", f"no {required} column found in {headers}; known: " + _known())

    entries: dict[str, WeightEntry] = {}
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip(_BLANKS) for cell in row):
            continue
        cells = dict(zip(range(len(headers)), row))
        entry = _entry(reader, line, headers, roles, cells)
        previous = entries.get(entry.code)
        if previous is None:
            entries[entry.code], first_line[entry.code] = entry, line
        elif previous != entry:
            reader.problem(
                f"line {line}, code {entry.code!r}",
                f"conflicts with line {first_line[entry.code]}; the first is kept",
            )
    dropped = _drop_repeated_level_coefficients(entries)
    if dropped:
        reader.warnings.append(
            f"基础病组: the hospital levels' coefficients repeated on {len(dropped)} base-group rows are not"
            f" the groups' own and are not kept (C = the base-group coefficient applies): {', '.join(dropped)}"
        )
    return WeightTable(
        name=name or path.stem,
        source=str(path),
        weight_header=headers[roles.index("weight")],
        entries=entries,
        ignored_columns=tuple(ignored),
        warnings=tuple(reader.warnings),
    )


def _coefficient_key(entry: WeightEntry) -> tuple:
    return tuple(sorted((q.hospital_class or "", str(q.insutype or ""), q.value) for q in entry.coefficients))


def _drop_repeated_level_coefficients(entries: dict[str, WeightEntry]) -> list[str]:
    """Base groups whose coefficients are the levels' (they differ by level, or they are the set the
    other rows repeat) lose them, in place; returns their codes. DOMAIN.md §5: base groups use
    C_h = 1 for every hospital level, so a value that depends on the level cannot be theirs."""
    repeated = Counter(_coefficient_key(e) for e in entries.values() if e.coefficients and not e.base_group)
    levels = repeated.most_common(1)[0][0] if repeated else None
    dropped = []
    for code, entry in entries.items():
        if not (entry.base_group and entry.coefficients):
            continue
        if len({q.value for q in entry.coefficients}) > 1 or _coefficient_key(entry) == levels:
            entries[code] = entry.model_copy(update={"coefficients": ()})
            dropped.append(code)
    return dropped


def _entry(reader: _Reader, line: int, headers: list[str], roles: list[str | None], cells: dict) -> WeightEntry:
    fields: dict = {"code": "", "name": "", "rw": None, "base_group": False, "per_item_reason": None}
    tags: list[str] = []
    qualified: dict[str, list[Qualified]] = {}
    for i, (header, role) in enumerate(zip(headers, roles)):
        raw = cells.get(i, "")
        text = raw.strip(_BLANKS)
        if role == "code":
            fields["code"] = text
        elif role == "name":
            fields["name"] = text
        elif role == "weight":
            if "按项目" in text:
                fields["per_item_reason"] = text
            else:
                fields["rw"] = reader.number(raw, line, header)
        elif role == "base_yes" and text in _YES:
            fields["base_group"] = True
        elif role == "group_mark" and text:
            if any(w in text for w in ("基础", "基层", "分级诊疗")):
                fields["base_group"] = True
            tags.append(text)
        elif role == "group_type" and text:
            if text.startswith("基础"):
                fields["base_group"] = True
            elif text == "未覆盖组":
                fields["per_item_reason"] = text
            elif text.startswith("不稳定"):
                tags.append("不稳定病组")
        elif role == "unstable_mark" and text:
            tags.append("不稳定病组")
        elif role == "stable_yes" and text == "否":
            tags.append("不稳定病组")
        elif role == "special_yes" and text in _YES:
            fields["per_item_reason"] = header
        elif role == "tag_yes" and text in _YES:
            tags.append(header)
        elif role in ("rate", "coefficient", "standard", "low", "high"):
            value = reader.number(raw, line, header)
            if value is not None and value > 0:
                hospital_class, insutype = _qualifier(header)
                kind = role if role not in ("low", "high") else role + ("_ratios" if value <= RATIO_LIMIT else "_amounts")
                qualified.setdefault(kind, []).append(Qualified(value=value, hospital_class=hospital_class, insutype=insutype))
    if not fields["code"]:
        raise ConfigError(reader.path, f"line {line}", "empty group code")
    rw = fields["rw"]
    if rw is not None and rw <= 0:
        fields["rw"] = None
    if fields["rw"] is None and fields["per_item_reason"] is None:
        fields["per_item_reason"] = "no weight published"
    if fields["per_item_reason"] is not None:
        fields["rw"] = None
    return WeightEntry(
        **fields,
        tags=tuple(dict.fromkeys(tags)),
        rates=tuple(qualified.get("rate", ())),
        coefficients=tuple(qualified.get("coefficient", ())),
        standards=tuple(qualified.get("standard", ())),
        low_ratios=tuple(qualified.get("low_ratios", ())),
        high_ratios=tuple(qualified.get("high_ratios", ())),
        low_amounts=tuple(qualified.get("low_amounts", ())),
        high_amounts=tuple(qualified.get("high_amounts", ())),
    )


def _known() -> str:
    return "code (…编码), name (…名称), RW/权重/初始权重/标准分值, …费率…, …系数…, …支付标准…, …低倍…/…高倍…, 基础病组, 病组标识, 病组类型, 不稳定病组, 稳定…, 单议病组, 中医优势病组, 总量控制病组, informative: …备注…, …说明…, 例均…/平均…, …例数, …人次"


# ---------------------------------------------------------------- report


def _header(source: str) -> list[str] | None:
    try:
        with Path(source).open(encoding="utf-8-sig", newline="") as f:
            first = next(csv.reader(f), None)
    except OSError:
        return None
    return None if first is None else [h.strip(_BLANKS) for h in first]


def _codes(codes: list[str], limit: int = 40) -> str:
    shown = ", ".join(codes[:limit])
    return shown + (f", … ({len(codes) - limit} more)" if len(codes) > limit else "")


def describe(table: WeightTable) -> list[str]:
    """What was read from a weight table, one line per fact: columns used (with their role) and
    ignored, entries, base groups (and which publish their own coefficient or standard), groups
    paid per item, per-group values, warnings."""
    entries = list(table.entries.values())
    lines = [f"table {table.name}: {table.source}"]
    headers = _header(table.source)
    if headers is None:
        lines.append("columns: source not readable")
    else:
        used = [
            f"{h} ({_role(h)})"
            for h in headers
            if h not in table.ignored_columns and _role(h) not in (None, "informative")
        ]
        lines.append("columns used: " + "; ".join(used))
    lines.append("columns ignored (not priced): " + (", ".join(table.ignored_columns) or "none"))
    weighted = [e for e in entries if e.rw is not None]
    lines.append(
        f"groups: {len(entries)}, weight-paid {len(weighted)} (weight column {table.weight_header}),"
        f" per item {len(entries) - len(weighted)}"
    )
    reasons = Counter(e.per_item_reason for e in entries if e.per_item_reason)
    if reasons:
        lines.append("per item: " + ", ".join(f"{reason} × {n}" for reason, n in reasons.most_common()))
    base = [e for e in entries if e.base_group]
    lines.append(f"base groups (基础病组): {len(base)}" + (f": {_codes([e.code for e in base])}" if base else ""))
    if base:
        own_coefficient = [e.code for e in base if e.coefficients]
        own_standard = [e.code for e in base if e.standards]
        lines.append(
            "base groups' own published coefficient: "
            + (_codes(own_coefficient) if own_coefficient else "none (C = the base-group coefficient)")
        )
        lines.append("base groups' own published standard: " + (_codes(own_standard) if own_standard else "none"))
    per_group = {
        "rates": sum(1 for e in entries if e.rates),
        "coefficients": sum(1 for e in entries if e.coefficients),
        "standards": sum(1 for e in entries if e.standards),
        "thresholds": sum(1 for e in entries if e.low_ratios or e.high_ratios or e.low_amounts or e.high_amounts),
    }
    lines.append("groups with per-group values: " + ", ".join(f"{k} {n}" for k, n in per_group.items()))
    tags = Counter(tag for e in entries for tag in e.tags)
    if tags:
        lines.append("tags: " + ", ".join(f"{tag} × {n}" for tag, n in tags.most_common()))
    lines.append(f"warnings: {len(table.warnings)}")
    lines.extend(f"  {warning}" for warning in table.warnings)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m yidi_common.regional_config.weight_table TABLE.csv [...] [--lenient]`: print what was read."""
    parser = argparse.ArgumentParser(prog="python -m yidi_common.regional_config.weight_table", description=main.__doc__)
    parser.add_argument("tables", nargs="+", type=Path)
    parser.add_argument("--lenient", action="store_true", help="unknown columns and conflicting codes become warnings")
    args = parser.parse_args(argv)
    status = 0
    for path in args.tables:
        try:
            print("\n".join(describe(load_weight_table(path, strict=not args.lenient))))
        except ConfigError as error:
            print(f"table {path}: not loaded: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
