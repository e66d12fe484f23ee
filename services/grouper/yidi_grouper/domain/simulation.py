"""模拟测算 (seed 000 二(二)): what the chain would decide of a list, nothing kept.

One case: the QC problems, the group, the pricing (weight, rate, standard, payment, fund due) and the
difference between the payment and the per-item cost (Σ fee items, T). A list QC would reject is not
priced (the chain would not price it); one pricing refuses is shown with pricing's reason. Totals sum
the priced cases. Amounts are Decimal yuan as pricing rounded them; the difference is exact.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

PRICED, REJECTED, NOT_PRICED = "priced", "rejected", "not priced"


@dataclass(frozen=True)
class SimulatedCase:
    setl_id: str
    hospital_code: str
    treat_admdvs: str
    insu_admdvs: str
    setl_period: str
    total_cost: Decimal  # per-item cost T
    problems: list[dict]  # QC problems (field, rule, message)
    grouping: dict  # GroupingOutcome as JSON
    pricing: dict | None = None  # PricingOutcome as JSON, when priced
    pricing_error: str | None = None
    claim_id: str | None = None  # a stored list's claim (batch by hospital and period)
    version: int | None = None

    @property
    def status(self) -> str:
        if self.problems:
            return REJECTED
        return PRICED if self.pricing is not None else NOT_PRICED

    @property
    def payment(self) -> Decimal | None:
        return Decimal(self.pricing["payment"]) if self.pricing else None

    @property
    def fund_due(self) -> Decimal | None:
        return Decimal(self.pricing["fund_due"]) if self.pricing else None

    @property
    def difference(self) -> Decimal | None:
        """Payment − per-item cost: what the hospital gains (positive) or loses against per-item billing."""
        return self.payment - self.total_cost if self.pricing else None

    def explanation(self) -> list[str]:
        lines = [f"QC: {p['rule']} {p['field']}: {p['message']}" for p in self.problems]
        if self.problems:
            lines.append("not priced: quality control would reject this list")
        lines += self.grouping.get("explanation") or []
        if self.pricing:
            p = self.pricing
            lines.append(f"priced as {p['case_kind']} ({p.get('basis')}): payment {p['payment']}, fund due {p['fund_due']}, "
                         f"per-item cost {self.total_cost}, difference {self.difference}")
            lines += p.get("explanation") or []
        elif self.pricing_error:
            lines.append(f"not priced: {self.pricing_error}")
        return lines

    def as_json(self) -> dict:
        answer = {
            "setl_id": self.setl_id, "hospital_code": self.hospital_code, "treat_admdvs": self.treat_admdvs,
            "insu_admdvs": self.insu_admdvs, "setl_period": self.setl_period, "status": self.status,
            "qc": {"passed": not self.problems, "problems": self.problems},
            "grouping": self.grouping, "pricing": self.pricing,
            "total_cost": str(self.total_cost), "payment": _text(self.payment), "fund_due": _text(self.fund_due),
            "difference": _text(self.difference), "explanation": self.explanation(),
        }
        if self.claim_id is not None:
            answer = {"claim_id": self.claim_id, "version": self.version, **answer}
        return answer


@dataclass
class Totals:
    cases: int = 0
    priced: int = 0
    rejected: int = 0
    not_priced: int = 0
    total_cost: Decimal = Decimal("0.00")  # of the priced cases
    payment: Decimal = Decimal("0.00")
    fund_due: Decimal = Decimal("0.00")
    difference: Decimal = Decimal("0.00")
    by_group: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"cases": self.cases, "priced": self.priced, "rejected": self.rejected, "not_priced": self.not_priced,
                "total_cost": str(self.total_cost), "payment": str(self.payment), "fund_due": str(self.fund_due),
                "difference": str(self.difference), "by_group": dict(sorted(self.by_group.items()))}


def totals(cases: list[SimulatedCase]) -> Totals:
    """Counts by status; sums of cost, payment, fund due and difference over the priced cases."""
    result = Totals(cases=len(cases))
    for case in cases:
        if case.status == REJECTED:
            result.rejected += 1
            continue
        group = group_code(case.grouping)
        result.by_group[group] = result.by_group.get(group, 0) + 1
        if case.status == NOT_PRICED:
            result.not_priced += 1
            continue
        result.priced += 1
        result.total_cost += case.total_cost
        result.payment += case.payment
        result.fund_due += case.fund_due
        result.difference += case.difference
    return result


def group_code(grouping: dict) -> str:
    return (grouping.get("dip_type") if grouping.get("payment_method") == "DIP" else grouping.get("drg")) or ""


CSV_COLUMNS = ("claim_id", "setl_id", "hospital_code", "setl_period", "status", "payment_method", "mdc", "group",
               "case_kind", "weight", "rate", "coefficient", "standard", "total_cost", "payment", "fund_due",
               "difference", "qc_problems", "pricing_error")


def csv_rows(cases: list[SimulatedCase], summed: Totals) -> list[list[str]]:
    """The table of a batch: one row per case, then the totals row (setl_id `TOTAL`)."""
    rows = [list(CSV_COLUMNS)]
    for case in cases:
        p = case.pricing or {}
        rows.append([case.claim_id or "", case.setl_id, case.hospital_code, case.setl_period, case.status,
                     case.grouping.get("payment_method") or "", case.grouping.get("mdc") or "",
                     group_code(case.grouping), p.get("case_kind") or "", _text(p.get("weight")),
                     _text(p.get("rate")), _text(p.get("coefficient")), _text(p.get("standard")),
                     str(case.total_cost), _text(case.payment), _text(case.fund_due), _text(case.difference),
                     " ".join(problem["rule"] for problem in case.problems), case.pricing_error or ""])
    rows.append(["", "TOTAL", "", "", f"{summed.priced} priced, {summed.rejected} rejected, "
                 f"{summed.not_priced} not priced", "", "", "", "", "", "", "", "", str(summed.total_cost),
                 str(summed.payment), str(summed.fund_due), str(summed.difference), "", ""])
    return rows


def _text(value) -> str | None:
    return None if value is None else str(value)
