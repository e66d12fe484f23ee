"""An in-memory AuditRepository: what the use cases and handlers store, in dicts the tests read."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from yidi_audit.domain.assistance import AssistanceRequest
from yidi_audit.domain.claims import ClaimFacts
from yidi_audit.domain.corrections import FlagChange
from yidi_audit.domain.findings import AuditFinding
from yidi_audit.domain.review import Review
from yidi_audit.service_layer.repository import NewFlag


class FakeAuditRepository:
    def __init__(self, claims: Iterable[ClaimFacts] = (), reviews: Iterable[Review] = ()) -> None:
        self.claims = {c.claim_id: c for c in claims}
        self.reviews = {r.flag_id: r for r in reviews}
        self.findings: dict[str, AuditFinding] = {}
        self.requests: dict[str, AssistanceRequest] = {}
        self.locked: list[list[str]] = []

    async def lock_people(self, people: Sequence[str]) -> None:
        self.locked.append(list(people))

    async def people_histories(self, since: Mapping[str, datetime],
                               claim_ids: Sequence[str]) -> dict[str, dict[str, ClaimFacts]]:
        out: dict[str, dict[str, ClaimFacts]] = {}
        for c in self.claims.values():
            if c.psn_no in since and (c.dscg_time >= since[c.psn_no] or c.claim_id in claim_ids):
                out.setdefault(c.psn_no, {})[c.claim_id] = c
        return out

    async def store_claims(self, claims: Sequence[ClaimFacts]) -> None:
        for c in claims:
            if c.claim_id not in self.claims or self.claims[c.claim_id].version < c.version:
                self.claims[c.claim_id] = c

    async def insert_flags(self, flags: Sequence[NewFlag]) -> set[str]:
        new = {f.finding.flag_id: f for f in flags if f.finding.flag_id not in self.reviews}
        for flag_id, f in new.items():
            self.findings[flag_id], self.reviews[flag_id] = f.finding, f.review
        return set(new)

    async def claim_flags(self, claim_ids: Sequence[str], *, for_update: bool = True) -> list[Review]:
        return sorted((r for r in self.reviews.values() if r.claim_id in claim_ids), key=lambda r: r.flag_id)

    async def update_flags(self, changes: Sequence[FlagChange]) -> None:
        for c in changes:
            assert c.review.flag_id in self.reviews, "updates a stored flag only"
            self.reviews[c.review.flag_id] = c.review
            if c.finding is not None:
                self.findings[c.review.flag_id] = c.finding

    async def load_review(self, flag_id: str, *, for_update: bool = False) -> Review | None:
        return self.reviews.get(flag_id)

    async def save_review(self, review: Review) -> None:
        self.reviews[review.flag_id] = review

    async def claim_facts(self, claim_id: str) -> ClaimFacts | None:
        return self.claims.get(claim_id)

    async def load_assistance(self, request_id: str, *, for_update: bool = False) -> AssistanceRequest | None:
        return self.requests.get(request_id)

    async def save_assistance(self, request: AssistanceRequest) -> None:
        self.requests[request.request_id] = request
