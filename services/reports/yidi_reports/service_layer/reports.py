"""Generating the seed 004 reports, on demand and on the calendar (domain.reports), and storing each with
the configuration version and the data version it was made from (events applied + a hash of its content)."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date, datetime

import orjson

from yidi_common.unit_of_work import Transaction

from ..domain import report_content
from ..domain.indicators import Benchmark, Indicators
from ..domain.objections import corrected_version
from ..domain.periods import Period
from ..domain.reports import (
    Cadence,
    Expected,
    ReportKind,
    StoredReport,
    annual_report,
    china_date,
    due_now,
    expected_reports,
    monthly_notice,
    problem_list,
    quarterly_announcement,
    report_id,
)
from .indicators import NO_NORMS, coverage_of, indicator_rows
from .repository import CaseQuery, ReportsRepository

Renderer = Callable[[dict, dict], dict[str, bytes]]
PERIOD_KINDS = {ReportKind.MONTHLY_NOTICE: ("month",), ReportKind.QUARTERLY_ANNOUNCEMENT: ("quarter",),
                ReportKind.ANNUAL_REPORT: ("year",), ReportKind.PROBLEM_LIST: ("quarter", "year")}


class ReportRequestError(ValueError):
    def __init__(self, problems: list[dict]):
        super().__init__("; ".join(p["message"] for p in problems))
        self.problems = problems


def check_request(kind: str, region: str, hospital: str, period: str) -> Period:
    """A report's key makes sense: a monthly notice names a hospital and a month; the others a region's quarter or year."""
    problems = []
    try:
        parsed = Period.parse(period)
    except ValueError as e:
        raise ReportRequestError([{"field": "period", "rule": "period", "message": str(e)}]) from None
    if parsed.kind not in PERIOD_KINDS[ReportKind(kind)]:
        problems.append({"field": "period", "rule": "period-kind",
                         "message": f"a {kind} covers a {' or a '.join(PERIOD_KINDS[ReportKind(kind)])}, not {period}"})
    if (kind == ReportKind.MONTHLY_NOTICE) != bool(hospital):
        problems.append({"field": "hospital", "rule": "hospital",
                         "message": "a monthly notice names its hospital; the other reports are a region's"})
    if problems:
        raise ReportRequestError(problems)
    return parsed


async def due_date(tx: Transaction[ReportsRepository], kind: str, region: str, hospital: str, period: Period,
                   cadence: Cadence) -> date | None:
    if kind == ReportKind.MONTHLY_NOTICE:
        return monthly_notice(region, hospital, period, cadence).due_date
    if kind == ReportKind.QUARTERLY_ANNOUNCEMENT:
        return quarterly_announcement(region, period, cadence).due_date
    clearing = {(c.region, c.year): c for c in await tx.repo.annual_clearings(region)}
    if kind == ReportKind.ANNUAL_REPORT:
        found = clearing.get((region, period.year))
        return annual_report(region, period.year, china_date(found.cleared_at)).due_date if found else None
    announced = await _announced(tx)
    on = announced.get((region, period.label))
    if on is None:
        if period.months == 3:
            on = quarterly_announcement(region, period, cadence).due_date
        elif (region, period.year) in clearing:
            on = annual_report(region, period.year, china_date(clearing[(region, period.year)].cleared_at)).due_date
    return problem_list(region, period.label, on, cadence).due_date if on else None


async def generate(tx: Transaction[ReportsRepository], *, kind: str, region: str, hospital: str, period: str,
                   trigger: str, now: datetime, config_version: str, render: Renderer,
                   cadence: Cadence = Cadence(), norms: Mapping[str, Benchmark] = NO_NORMS) -> StoredReport:
    parsed = check_request(kind, region, hospital, period)
    content = await build_content(tx, kind=kind, region=region, hospital=hospital, period=parsed, norms=norms)
    digest = hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()
    data_version = f"events:{await tx.repo.events_applied()}/inputs:{digest[:16]}"
    previous = await tx.repo.reports(kind=kind, region=region, hospital=hospital, period=parsed.label)
    revision = max((r.revision for r in previous), default=0) + 1
    report = StoredReport(
        id=report_id(kind, region, hospital, parsed.label, revision), kind=kind, region=region, hospital=hospital,
        period=parsed.label, revision=revision, due_date=await due_date(tx, kind, region, hospital, parsed, cadence),
        generated_at=now, trigger=trigger, config_version=config_version, data_version=data_version,
        input_hash=digest, content=content)
    meta = {"generated_at": now.isoformat(timespec="seconds"), "config_version": config_version,
            "data_version": data_version}
    await tx.repo.save_report(report, render(content, meta))
    return report


async def build_content(tx: Transaction[ReportsRepository], *, kind: str, region: str, hospital: str,
                        period: Period, norms: Mapping[str, Benchmark] = NO_NORMS) -> dict:
    regions = (region,)
    hospital_rows = await indicator_rows(tx, level="hospital", period=period, regions=regions, hospital=hospital or None,
                                         norms=norms)
    region_rows = await indicator_rows(tx, level="region", period=period, regions=regions, norms=norms)
    group_rows = await indicator_rows(tx, level="group", period=period, regions=regions, hospital=hospital or None,
                                      norms=norms)
    cases = {c.claim_id: c for c in await tx.repo.cases(_query(period, region, hospital))}
    flags = [report_content.FlagLine(
        f.flag_id, f.claim_id, f.hospital_code or "", f.rule_id or "",
        "confirmed" if f.confirmed_amount is not None else ("withdrawn" if f.withdrawn_by else "raised"),
        f.confirmed_amount) for f in await tx.repo.flags(sorted(cases), region=region, hospital=hospital or None)]
    objections = []
    for o in await tx.repo.objections(hospital=hospital or None, region=region):
        current = await tx.repo.case(o.claim_id) if o.claim_id else None
        objections.append(report_content.ObjectionLine(o.id, o.hospital_code, f"{o.target_kind} {o.target_id}",
                                                       o.claim_id, o.status,
                                                       corrected_version(o, current.version if current else None)))
    coverage, clearing = None, None
    if kind == ReportKind.ANNUAL_REPORT:
        coverage = await coverage_of(tx, region=region, year=period.year, configured_regions={region},
                                     known_regions={region})
        clearing = next((c.pools for c in await tx.repo.annual_clearings(region) if c.year == period.year), [])
    return report_content.build(kind, region=region, hospital=hospital, period=period.label,
                                hospital_rows=hospital_rows, region_rows=region_rows, group_rows=group_rows,
                                flags=flags, objections=objections, coverage=coverage, clearing=clearing,
                                hospitals=[hospital] if hospital else _hospitals(hospital_rows))


def _hospitals(rows: list[Indicators]) -> list[str]:
    return sorted({r.hospital for r in rows if r.hospital})


def _query(period: Period, region: str, hospital: str) -> CaseQuery:
    return CaseQuery(tuple(period.month_labels), (region,), hospital or None)


async def _announced(tx: Transaction[ReportsRepository]) -> dict[tuple[str, str], date]:
    """The day each region's quarterly announcement or annual report was first generated."""
    found: dict[tuple[str, str], date] = {}
    for r in await tx.repo.reports():
        if r.kind in (ReportKind.QUARTERLY_ANNOUNCEMENT, ReportKind.ANNUAL_REPORT) and r.generated_at is not None:
            day = china_date(r.generated_at)
            found[(r.region, r.period)] = min(found.get((r.region, r.period), day), day)
    return found


async def expected(tx: Transaction[ReportsRepository], today: date, cadence: Cadence = Cadence()) -> list[Expected]:
    units = [(region, hospital, month) for region, hospital, month in await tx.repo.units()]
    clearings = [(c.region, c.year, china_date(c.cleared_at)) for c in await tx.repo.annual_clearings()]
    return expected_reports(units, clearings, await _announced(tx), today, cadence)


async def run_schedule(tx: Transaction[ReportsRepository], *, now: datetime, config_version: str, render: Renderer,
                       cadence: Cadence = Cadence(), limit: int = 50,
                       norms: Mapping[str, Benchmark] = NO_NORMS) -> list[StoredReport]:
    """Records every report the calendar expects by `now` (revision 0, with its due date) and generates those
    whose day has come, the earliest due first, at most `limit` a run (a service started on a year of data
    catches up over a few runs instead of one long transaction); generating a quarterly announcement or an
    annual report makes its problem list expected, generated on the next run. Returns what was generated."""
    today = china_date(now)
    wanted = await expected(tx, today, cadence)
    stored = await tx.repo.reports()
    keys = {(r.kind, r.region, r.hospital, r.period) for r in stored}
    generated = {(r.kind, r.region, r.hospital, r.period) for r in stored if r.generated_at is not None}
    for e in wanted:
        if (e.kind.value, e.region, e.hospital, e.period) not in keys:
            await tx.repo.save_report(StoredReport(report_id(e.kind.value, e.region, e.hospital, e.period, 0),
                                                   e.kind.value, e.region, e.hospital, e.period, 0, e.due_date))
    made = []
    for e in due_now(wanted, generated, today)[:limit]:
        made.append(await generate(tx, kind=e.kind.value, region=e.region, hospital=e.hospital, period=e.period,
                                   trigger="schedule", now=now, config_version=config_version, render=render,
                                   cadence=cadence, norms=norms))
    return made


def latest(reports: list[StoredReport]) -> list[tuple[StoredReport, int]]:
    """Per report key, its latest revision (the expected placeholder while none was generated) and the
    number of generations."""
    by: dict[tuple, list[StoredReport]] = {}
    for r in reports:
        by.setdefault((r.kind, r.region, r.hospital, r.period), []).append(r)
    out = []
    for rows in by.values():
        top = max(rows, key=lambda r: r.revision)
        expected_due = next((r.due_date for r in rows if r.revision == 0), None)
        if expected_due is not None and top.due_date is None:
            top = replace(top, due_date=expected_due)
        out.append((top, sum(1 for r in rows if r.revision > 0)))
    return sorted(out, key=lambda x: (x[0].due_date or date.max, x[0].kind, x[0].region, x[0].hospital, x[0].period))
