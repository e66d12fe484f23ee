"""A region's year per hospital, run by run, from the stored statements: what each run paid and why.

One line per hospital and run (prepayment, each monthly run and supplementary run, the annual run, each
annual adjustment), each line reconciling on its own:

    paid = fund_due + per_item + overrun + released − deductions − withheld + prepayment

where the annual line's fund_due and per_item are what the year's final figures add to what the monthly
runs settled, and its prepayment is the offset (negative). The hospital's total line then reads
paid = Σ FundDue final + per item + overrun − deductions − forfeited: the close check's identity.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

ZERO = Decimal("0.00")
COLUMNS = ("fund_due", "per_item", "overrun", "released", "deductions", "withheld", "prepayment", "paid")


def _d(value) -> Decimal:
    return Decimal(str(value))


def year_lines(prepayment: dict | None, monthly: list[dict], annual: list[dict]) -> list[dict]:
    lines: dict[str, list[dict]] = defaultdict(list)
    settled: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))

    def add(hospital: str, run: str, period: str, **amounts: Decimal) -> None:
        line = {"hospital": hospital, "run": run, "period": period, **{c: amounts.get(c, ZERO) for c in COLUMNS}}
        lines[hospital].append(line)

    if prepayment:
        for hospital, amount in prepayment["amounts"].items():
            add(hospital, "prepayment", f"{prepayment['year']}-01",
                prepayment=_d(amount), paid=_d(amount))
    for statement in monthly:
        run = f"monthly {statement['month']}" + (f" #{statement['run']}" if statement.get("run") else "")
        for l in statement["lines"]:
            h = l["hospital"]
            for field in ("fund_due", "per_item", "deductions"):
                settled[h][field] += _d(l[field])
            add(h, run, statement["month"], fund_due=_d(l["fund_due"]), per_item=_d(l["per_item"]),
                deductions=_d(l["deductions"]), withheld=_d(l["withheld"]), paid=_d(l["paid"]))
    if annual:
        first = annual[0]
        for h in first["hospitals"]:
            code = h["hospital"]
            add(code, "annual", f"{first['year']}-12",
                fund_due=_d(h["fund_due_final"]) - settled[code]["fund_due"],
                per_item=_d(h["per_item"]) - settled[code]["per_item"], overrun=_d(h["overrun_paid"]),
                released=_d(h["released"]), deductions=_d(h["deductions"]) - settled[code]["deductions"],
                prepayment=-_d(h["prepayment"]), paid=_d(h["balance"]))
        for adjustment in annual[1:]:
            for l in adjustment["lines"]:
                add(l["hospital"], f"annual adjustment #{adjustment['run']}", f"{first['year']}-12",
                    fund_due=_d(l["fund_due_final"]), per_item=_d(l["per_item"]), deductions=_d(l["deductions"]),
                    paid=_d(l["balance"]))
    out = []
    for hospital in sorted(lines):
        out += lines[hospital]
        total = {c: sum((l[c] for l in lines[hospital]), ZERO) for c in COLUMNS}
        out.append({"hospital": hospital, "run": "total", "period": "", **total})
    return out


def paid_per_hospital(lines: list[dict]) -> dict[str, Decimal]:
    """What the runs paid each hospital over the year: the `paid` of its total line."""
    return {l["hospital"]: l["paid"] for l in lines if l["run"] == "total"}
