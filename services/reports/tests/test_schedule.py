"""The calendar run as the background task runs it, with an injected clock, over the in-memory repository."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from yidi_common.unit_of_work import Transaction
from yidi_reports.domain.indicators import Case
from yidi_reports.service_layer.reports import latest, run_schedule
from yidi_reports.service_layer.repository import AnnualClearing

from .fakes import FakeReportsRepository

CST = timezone(timedelta(hours=8))


def case(claim_id: str, hospital: str, month: str) -> Case:
    at = datetime(int(month[:4]), int(month[5:]), 3, 9)
    return Case(claim_id=claim_id, version=1, hospital_code=hospital, treatment_region="360100",
                insured_region="360100", origin="local", period=month, psn_no=claim_id, adm_time=at,
                dscg_time=at + timedelta(days=4), los=4, total_cost=Decimal("5000.00"), grouping_status="grouped",
                payment_method="DRG", group="BR25", weight=Decimal("1.2"), case_kind="normal")


def rendered(content: dict, meta: dict) -> dict[str, bytes]:
    return {"html": content["title"].encode(), "pdf": b"%PDF", "xlsx": b"PK"}


async def run(repo, at: datetime, limit: int = 50) -> list[str]:
    made = await run_schedule(Transaction(repo), now=at, config_version="v1", render=rendered, limit=limit)
    return sorted(r.id for r in made)


async def test_the_calendar_makes_each_report_on_its_day_once():
    repo = FakeReportsRepository([case("c1", "H1", "2026-03"), case("c2", "H2", "2026-03"), case("c3", "H1", "2026-04")])
    # 19 April: March and Q1 are over: the notices are expected (due 30 April, made on the 20th), the
    # announcement too (due 10 May, made on 1 May)
    assert await run(repo, datetime(2026, 4, 19, 12, tzinfo=CST)) == []
    expected = {(r.kind, r.hospital, r.period): r for r, _ in latest(await repo.reports())}
    assert {k: (r.revision, r.due_date) for k, r in expected.items()} == {
        ("monthly-notice", "H1", "2026-03"): (0, date(2026, 4, 30)),
        ("monthly-notice", "H2", "2026-03"): (0, date(2026, 4, 30)),
        ("quarterly-announcement", "", "2026-Q1"): (0, date(2026, 5, 10))}
    # 20 April 00:30 in China (19 April in UTC): their day has come
    assert await run(repo, datetime(2026, 4, 19, 16, 30, tzinfo=timezone.utc)) == [
        "monthly-notice-360100-H1-2026-03-r1", "monthly-notice-360100-H2-2026-03-r1"]
    assert await run(repo, datetime(2026, 4, 21, 9, tzinfo=CST)) == []  # made once
    notice = repo.stored_reports["monthly-notice-360100-H1-2026-03-r1"]
    assert (notice.trigger, notice.config_version, notice.due_date) == ("schedule", "v1", date(2026, 4, 30))
    assert notice.data_version.startswith("events:3/inputs:") and repo.bodies[notice.id]["html"] == "月告知 2026-03 H1".encode()
    # 2 May: April's notice expected (made 20 May), Q1's announcement made (1 May, due 10 May); the problem
    # list follows the announcement on the next run, due a week later
    assert await run(repo, datetime(2026, 5, 2, 9, tzinfo=CST)) == ["quarterly-announcement-360100-2026-Q1-r1"]
    assert await run(repo, datetime(2026, 5, 2, 9, 5, tzinfo=CST)) == ["problem-list-360100-2026-Q1-r1"]
    listed = {(r.kind, r.period): (r.due_date, r.overdue(date(2026, 5, 2))) for r, _ in latest(await repo.reports())}
    assert listed[("problem-list", "2026-Q1")] == (date(2026, 5, 9), False)
    assert listed[("monthly-notice", "2026-04")] == (date(2026, 5, 31), False)


async def test_a_late_start_catches_up_in_batches_and_shows_what_is_overdue():
    repo = FakeReportsRepository([case(f"c{m}", "H1", f"2026-{m:02d}") for m in range(1, 7)],
                                 [AnnualClearing("360100", 2025, datetime(2026, 1, 20, 10, tzinfo=CST), [])])
    first = await run(repo, datetime(2026, 7, 25, 9, tzinfo=CST), limit=3)
    # the earliest due first: the 2025 annual report (cleared 20 Jan: due 20 Feb), its problem list (counted
    # from that due date, as the report was not made: due 27 Feb), January's notice (due 28 Feb)
    assert first == ["annual-report-360100-2025-r1", "monthly-notice-360100-H1-2026-01-r1",
                     "problem-list-360100-2025-r1"]
    overdue = sorted((r.kind, r.period) for r, _ in latest(await repo.reports()) if r.overdue(date(2026, 7, 25)))
    # made late (after their due dates) or still missing: every one of them but June's notice (due 31 July)
    assert ("monthly-notice", "2026-06") not in overdue and ("monthly-notice", "2026-01") in overdue
    assert ("annual-report", "2025") in overdue and ("quarterly-announcement", "2026-Q1") in overdue
    rest = await run(repo, datetime(2026, 7, 25, 9, 5, tzinfo=CST), limit=50)
    assert "monthly-notice-360100-H1-2026-06-r1" in rest and "quarterly-announcement-360100-2026-Q2-r1" not in rest
