"""What the pages show, worked out from the services' answers (no I/O): labels, amounts, alert levels,
the review steps a caller may take on a flag."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from yidi_common.auth import Principal, Role

CHINA = timezone(timedelta(hours=8))
STAGES = {"submitted": "已提交", "rejected": "质控未通过", "grouped": "已分组", "priced": "已计价", "posted": "已记账"}
STEPS = {**STAGES, "audit-flag": "审核疑点", "rejected": "质控未通过（退回）"}  # a claim's timeline steps
FLAG_STATUSES = {"raised": "待初审", "proposed": "已提出", "confirmed": "已确认扣款", "disputed": "有争议",
                 "dismissed": "已撤销", "closed": "已关闭"}
ALERT_LEVELS = {"notice": "提示", "warning": "预警", "critical": "严重"}
ALERT_ORDER = ("notice", "warning", "critical")
REPORT_KINDS = {"monthly-notice": "月告知", "quarterly-announcement": "季公告", "annual-report": "年通报",
                "problem-list": "问题清单"}
OBJECTION_STATUSES = {"open": "待处理", "accepted": "已接受", "rejected": "已驳回"}
OBJECTION_TARGETS = {"notice": "月告知条目", "statement": "结算单条目", "flag": "审核疑点"}
ORIGINS = {"local": "本地", "cross": "异地"}
# seed 000 五(二)
COVERAGE_MEASURES = {"pools": "统筹区覆盖率", "hospitals": "定点医疗机构覆盖率", "groups": "病种覆盖率",
                     "fund": "医保基金覆盖率"}
# seed 004 二(四)
FEEDBACK_TOPICS = {"core-elements": "核心要素（基准点数、差异系数等）", "technical": "技术规范（ADRG 等）",
                   "reform": "支付方式改革建议", "other": "其他"}
FEEDBACK_STATUSES = {"open": "待答复", "answered": "已答复"}
ROUND_STATES = {"upcoming": "未开始", "collecting": "收集中", "answering": "答复中", "closed": "已结束"}
REFERENCE_KINDS = {"report": "报告", "flag": "审核疑点"}
ROLES = {"bureau": "医保局", "hospital": "医院", "province": "省医保中心", "ops": "运维", "analyst": "分析人员"}
ACTIONS = {"propose": "提出扣款", "withdraw": "撤销疑点", "confirm": "确认扣款", "dispute": "提出异议",
           "resolve": "裁决争议"}

# the services' field names as the pages show them
LABELS = {"drg_code": "DRG 组", "dip_code": "DIP 病种", "group_code": "分组", "group_name": "组名", "weight": "权重",
          "status": "状态", "grouping_status": "入组状态", "problems": "质控问题", "rule": "规则", "field": "字段",
          "message": "说明", "payment": "支付标准", "fund_due": "应付基金", "per_item": "按项目", "case_type": "病例类型",
          "rate": "费率/点值", "coefficient": "系数", "total_cost": "医疗总费用", "fund_paid": "基金已付",
          "explanation": "计算说明", "amount": "金额", "supersedes_version": "替代版本", "flag_id": "疑点", "rule_id": "规则",
          "entry_id": "分录", "account": "账户", "debit": "借方", "credit": "贷方", "period": "期间", "pool": "基金池",
          "drg": "DRG 组", "mdc": "MDC", "adrg": "ADRG", "scheme": "分组方案", "dip_type": "DIP 类型", "dip_score": "DIP 分值",
          "complications": "并发症/合并症", "payment_method": "付费方式", "basis": "计算依据", "standard": "支付标准（未取整）",
          "case_kind": "病例类别", "cost_ratio": "费用比", "paid_weight": "结算权重", "low_threshold": "低倍率界值",
          "high_threshold": "高倍率界值", "payment_exact": "支付标准（精确）", "hospital_level": "医院级别",
          "evidence": "依据", "severity": "严重程度", "kind": "类型", "lines": "分录行", "version": "版本",
          "claim_id": "结算清单", "setl_id": "结算流水号", "insu_admdvs": "参保地", "treat_admdvs": "就医地",
          "hospital_code": "医院", "suspected_amount": "疑似金额", "year": "年度", "origin": "来源", "insutype": "险种",
          "reason": "理由", "action": "操作", "deduction": "扣款"}


def yuan(amount: str | Decimal | None) -> str:
    """An amount as the services give it, to the fen with thousands separators (¥1,234.50); '—' for none."""
    if not isinstance(amount, (str, int, Decimal)) or amount == "":
        return "—"
    return f"{Decimal(str(amount)).quantize(Decimal('0.01')):,}"


def percent(share: str | Decimal | None) -> str:
    """A share (0.8123) as a percentage to two places (81.23 %)."""
    if not isinstance(share, (str, int, Decimal)) or share == "":
        return "—"
    return f"{(Decimal(str(share)) * 100).quantize(Decimal('0.01'))} %"


def coverage_chart(rows: list[dict]) -> dict:
    """The coverage chart's data: one category per row (a region, or the province), each measure as a
    percentage to two places (None where the region had no cases), and each measure's target line."""
    def pct(share) -> float | None:
        return None if share is None else float((Decimal(str(share)) * 100).quantize(Decimal("0.01")))

    targets = rows[0].get("targets", {}) if rows else {}
    return {"labels": [r["label"] for r in rows], "order": [m for m in COVERAGE_MEASURES if m != "pools"],
            "measures": {m: COVERAGE_MEASURES[m] for m in COVERAGE_MEASURES if m != "pools"},
            "values": {m: [pct(r.get(m)) for r in rows] for m in COVERAGE_MEASURES if m != "pools"},
            "targets": {m: pct(targets[m]) for m in COVERAGE_MEASURES if m != "pools" and m in targets}}


def china_time(moment: str | None) -> str:
    """A service's ISO timestamp (UTC) as China Standard Time, to the second ('—' for none)."""
    if not moment:
        return "—"
    return datetime.fromisoformat(moment).astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def highest_alerts(alerts: list[dict]) -> dict[str, str]:
    """The highest alert level each budget reached, by its key (a pool's label, or an insured budget's
    `<region>-<year>`; both name their year)."""
    highest: dict[str, str] = {}
    for alert in alerts:
        key, level = (alert.get("budget_ref") or {}).get("key"), alert.get("level")
        if key is None or level not in ALERT_ORDER:
            continue
        if key not in highest or ALERT_ORDER.index(level) > ALERT_ORDER.index(highest[key]):
            highest[key] = level
    return highest


def flag_actions(caller: Principal, flag: dict) -> list[str]:
    """The review steps the caller's role and region allow on the flag now (audit decides; these are the
    forms offered): the treatment region's bureau proposes or withdraws a raised flag, the insured
    region's bureau confirms or disputes a proposed one, the province resolves a disputed one."""
    status = flag.get("status")
    if caller.role is Role.PROVINCE:
        return ["resolve"] if status == "disputed" else []
    if caller.role is not Role.BUREAU:
        return []
    actions = []
    if status == "raised" and caller.region == flag.get("treat_admdvs"):
        actions += ["propose", "withdraw"]
    if status == "proposed" and caller.region == flag.get("insu_admdvs"):
        actions += ["confirm", "dispute"]
    return actions
