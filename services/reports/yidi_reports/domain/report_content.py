"""What each seed 004 report says, as plain content (title, summary, tables, a chart) that the renderers
turn into HTML, PDF and XLSX. Pure: built from indicator rows, flags, objections and clearing results.

- monthly-notice (月告知, seed 004 二(一)): the hospital's last month: lists uploaded and rejected by QC,
  grouping, cost and consumption indicators local and cross-region, its groups, its audit flags and
  deductions, its objections and the corrections they led to.
- quarterly-announcement (季公告, 二(二)): the region's quarter: every hospital's total cost, admissions,
  QC, grouping, indicators; special-case (特例单议) counts; violations (confirmed deductions) named.
- annual-report (年通报, 二(三)): the region's year: indicators per hospital, top-10 groups by cost, the
  coverage of seed 000 五(二), each pool's annual clearing, the year's deductions.
- problem-list (问题建议清单, 三): per hospital, the problems the period's figures show against
  `PROBLEM_THRESHOLDS` and the objections still open, with a suggestion for each.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .indicators import Coverage, Indicators
from .reports import TITLES, ReportKind

ORIGIN_LABEL = {"local": "本地", "cross": "异地"}
INDICATOR_COLUMNS = [
    ("origin", "来源"), ("cases", "病例数"), ("persons", "人数"), ("person_time_ratio", "人次人头比"),
    ("avg_cost", "次均费用"), ("grouping_rate", "入组率"), ("cmi", "CMI"), ("time_index", "时间消耗指数"),
    ("cost_index", "费用消耗指数"), ("self_pay_share", "自费比例"), ("readmission_15d", "15日再入院率"),
    ("outlier_share", "高低倍率占比"), ("special_case_share", "特例单议占比"), ("flags", "审核疑点"),
    ("deductions_amount", "扣款金额"),
]
# problem-list findings (configuration; defaults): a figure beyond its bound is a problem of the hospital
PROBLEM_THRESHOLDS = {
    "grouping_rate": ("below", Decimal("0.95"), "入组率偏低", "核查结算清单主诊断与手术编码，提高入组率"),
    "readmission_15d": ("above", Decimal("0.05"), "15日内再入院比例偏高", "核查是否存在分解住院"),
    "outlier_share": ("above", Decimal("0.10"), "高低倍率病例占比偏高", "加强临床路径管理，控制费用偏离"),
    "cost_index": ("above", Decimal("1.20"), "费用消耗指数偏高", "控制病组次均费用"),
    "self_pay_share": ("above", Decimal("0.10"), "自费比例偏高", "规范自费项目告知，减轻参保人负担"),
}


@dataclass(frozen=True, slots=True)
class FlagLine:
    flag_id: str
    claim_id: str
    hospital: str
    rule_id: str
    status: str  # raised | confirmed | withdrawn
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class ObjectionLine:
    objection_id: str
    hospital: str
    target: str
    claim_id: str | None
    status: str
    corrected_version: int | None


def _text(value: Any) -> str:
    if value is None:
        return "—"
    return str(value)


def _indicator_rows(rows: Iterable[Indicators], first: str | None = None) -> list[list[str]]:
    out = []
    for row in rows:
        cells = [ORIGIN_LABEL.get(row.origin, row.origin)] + [_text(getattr(row, k)) for k, _ in INDICATOR_COLUMNS[1:]]
        out.append(([first(row)] if first else []) + cells)
    return out


def _table(title: str, columns: list[str], rows: list[list[str]]) -> dict:
    return {"title": title, "columns": columns, "rows": rows}


def _flags_table(flags: list[FlagLine]) -> dict:
    return _table("审核疑点与扣款", ["疑点", "医疗机构", "病例", "规则", "状态", "扣款金额"],
                  [[f.flag_id, f.hospital, f.claim_id, f.rule_id, f.status, _text(f.amount)] for f in flags])


def _objections_table(objections: list[ObjectionLine]) -> dict:
    return _table("异议申诉与更正", ["申诉", "医疗机构", "对象", "病例", "状态", "更正版本"],
                  [[o.objection_id, o.hospital, o.target, _text(o.claim_id), o.status,
                    _text(o.corrected_version) if o.corrected_version else ("待更正" if o.status == "accepted" and o.claim_id else "—")]
                   for o in objections])


def _chart(title: str, rows: list[Indicators], label, metric: str) -> dict:
    categories = sorted({label(r) for r in rows})
    series = []
    for origin in ("local", "cross"):
        by = {label(r): getattr(r, metric) for r in rows if r.origin == origin}
        series.append({"name": ORIGIN_LABEL[origin], "values": [str(by[c]) if by.get(c) is not None else None
                                                                for c in categories]})
    return {"title": title, "metric": metric, "categories": categories, "series": series}


def build(kind: str, *, region: str, hospital: str, period: str, hospital_rows: list[Indicators],
          region_rows: list[Indicators], group_rows: list[Indicators], flags: list[FlagLine],
          objections: list[ObjectionLine], coverage: Coverage | None = None,
          clearing: list[dict] | None = None, hospitals: list[str] | None = None) -> dict:
    """The content of one report; `hospitals` are those it concerns (who may object to it)."""
    kind = ReportKind(kind)
    subject = hospital or region
    content: dict[str, Any] = {
        "title": f"{TITLES[kind]} {period} {subject}", "kind": kind.value, "region": region, "hospital": hospital,
        "period": period, "hospitals": sorted(hospitals or ({hospital} if hospital else {r.hospital for r in hospital_rows if r.hospital})),
        "summary": [], "tables": [], "chart": None,
    }
    cases = sum(r.cases for r in (hospital_rows if hospital else region_rows))
    lists = sum(r.lists for r in (hospital_rows if hospital else region_rows))
    total = sum((r.total_cost for r in (hospital_rows if hospital else region_rows)), Decimal(0))
    deductions = sum((f.amount or Decimal(0) for f in flags if f.status == "confirmed"), Decimal(0))
    content["summary"] = [["结算清单上传", str(lists)], ["质控未通过", str(lists - cases)], ["病例数", str(cases)],
                          ["医疗总费用", str(total)], ["审核疑点", str(sum(1 for f in flags if f.status != "withdrawn"))],
                          ["违规扣款", str(deductions)]]
    columns = [c for _, c in INDICATOR_COLUMNS]
    if kind is ReportKind.MONTHLY_NOTICE:
        content["tables"] = [
            _table("病组入组、费用与消耗指数（本地与异地）", columns, _indicator_rows(hospital_rows)),
            _table("病组明细", ["病组"] + columns, _indicator_rows(sorted(group_rows, key=lambda r: (-r.cases, r.group or "")), lambda r: r.group)),
            _flags_table(flags), _objections_table(objections)]
        content["chart"] = _chart("CMI 与消耗指数", _metric_rows(hospital_rows), lambda r: r.group or "", "value")
    elif kind is ReportKind.QUARTERLY_ANNOUNCEMENT:
        content["tables"] = [
            _table("统筹区指标（本地与异地）", columns, _indicator_rows(region_rows)),
            _table("定点医疗机构指标", ["医疗机构"] + columns, _indicator_rows(hospital_rows, lambda r: r.hospital)),
            _table("违法违规使用医保基金（已确认扣款）", ["医疗机构", "疑点数", "扣款金额"], _violations(flags)),
            _flags_table(flags), _objections_table(objections)]
        content["chart"] = _chart("各医疗机构次均费用", hospital_rows, lambda r: r.hospital or "", "avg_cost")
    elif kind is ReportKind.ANNUAL_REPORT:
        top = sorted(group_rows, key=lambda r: (-r.total_cost, r.group or "", r.origin))[:10]
        content["tables"] = [
            _table("统筹区年度指标（本地与异地）", columns, _indicator_rows(region_rows)),
            _table("定点医疗机构年度指标", ["医疗机构"] + columns, _indicator_rows(hospital_rows, lambda r: r.hospital)),
            _table("费用前10名病组", ["病组", "来源", "病例数", "医疗总费用", "次均费用", "CMI"],
                   [[r.group or "", ORIGIN_LABEL[r.origin], str(r.cases), str(r.total_cost), _text(r.avg_cost), _text(r.cmi)]
                    for r in top]),
            _table("年度清算", ["资金池", "决算费率", "可分配额", "清算基金", "结余", "风险金"],
                   [[p.get("pool", ""), _text(p.get("final_rate")), _text(p.get("distributable")),
                     _text(p.get("fund_due_final")), _text(p.get("residue")), _text(p.get("reserve"))]
                    for p in clearing or []]),
            _flags_table(flags), _objections_table(objections)]
        if coverage is not None:
            content["summary"] += [["统筹区覆盖率", _text(coverage.pools)], ["定点医疗机构覆盖率", _text(coverage.hospitals)],
                                   ["病种覆盖率", _text(coverage.groups)], ["医保基金覆盖率", _text(coverage.fund)]]
        content["chart"] = _chart("各医疗机构 CMI", hospital_rows, lambda r: r.hospital or "", "cmi")
    else:
        content["tables"] = [_table("问题建议清单", ["医疗机构", "来源", "问题", "指标值", "建议"], problem_findings(hospital_rows, flags)),
                             _objections_table([o for o in objections if o.status == "open"])]
    return content


def _metric_rows(rows: list[Indicators]) -> list:
    """CMI and the two indices of a hospital as chart rows (label = metric name)."""
    out = []
    for row in rows:
        for metric, label in (("cmi", "CMI"), ("time_index", "时间消耗指数"), ("cost_index", "费用消耗指数")):
            out.append(_Point(label, row.origin, getattr(row, metric)))
    return out


@dataclass(frozen=True, slots=True)
class _Point:
    group: str
    origin: str
    value: Decimal | None


def _violations(flags: list[FlagLine]) -> list[list[str]]:
    by: dict[str, list[FlagLine]] = {}
    for f in flags:
        if f.status == "confirmed":
            by.setdefault(f.hospital, []).append(f)
    return [[h, str(len(fs)), str(sum((f.amount or Decimal(0) for f in fs), Decimal(0)))] for h, fs in sorted(by.items())]


def problem_findings(rows: list[Indicators], flags: list[FlagLine]) -> list[list[str]]:
    """Seed 004 三 问题建议清单: each hospital figure beyond PROBLEM_THRESHOLDS, and confirmed violations."""
    found = []
    for row in sorted(rows, key=lambda r: (r.hospital or "", r.origin)):
        for metric, (side, bound, problem, advice) in PROBLEM_THRESHOLDS.items():
            value = getattr(row, metric)
            if value is not None and (value < bound if side == "below" else value > bound):
                found.append([row.hospital or "", ORIGIN_LABEL[row.origin], problem, str(value), advice])
    for hospital, count, amount in _violations(flags):
        found.append([hospital, "—", "违规使用医保基金", f"{count} 项，扣款 {amount}", "落实整改，规范诊疗与收费行为"])
    return found
