"""Statements as CSV (one table) or XLSX (one sheet per table), for people who read them in a spreadsheet."""
from __future__ import annotations

import csv
import io

import xlsxwriter

TABLES = {"monthly": ("lines",), "annual": ("hospitals", "pools", "lines"),
          "cross-region": ("remittances", "payments", "lines")}


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
    book.close()
    return buf.getvalue()
