"""XLSX statements: one sheet per table plus a chart sheet, opened first, whose data line up by region."""
from __future__ import annotations

import io
import zipfile

from yidi_clearing.adapters.statements import chart_rows, to_xlsx

CROSS = {
    "kind": "cross-region", "month": "2026-10", "total": "30.00", "lines": [],
    "remittances": [{"region": "360200", "fund_payments": "10.00", "deductions": "0.00", "net": "10.00"},
                    {"region": "360100", "fund_payments": "20.00", "deductions": "1.00", "net": "19.00"}],
    "payments": [{"region": "360100", "fund_payments": "30.00", "deductions": "1.00", "net": "29.00"}],
}


def test_cross_region_chart_pairs_each_regions_remittance_with_its_payment():
    assert chart_rows(CROSS) == (["region", "remits to province", "paid by province"],
                                 [["360100", "19.00", "29.00"], ["360200", "10.00", "0.00"]])


def test_the_workbook_has_every_table_and_a_column_chart():
    book = zipfile.ZipFile(io.BytesIO(to_xlsx(CROSS)))
    workbook = book.read("xl/workbook.xml").decode()
    assert all(f'name="{name}"' in workbook for name in ("remittances", "payments", "lines", "chart"))
    chart = book.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and "chart!$B$2:$B$3" in chart and "chart!$C$2:$C$3" in chart
