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
  informative 例均费用…, 总控人次 (kept out of pricing, listed in `ignored_columns`)

A threshold value up to `RATIO_LIMIT` is a multiple of the standard (k); above, an amount in yuan.
Any other header is an unknown layout: ConfigError naming the file and column (strict) or a
warning with the column ignored (strict=False). Conflicting duplicate codes are handled the same way.
"""
from __future__ import annotations

import csv
import re
from collections.abc import Callable
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
    ("informative", lambda h: h.startswith("例均费用") or h == "总控人次"),
    ("rate", _has("费率")),
    ("coefficient", _has("系数")),
    ("standard", _has("支付标准")),
    ("low", _has("低倍")),
    ("high", _has("高倍")),
]


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
    return WeightTable(
        name=name or path.stem,
        source=str(path),
        weight_header=headers[roles.index("weight")],
        entries=entries,
        ignored_columns=tuple(ignored),
        warnings=tuple(reader.warnings),
    )


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
    return "code (…编码), name (…名称), RW/权重/初始权重/标准分值, …费率…, …系数…, …支付标准…, …低倍…/…高倍…, 基础病组, 病组标识, 病组类型, 不稳定病组, 稳定…, 单议病组, 中医优势病组, 总量控制病组, 例均费用…, 总控人次"
