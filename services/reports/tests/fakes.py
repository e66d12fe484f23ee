"""The reports repository over lists and dicts, for the use cases' unit tests."""
from __future__ import annotations

from dataclasses import replace

from yidi_reports.domain.feedback import FeedbackItem
from yidi_reports.domain.indicators import Case
from yidi_reports.domain.objections import Objection
from yidi_reports.domain.reports import StoredReport
from yidi_reports.service_layer.repository import AnnualClearing, CaseQuery, Flag


class FakeReportsRepository:
    def __init__(self, cases: list[Case] = (), clearings: list[AnnualClearing] = ()) -> None:
        self.stored_cases = {c.claim_id: c for c in cases}
        self.clearings = list(clearings)
        self.stored_reports: dict[str, StoredReport] = {}
        self.bodies: dict[str, dict[str, bytes]] = {}
        self.stored_objections: dict[str, Objection] = {}
        self.stored_feedback: dict[str, FeedbackItem] = {}
        self.stored_flags: dict[str, Flag] = {}

    async def cases(self, query: CaseQuery) -> list[Case]:
        return [c for c in self.stored_cases.values() if c.stage in ("priced", "rejected") and c.period in query.months
                and (query.regions is None or c.treatment_region in query.regions)
                and query.hospital in (None, c.hospital_code) and query.insured_region in (None, c.insured_region)]

    async def stays(self, people: set[str], regions: set[str]) -> list[Case]:
        return [c for c in self.stored_cases.values() if c.priced and c.psn_no in people and c.treatment_region in regions]

    async def flags(self, claim_ids=None, *, region=None, hospital=None) -> list[Flag]:
        return []

    async def flag(self, flag_id: str) -> Flag | None:
        return self.stored_flags.get(flag_id)

    async def case(self, claim_id: str) -> Case | None:
        return self.stored_cases.get(claim_id)

    async def annual_clearings(self, region: str | None = None) -> list[AnnualClearing]:
        return [c for c in self.clearings if region in (None, c.region)]

    async def units(self) -> list[tuple[str, str, str]]:
        return sorted({(c.treatment_region, c.hospital_code, c.period) for c in self.stored_cases.values()})

    async def events_applied(self) -> int:
        return len(self.stored_cases)

    async def reports(self, *, kind=None, region=None, hospital=None, period=None) -> list[StoredReport]:
        return [replace(r, content=None) for r in self.stored_reports.values() if kind in (None, r.kind)
                and region in (None, r.region) and hospital in (None, r.hospital) and period in (None, r.period)]

    async def report(self, report_id: str) -> StoredReport | None:
        return self.stored_reports.get(report_id)

    async def save_report(self, report: StoredReport, bodies: dict[str, bytes] | None = None) -> None:
        self.stored_reports.setdefault(report.id, report)
        self.bodies.setdefault(report.id, bodies or {})

    async def objections(self, *, hospital=None, region=None) -> list[Objection]:
        return [o for o in self.stored_objections.values() if hospital in (None, o.hospital_code)
                and region in (None, o.treatment_region)]

    async def feedback_items(self, *, hospital=None, region=None, round_id=None) -> list[FeedbackItem]:
        return [i for i in self.stored_feedback.values() if hospital in (None, i.hospital_code)
                and region in (None, i.region) and round_id in (None, i.round)]

    async def feedback_item(self, item_id: str, *, for_update: bool = False) -> FeedbackItem | None:
        return self.stored_feedback.get(item_id)

    async def save_feedback_item(self, item: FeedbackItem) -> None:
        self.stored_feedback[item.id] = item
