"""A report's content as HTML (Jinja2), PDF (ReportLab, Chinese in the built-in CID font STSong-Light, so
no font file is needed) and XLSX (openpyxl: a summary sheet with a bar chart, one sheet per table)."""
from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html", "j2"]))


def render_all(content: dict, meta: dict) -> dict[str, bytes]:
    return {"html": html(content, meta), "pdf": pdf(content, meta), "xlsx": xlsx(content, meta)}


def _number(text) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "—") else None
    except (InvalidOperation, TypeError):
        return None


def html(content: dict, meta: dict) -> bytes:
    values = [_number(v) for s in (content.get("chart") or {}).get("series", []) for v in s["values"]]
    chart_max = float(max((v for v in values if v is not None), default=Decimal(1)) or 1)
    return _templates.get_template("report.html.j2").render(c=content, meta=meta, chart_max=chart_max).encode()


def pdf(content: dict, meta: dict) -> bytes:
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=content["title"])
    title = ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)
    body = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=11)
    cell = ParagraphStyle("cell", fontName=FONT, fontSize=6.5, leading=8)
    story = [Paragraph(content["title"], title),
             Paragraph(f"统筹区 {content['region']} 医疗机构 {content.get('hospital') or '—'} 期间 {content['period']} "
                       f"生成于 {meta['generated_at']} 配置版本 {meta['config_version']} 数据版本 {meta['data_version']}", body),
             Spacer(1, 4 * mm)]
    if content["summary"]:
        story.append(_grid([[Paragraph(str(a), cell), Paragraph(str(b), cell)] for a, b in content["summary"]]))
    for table in content["tables"]:
        story.append(Paragraph(table["title"], heading))
        if table["rows"]:
            story.append(_grid([[Paragraph(str(v), cell) for v in table["columns"]]]
                               + [[Paragraph(str(v), cell) for v in row] for row in table["rows"]], header=True))
        else:
            story.append(Paragraph("无", body))
    doc.build(story)
    return out.getvalue()


def _grid(rows: list[list], header: bool = False) -> Table:
    table = Table(rows, repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeff")))
    table.setStyle(TableStyle(style))
    return table


def xlsx(content: dict, meta: dict) -> bytes:
    """Numbers are written as numbers (so a person can sum and chart them); the chart compares local and
    cross-region side by side on the summary sheet, where the workbook opens."""
    book = Workbook()
    summary = book.active
    summary.title = "概要"
    summary.append([content["title"]])
    for label, key in (("统筹区", "region"), ("医疗机构", "hospital"), ("期间", "period")):
        summary.append([label, content.get(key) or "—"])
    for label, key in (("生成于", "generated_at"), ("配置版本", "config_version"), ("数据版本", "data_version")):
        summary.append([label, str(meta[key])])
    for label, value in content["summary"]:
        summary.append([label, _cell(value)])
    chart_data = content.get("chart")
    if chart_data and chart_data["categories"]:
        start = summary.max_row + 2
        summary.cell(start, 1, chart_data["title"])
        for j, series in enumerate(chart_data["series"], start=2):
            summary.cell(start, j, series["name"])
        for i, category in enumerate(chart_data["categories"], start=start + 1):
            summary.cell(i, 1, category)
            for j, series in enumerate(chart_data["series"], start=2):
                summary.cell(i, j, _cell(series["values"][i - start - 1]))
        chart = BarChart()
        chart.title = chart_data["title"]
        last = start + len(chart_data["categories"])
        chart.add_data(Reference(summary, min_col=2, max_col=1 + len(chart_data["series"]), min_row=start, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(summary, min_col=1, min_row=start + 1, max_row=last))
        chart.width, chart.height = 20, 9
        summary.add_chart(chart, f"D{start}")
    for n, table in enumerate(content["tables"], start=1):
        sheet = book.create_sheet(f"{n} {table['title'][:24]}".replace("/", "-").replace("（", "(").replace("）", ")"))
        sheet.append(table["columns"])
        for row in table["rows"]:
            sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value):
    """A figure as a number (Decimal kept exact by openpyxl), anything else as text."""
    number = _number(value)
    if number is not None and isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
        return number
    return value
