"""An in-memory AuditRepository: what the use cases and handlers store, in dicts the tests read."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal

from yidi_common.events import Envelope
from yidi_common.unit_of_work import Transaction

from yidi_audit.domain.assistance import AssistanceRequest
from yidi_audit.domain.claims import ClaimFacts
from yidi_audit.domain.corrections import FlagChange
from yidi_audit.domain.findings import AuditFinding
from yidi_audit.domain.review import Review
from yidi_audit.domain.rules.score_drift import DipTally, MixKey, mix_key
from yidi_audit.domain.special_cases import CaseStatus, QuotaUse, SpecialCase, Step
from yidi_audit.service_layer.repository import NewFlag, Scope


class FakeAuditRepository:
    def __init__(self, claims: Iterable[ClaimFacts] = (), reviews: Iterable[Review] = ()) -> None:
        self.claims = {c.claim_id: c for c in claims}
        self.reviews = {r.flag_id: r for r in reviews}
        self.findings: dict[str, AuditFinding] = {}
        self.requests: dict[str, AssistanceRequest] = {}
        self.locked: list[list[str]] = []
        self.cases: dict[str, SpecialCase] = {}
        self.history: dict[str, list[Step]] = {}  # append-only, as the table
        self.quota_locks: list[tuple[str, str, str]] = []
        self.mix: dict[MixKey, int] = {}  # as migration 0007 fills it from the claims stored before
        for claim in self.claims.values():
            if (key := mix_key(claim)) is not None:
                self.mix[key] = self.mix.get(key, 0) + 1

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

    async def count_in_mix(self, changes) -> None:
        for key, n in changes.items():
            self.mix[key] = self.mix.get(key, 0) + n

    async def dip_mix(self, region: str, hospital_code: str, start: datetime, end: datetime,
                      diagnosis_chars: int) -> list[DipTally]:
        return [DipTally(k.principal_diagnosis, k.dip_type, k.score, k.month, n) for k, n in self.mix.items()
                if k.region == region and k.hospital_code == hospital_code and start <= k.month < end and n > 0]

    async def load_assistance(self, request_id: str, *, for_update: bool = False) -> AssistanceRequest | None:
        return self.requests.get(request_id)

    async def save_assistance(self, request: AssistanceRequest) -> None:
        self.requests[request.request_id] = request

    async def list_flags(self, *, scope: Scope, region: str | None, hospital: str | None, rule: str | None,
                         status: str | None, limit: int, offset: int) -> list[dict]:
        rows = [r for r in self._scoped(scope)
                if region in (None, r.treatment_region, r.insured_region, r.pool_region) and hospital in (None, r.hospital_code)
                and rule in (None, r.rule_id) and status in (None, r.status.value)]
        rows.sort(key=lambda r: (r.raised_at, r.flag_id))
        return [self._row(r) for r in rows[offset:offset + limit]]

    async def flag_counts(self, scope: Scope) -> list[dict]:
        counts: dict[tuple[str, str], list] = {}
        for r in self._scoped(scope):
            entry = counts.setdefault((r.rule_id, r.status.value), [0, Decimal(0)])
            entry[0] += 1
            entry[1] += r.suspected_amount
        return [{"rule_id": rule, "status": status, "flags": n, "suspected": str(amount)}
                for (rule, status), (n, amount) in sorted(counts.items())]

    async def list_assistance(self, scope: Scope, region: str | None) -> list[AssistanceRequest]:
        return sorted((a for a in self.requests.values()
                       if scope.admits(treatment_region=a.treatment_region, insured_region=a.insured_region,
                                       hospital_code=a.hospital_code)
                       and region in (None, a.treatment_region, a.insured_region)), key=lambda a: a.deadline)

    async def insert_cases(self, cases: Sequence[SpecialCase]) -> set[str]:
        new = {c.case_id: c for c in cases if c.case_id not in self.cases}
        for case_id, c in new.items():
            self.cases[case_id] = c
            self.history[case_id] = list(c.history)
        return set(new)

    async def load_case(self, case_id: str, *, for_update: bool = False) -> SpecialCase | None:
        return self.cases.get(case_id)

    async def save_case(self, case: SpecialCase, new_steps: Sequence[Step]) -> None:
        assert list(case.history) == self.history[case.case_id] + list(new_steps), "history is only appended to"
        self.cases[case.case_id] = case
        self.history[case.case_id] += list(new_steps)

    async def open_cases(self, claim_ids: Sequence[str]) -> list[SpecialCase]:
        return sorted((c for c in self.cases.values() if c.claim.claim_id in claim_ids and c.status is CaseStatus.OPEN),
                      key=lambda c: c.case_id)

    async def lock_quota(self, region: str, hospital_code: str, period: str) -> None:
        self.quota_locks.append((region, hospital_code, period))

    async def quota_use(self, region: str, hospital_code: str, period: str, start: datetime,
                        end: datetime) -> QuotaUse:
        claims = [c for c in self.claims.values() if c.reviewing_region == region
                  and c.hospital_code == hospital_code and start <= c.dscg_time < end]
        approved = [c for c in self.cases.values() if c.status is CaseStatus.APPROVED
                    and c.claim.reviewing_region == region and c.claim.hospital_code == hospital_code
                    and start <= c.claim.dscg_time < end]
        return QuotaUse(claims=len(claims), fund=sum((c.basic_fund_payment for c in claims), Decimal(0)),
                        approved_cases=len(approved),
                        approved_fund=sum((c.claim.basic_fund_payment for c in approved), Decimal(0)))

    async def list_cases(self, *, scope: Scope, region: str | None, hospital: str | None, status: str | None,
                         period: str | None, limit: int, offset: int) -> list[SpecialCase]:
        rows = [c for c in self.cases.values() if scope.admits(
            treatment_region=c.claim.treatment_region, insured_region=c.claim.insured_region,
            hospital_code=c.claim.hospital_code, pool_region=c.claim.pool_region)
            and region in (None, c.claim.treatment_region, c.claim.insured_region, c.claim.pool_region)
            and hospital in (None, c.claim.hospital_code) and status in (None, c.status.value)
            and period in (None, c.period)]
        rows.sort(key=lambda c: (c.applied_at, c.case_id))
        return rows[offset:offset + limit]

    async def cases_discharged(self, region: str, start: datetime, end: datetime) -> list[SpecialCase]:
        return sorted((c for c in self.cases.values() if c.claim.reviewing_region == region
                       and start <= c.claim.dscg_time < end), key=lambda c: (c.claim.hospital_code, c.case_id))

    async def claim_totals(self, region: str, start: datetime, end: datetime) -> dict[str, tuple[int, Decimal]]:
        out: dict[str, tuple[int, Decimal]] = {}
        for c in self.claims.values():
            if c.reviewing_region == region and start <= c.dscg_time < end:
                n, fund = out.get(c.hospital_code, (0, Decimal(0)))
                out[c.hospital_code] = (n + 1, fund + c.basic_fund_payment)
        return out

    def _scoped(self, scope: Scope) -> list[Review]:
        return [r for r in self.reviews.values() if scope.admits(
            treatment_region=r.treatment_region, insured_region=r.insured_region, hospital_code=r.hospital_code,
            pool_region=r.pool_region)]

    def _row(self, r: Review) -> dict:
        """As PostgresAuditRepository.list_flags answers."""
        finding = self.findings.get(r.flag_id)
        return {"flag_id": r.flag_id, "rule_id": r.rule_id, "claim_id": r.claim_id, "version": r.version,
                "hospital_code": r.hospital_code, "treat_admdvs": r.treatment_region, "insu_admdvs": r.insured_region,
                "pool_admdvs": r.pool_region, "status": r.status.value, "closed_reason": r.closed_reason, "suspected_amount": str(r.suspected_amount),
                "severity": finding.severity.value if finding else None,
                "evidence": dict(finding.evidence) if finding else {}, "raised_at": r.raised_at,
                "updated_at": r.last_change}


class FakeStore:
    """What the routes read and write through (yidi_audit.api.flags.store), over a FakeAuditRepository."""

    def __init__(self, repo: FakeAuditRepository) -> None:
        self.repo = repo
        self.emitted: list[Envelope] = []

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[FakeAuditRepository]:
        yield self.repo

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        tx = Transaction(self.repo)
        yield tx
        self.emitted += tx.emitted
