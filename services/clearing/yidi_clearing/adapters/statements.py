"""Statements as CSV (one table) or XLSX (one sheet per table and a chart), for people who read them in a spreadsheet."""
from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

import xlsxwriter

TABLES = {"monthly": ("lines", "periods"), "annual": ("hospitals", "pools", "lines"),
          "annual-adjustment": ("lines",), "cross-region": ("remittances", "payments", "lines"),
          "cross-province": ("remittances", "payments", "lines"), "year": ("lines",)}
CHART_TITLES = {
    "monthly": "Paid to each hospital, and what was withheld (yuan)",
    "annual": "Distributable budget against FundDue at the final rate, per pool (yuan)",
    "cross-region": "Each region's net remittance to the province and net payment from it (yuan)",
    "cross-province": "Cross-province claims: each region's net through the national platform (yuan)",
    "annual-adjustment": "Annual adjustment: balance paid (or recovered) per hospital (yuan)",
    "year": "Paid to each hospital over the year (yuan)",
}


def to_csv(statement: dict, table: str | None = None) -> str:
    rows = statement[table or TABLES[statement["kind"]][0]]
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out.getvalue()


def to_xlsx(statement: dict) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": True})
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7"})
    for table in TABLES[statement["kind"]]:
        rows = statement.get(table) or []
        sheet = book.add_worksheet(table)
        if not rows:
            continue
        header = list(rows[0])
        sheet.write_row(0, 0, header, bold)
        for i, row in enumerate(rows, 1):
            sheet.write_row(i, 0, [row[h] for h in header])
        sheet.set_column(0, len(header) - 1, 16)
        sheet.freeze_panes(1, 0)
    _add_chart(book, statement)
    book.close()
    return buf.getvalue()


def chart_rows(statement: dict) -> tuple[list[str], list[list]]:
    """What the statement's chart shows: a header and one row per bar group."""
    kind = statement["kind"]
    if kind == "monthly":
        return ["hospital", "paid", "withheld"], [[r["hospital"], r["paid"], r["withheld"]] for r in statement["lines"]]
    if kind == "year":
        return ["hospital", "paid"], [[r["hospital"], r["paid"]] for r in statement["lines"] if r["run"] == "total"]
    if kind == "annual-adjustment":
        return ["hospital", "balance"], [[r["hospital"], r["balance"]] for r in statement["lines"]]
    if kind == "annual":
        return (["pool", "distributable", "fund_due_final"],
                [[r["pool"], r["distributable"], r["fund_due_final"]] for r in statement["pools"]])
    remits = {r["region"]: r["net"] for r in statement.get("remittances") or []}
    receives = {r["region"]: r["net"] for r in statement.get("payments") or []}
    return (["region", "remits to province", "paid by province"],
            [[region, remits.get(region, "0.00"), receives.get(region, "0.00")] for region in sorted(remits | receives)])


def _add_chart(book: xlsxwriter.Workbook, statement: dict) -> None:
    header, rows = chart_rows(statement)
    if not rows:
        return
    sheet = book.add_worksheet("chart")
    sheet.write_row(0, 0, header)
    for i, row in enumerate(rows, 1):
        sheet.write_row(i, 0, row)
    chart = book.add_chart({"type": "column"})
    for column, name in enumerate(header[1:], 1):
        chart.add_series({"name": name, "categories": ["chart", 1, 0, len(rows), 0],
                          "values": ["chart", 1, column, len(rows), column]})
    chart.set_title({"name": CHART_TITLES[statement["kind"]]})
    chart.set_x_axis({"num_font": {"rotation": -45}})
    chart.set_size({"width": 960, "height": 480})
    sheet.insert_chart("E2", chart)
    sheet.activate()  # the workbook opens on the chart


def read_assessments(text: str) -> dict[str, Decimal]:
    """A CSV of assessment results (columns hospital_code, score); every bad row named."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"hospital_code", "score"} <= set(reader.fieldnames):
        raise ValueError("the assessments CSV needs the columns hospital_code and score")
    scores: dict[str, Decimal] = {}
    problems = []
    for line, row in enumerate(reader, 2):
        try:
            score = Decimal(row["score"].strip())
        except (InvalidOperation, AttributeError):
            problems.append(f"line {line}: score {row['score']!r} is not a number")
            continue
        if not 0 <= score <= 100:
            problems.append(f"line {line}: score {score} is outside 0-100")
        scores[row["hospital_code"].strip()] = score
    if problems:
        raise ValueError("; ".join(problems))
    return scores
