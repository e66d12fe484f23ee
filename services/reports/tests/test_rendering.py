"""A report's content rendered: HTML holds the figures, the PDF's text (STSong-Light, UCS-2) holds them,
the XLSX has them as numbers and a chart."""
from __future__ import annotations

import io
import re
import zlib
from base64 import a85decode
from decimal import Decimal

from openpyxl import load_workbook

from yidi_reports.adapters.render import html, pdf, xlsx
from yidi_reports.domain.indicators import Indicators
from yidi_reports.domain.report_content import FlagLine, ObjectionLine, build, problem_findings

META = {"generated_at": "2026-11-20T09:00:00+08:00", "config_version": "demo-2026.1", "data_version": "events:9/inputs:abc"}


def row(origin, avg, cmi, cost_index, **extra) -> Indicators:
    base = dict(period="2026-10", level="hospital", region="360700", origin=origin, hospital="H1", cases=2, persons=1,
                person_time_ratio=Decimal("2.0000"), avg_cost=Decimal(avg), grouping_rate=Decimal("1.0000"),
                cmi=Decimal(cmi), time_index=Decimal("1.0000"), cost_index=Decimal(cost_index),
                self_pay_share=Decimal("0.0000"), readmission_15d=Decimal("0.5000"), outlier_share=Decimal("0.0000"),
                special_case_share=Decimal("0.0000"), flags=1, deductions_amount=Decimal("0.00"),
                total_cost=Decimal(avg) * 2, lists=2)
    return Indicators(**{**base, **extra})


CONTENT = build("monthly-notice", region="360700", hospital="H1", period="2026-10",
                hospital_rows=[row("local", "9000.00", "1.1000", "1.1250"), row("cross", "7500.00", "0.9000", "0.9375")],
                region_rows=[], group_rows=[], flags=[FlagLine("F1", "C3", "H1", "AUD-SPLIT-ADMISSION", "withdrawn", None)],
                objections=[ObjectionLine("OBJ-1", "H1", "flag F1", "C3", "accepted", 2)])


def pdf_strings(document: bytes) -> str:
    """The text shown on the pages: each content stream inflated, each (...) Tj string unescaped and read
    as UCS-2 (ReportLab's encoding for the CID font)."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", document, re.S):
        raw = stream.strip()
        try:
            data = zlib.decompress(a85decode(raw[:-2] if raw.endswith(b"~>") else raw))
        except Exception:  # noqa: BLE001 - not a page stream
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data, re.S):
            unescaped = re.sub(rb"\\([0-7]{1,3}|.)", lambda m: bytes([int(m[1], 8)]) if m[1][:1].isdigit()
                               else {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(m[1], m[1]), literal)
            shown.append(unescaped.decode("utf-16-be", errors="replace"))
    return "\n".join(shown)


def test_html_holds_the_figures_and_the_versions():
    page = html(CONTENT, META).decode()
    assert "月告知 2026-10 H1" in page and "<td>9000.00</td>" in page and "<td>0.9375</td>" in page
    assert "demo-2026.1" in page and "events:9/inputs:abc" in page
    assert "<td>OBJ-1</td><td>H1</td><td>flag F1</td><td>C3</td><td>accepted</td><td>2</td>" in page


def test_pdf_parses_and_shows_the_chinese_text_and_figures():
    document = pdf(CONTENT, META)
    assert document.startswith(b"%PDF-1.4") and document.rstrip().endswith(b"%%EOF")
    text = pdf_strings(document)
    assert "月告知 2026-10 H1" in text and "9000.00" in text and "费用消耗指数" in text and "OBJ-1" in text


def test_xlsx_has_the_figures_as_numbers_and_a_chart():
    book = load_workbook(io.BytesIO(xlsx(CONTENT, META)))
    summary, first = book.worksheets[0], book.worksheets[1]
    assert summary["A1"].value == "月告知 2026-10 H1" and len(summary._charts) == 1
    rows = list(first.iter_rows(values_only=True))
    assert rows[0][:5] == ("来源", "病例数", "人数", "人次人头比", "次均费用")
    assert rows[1][0] == "本地" and rows[1][4] == 9000 and rows[2][4] == 7500 and rows[1][8] == 1.125


def test_problem_list_names_figures_beyond_their_bounds():
    rows = [row("local", "9000.00", "1.0", "1.3000", grouping_rate=Decimal("0.9000"))]
    flags = [FlagLine("F1", "C1", "H1", "R", "confirmed", Decimal("500.00")),
             FlagLine("F2", "C2", "H1", "R", "confirmed", Decimal("250.50"))]
    found = problem_findings(rows, flags)
    # 入组率 0.9000 < 0.95; readmission 0.5000 > 0.05; cost index 1.3000 > 1.20; two confirmed: 750.50
    assert [f[2] for f in found] == ["入组率偏低", "15日内再入院比例偏高", "费用消耗指数偏高", "违规使用医保基金"]
    assert found[-1][3] == "2 项，扣款 750.50"
