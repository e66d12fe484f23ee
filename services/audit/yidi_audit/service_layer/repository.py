"""What audit's use cases need of storage; PostgresAuditRepository (adapters) and the tests' fake provide it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..domain.assistance import AssistanceRequest
from ..domain.claims import ClaimFacts
from ..domain.corrections import FlagChange
from ..domain.findings import AuditFinding
from ..domain.review import Review


@dataclass(frozen=True, slots=True)
class NewFlag:
    finding: AuditFinding
    review: Review


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

    async def load_assistance(self, request_id: str, *, for_update: bool = False) -> AssistanceRequest | None: ...

    async def save_assistance(self, request: AssistanceRequest) -> None: ...
