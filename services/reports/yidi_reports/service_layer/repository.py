"""What the reports use cases need of storage; adapters/ implements it over PostgreSQL, tests/fakes.py over dicts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from ..domain.feedback import FeedbackItem
from ..domain.indicators import Case
from ..domain.objections import Objection
from ..domain.reports import StoredReport


@dataclass(frozen=True, slots=True)
class FlagUpdate:
    """What one event says about a flag; None fields are left as stored."""

    flag_id: str
    claim_id: str
    version: int | None = None
    hospital_code: str | None = None
    treatment_region: str | None = None
    insured_region: str | None = None
    rule_id: str | None = None
    suspected_amount: Decimal | None = None
    raised_at: datetime | None = None
    confirmed_amount: Decimal | None = None
    confirmed_period: str | None = None
    withdrawn_by: str | None = None


@dataclass(frozen=True, slots=True)
class Flag:
    flag_id: str
    claim_id: str
    version: int | None
    hospital_code: str | None
    treatment_region: str | None
    rule_id: str | None
    suspected_amount: Decimal | None
    raised_at: datetime | None
    confirmed_amount: Decimal | None
    confirmed_period: str | None
    withdrawn_by: str | None

    @property
    def counted(self) -> bool:
        """A flag withdrawn after an accepted objection no longer counts, unless it was confirmed first
        (audit then keeps the confirmation and its deduction)."""
        return self.withdrawn_by is None or self.confirmed_amount is not None


@dataclass(frozen=True, slots=True)
class AnnualClearing:
    region: str
    year: int
    cleared_at: datetime
    pools: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class CaseQuery:
    """Which current claim versions to load: by treatment region(s), settlement months, hospital, insured region."""

    months: tuple[str, ...]
    regions: tuple[str, ...] | None = None  # None: every region
    hospital: str | None = None
    insured_region: str | None = None


class ReportsRepository(Protocol):
    # the read model
    async def upsert_cases(self, cases: list[Case]) -> None:
        """Each case is merged into its claim's row: a later version replaces it, a later stage of the same
        version too, and what a stage does not know is kept from another stage of the same version."""

    async def upsert_flags(self, updates: list[FlagUpdate]) -> None: ...

    async def store_annual_clearing(self, clearing: AnnualClearing) -> None: ...

    async def cases(self, query: CaseQuery) -> list[Case]:
        """Current versions (priced or rejected) with their counted flags and deductions."""

    async def stays(self, people: set[str], regions: set[str]) -> list[Case]:
        """Every priced current version of these people in these treatment regions (readmissions)."""

    async def flags(self, claim_ids: list[str] | None = None, *, region: str | None = None,
                    hospital: str | None = None) -> list[Flag]: ...

    async def flag(self, flag_id: str) -> Flag | None: ...

    async def case(self, claim_id: str) -> Case | None: ...

    async def annual_clearings(self, region: str | None = None) -> list[AnnualClearing]: ...

    async def units(self) -> list[tuple[str, str, str]]:
        """(treatment region, hospital, settlement month) of every priced or rejected current version."""

    async def events_applied(self) -> int:
        """How many events the read model has applied (its inbox): part of a report's data version."""

    # reports
    async def reports(self, *, kind: str | None = None, region: str | None = None, hospital: str | None = None,
                      period: str | None = None) -> list[StoredReport]: ...

    async def report(self, report_id: str) -> StoredReport | None: ...

    async def report_body(self, report_id: str, fmt: str) -> bytes | None: ...

    async def save_report(self, report: StoredReport, bodies: dict[str, bytes] | None = None) -> None: ...

    # objections
    async def objections(self, *, hospital: str | None = None, region: str | None = None) -> list[Objection]: ...

    async def objection(self, objection_id: str, *, for_update: bool = False) -> Objection | None: ...

    async def open_objections(self, target_kind: str, target_id: str) -> list[Objection]: ...

    async def save_objection(self, objection: Objection) -> None: ...

    # feedback rounds
    async def feedback_items(self, *, hospital: str | None = None, region: str | None = None,
                             round_id: str | None = None) -> list[FeedbackItem]: ...

    async def feedback_item(self, item_id: str, *, for_update: bool = False) -> FeedbackItem | None: ...

    async def save_feedback_item(self, item: FeedbackItem) -> None: ...
