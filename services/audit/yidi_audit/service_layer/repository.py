"""What audit's use cases need of storage; PostgresAuditRepository (adapters) and the tests' fake provide it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Protocol

from ..domain.assistance import AssistanceRequest
from ..domain.claims import ClaimFacts
from ..domain.corrections import FlagChange
from ..domain.findings import AuditFinding
from ..domain.review import Review
from ..domain.rules.score_drift import DipTally, MixKey
from ..domain.special_cases import QuotaUse, SpecialCase, Step


@dataclass(frozen=True, slots=True)
class NewFlag:
    finding: AuditFinding
    review: Review


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose flags and requests a reader sees: a bureau's region (as treatment, insured or 省本级 pool region), a
    hospital's own, or everything (province, analyst). Build it with `of_region`, `of_hospital` or `EVERYTHING`."""
    region: str | None = None
    hospital: str | None = None
    everything: bool = False
    EVERYTHING: ClassVar["Scope"]

    def __post_init__(self) -> None:
        if [self.region is not None, self.hospital is not None, self.everything].count(True) != 1:
            raise ValueError("a scope is one region, one hospital or everything")

    @classmethod
    def of_region(cls, region: str) -> "Scope":
        return cls(region=region)

    @classmethod
    def of_hospital(cls, hospital: str) -> "Scope":
        return cls(hospital=hospital)

    def admits(self, *, treatment_region: str, insured_region: str, hospital_code: str,
               pool_region: str | None = None) -> bool:
        if self.everything:
            return True
        if self.hospital is not None:
            return hospital_code == self.hospital
        return self.region in (treatment_region, insured_region, pool_region)


Scope.EVERYTHING = Scope(everything=True)


class NotFound(Exception):
    """What a use case was asked to act on is not stored; `ids` names it."""

    def __init__(self, title: str, **ids: str) -> None:
        super().__init__(title)
        self.title = title
        self.ids = ids


class AuditRepository(Protocol):
    async def lock_people(self, people: Sequence[str]) -> None:
        """Until the transaction ends; people sorted, so two batches never wait on each other in a cycle."""

    async def people_histories(self, since: Mapping[str, datetime],
                               claim_ids: Sequence[str]) -> dict[str, dict[str, ClaimFacts]]:
        """Each person's stored claims discharged at or after `since[person]`, and the stored versions of
        claim_ids, by person and claim id."""

    async def store_claims(self, claims: Sequence[ClaimFacts]) -> None:
        """claims: one per claim id; a stored newer version is kept."""

    async def insert_flags(self, flags: Sequence[NewFlag]) -> set[str]:
        """Stores the flags not stored yet; returns their ids."""

    async def claim_flags(self, claim_ids: Sequence[str], *, for_update: bool = True) -> list[Review]:
        """Every flag of these claims, whatever its version or status; locked until the transaction ends
        unless for_update is False."""

    async def update_flags(self, changes: Sequence[FlagChange]) -> None:
        """Saves each review (version, status, closed reason, amounts); with a finding, its severity and
        evidence too."""

    async def load_review(self, flag_id: str, *, for_update: bool = False) -> Review | None: ...

    async def save_review(self, review: Review) -> None: ...

    async def claim_facts(self, claim_id: str) -> ClaimFacts | None: ...

    async def count_in_mix(self, changes: Mapping[MixKey, int]) -> None:
        """Adds each change to its key's count of stored DIP claims (AUD-DIP-SCORE-DRIFT's mix)."""

    async def dip_mix(self, region: str, hospital_code: str, start: datetime, end: datetime,
                      diagnosis_chars: int) -> list[DipTally]:
        """The counts of the hospital's stored DIP claims (latest versions) discharged in the months of [start,
        end) that the region reviews (a 省本级 claim's pool region, else its treatment region), by month, type and
        principal diagnosis (at least its first `diagnosis_chars` characters)."""

    async def load_assistance(self, request_id: str, *, for_update: bool = False) -> AssistanceRequest | None: ...

    async def save_assistance(self, request: AssistanceRequest) -> None: ...

    # what the HTTP views read, each within the reader's scope

    async def list_flags(self, *, scope: Scope, region: str | None, hospital: str | None, rule: str | None,
                         status: str | None, limit: int, offset: int) -> list[dict]: ...

    async def flag_counts(self, scope: Scope) -> list[dict]:
        """Flags and suspected amount by rule and status."""

    async def list_assistance(self, scope: Scope, region: str | None) -> list[AssistanceRequest]: ...

    # 特例单议

    async def insert_cases(self, cases: Sequence[SpecialCase]) -> set[str]:
        """Stores the cases not stored yet (one per claim version) with their first steps; returns their ids."""

    async def load_case(self, case_id: str, *, for_update: bool = False) -> SpecialCase | None:
        """The case with its whole history, oldest step first."""

    async def save_case(self, case: SpecialCase, new_steps: Sequence[Step]) -> None:
        """The case's status, and its new steps appended to the history (never rewritten)."""

    async def open_cases(self, claim_ids: Sequence[str]) -> list[SpecialCase]:
        """The open cases of these claims, locked until the transaction ends."""

    async def lock_quota(self, region: str, hospital_code: str, period: str) -> None:
        """Until the transaction ends: one decision at a time per hospital and period."""

    async def quota_use(self, region: str, hospital_code: str, period: str, start: datetime,
                        end: datetime) -> QuotaUse:
        """The hospital's claims discharged in [start, end) whose reviewing region (a 省本级 claim's pool region,
        else the treatment region) is `region`, with Σ F, and its approved cases of the period there."""

    async def list_cases(self, *, scope: Scope, region: str | None, hospital: str | None, status: str | None,
                         period: str | None, limit: int, offset: int) -> list[SpecialCase]: ...

    async def cases_discharged(self, region: str, start: datetime, end: datetime) -> list[SpecialCase]:
        """The cases the region reviews (as for quota_use) of claims discharged in [start, end)."""

    async def claim_totals(self, region: str, start: datetime, end: datetime) -> dict[str, tuple[int, Decimal]]:
        """hospital -> (claims, Σ F) of the claims the region reviews (as for quota_use) discharged in [start, end)."""
