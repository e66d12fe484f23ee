"""特例单议 use cases: a hospital applies, priced claims open cases on their own, the treatment region's
bureau decides within the hospital's quota; a decision is published as special-case.decided."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from yidi_common.unit_of_work import Transaction

from ..domain import special_cases as sc
from ..domain.claims import ClaimFacts
from ..domain.errors import InvalidInput, InvalidTransition
from ..domain.params import SpecialCaseParams
from ..domain.special_cases import CaseClaim, Origin, SpecialCase
from .events import special_case_decided
from .repository import AuditRepository, NotFound


class ApplicationRefused(InvalidInput):
    """An application with problems; `problems` names each with its field path."""

    def __init__(self, problems: list[dict]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['message']}" for p in problems))
        self.problems = problems


class CaseExists(InvalidTransition):
    """A case is open or decided for that claim version already."""


@dataclass(frozen=True, slots=True)
class Referral:
    """A priced claim version that opens a case on its own: the list's flag, or pricing's reason."""

    claim: CaseClaim
    origin: Origin
    reason: str


def case_claim(facts: ClaimFacts) -> CaseClaim:
    return CaseClaim(
        claim_id=facts.claim_id, version=facts.version, setl_id=facts.setl_id, hospital_code=facts.hospital_code,
        treatment_region=facts.treatment_region, insured_region=facts.insured_region, dscg_time=facts.dscg_time,
        total_cost=facts.total_cost, basic_fund_payment=facts.basic_fund_payment, case_kind=facts.case_kind,
        pool_region=facts.pool_region,
    )


async def apply(tx: Transaction[AuditRepository], claim_id: str, reasons: Sequence[str], documents: Sequence[str], *,
                hospital: str, by: str, at: datetime,
                params_for: Callable[[str], SpecialCaseParams]) -> SpecialCase:
    """The hospital applies for its claim's current version (a claim of another hospital is not found)."""
    facts = await tx.repo.claim_facts(claim_id)
    if facts is None or facts.hospital_code != hospital:
        raise NotFound("no such claim in audit", claim_id=claim_id)
    claim = case_claim(facts)
    existing = await tx.repo.load_case(sc.case_id_for(claim.claim_id, claim.version))
    if existing is not None:
        raise CaseExists(f"case {existing.case_id} for claim {claim_id} version {claim.version} is "
                         f"{existing.status.value}")
    problems = sc.application_problems(claim, reasons, documents)
    if problems:
        raise ApplicationRefused(problems)
    case = sc.open_case(claim, Origin.HOSPITAL, reasons, documents, by=by, role="hospital", at=at,
                        period=params_for(claim.reviewing_region).period)
    if not await tx.repo.insert_cases([case]):
        raise CaseExists(f"a case for claim {claim_id} version {claim.version} was opened meanwhile")
    return case


async def refer_priced_claims(tx: Transaction[AuditRepository], referrals: Sequence[Referral],
                              corrected: dict[str, int], now: datetime,
                              params_for: Callable[[str], SpecialCaseParams]) -> None:
    """A batch of priced claims: open the referred versions' cases (a re-run opens nothing twice) and close
    the open cases of versions a correction replaced. corrected: claim id -> its newest version in the batch;
    params_for(region) -> SpecialCaseParams."""
    if corrected:
        for case in await tx.repo.open_cases(sorted(corrected)):
            if case.claim.version < corrected[case.claim.claim_id]:
                closed = sc.supersede(case, corrected[case.claim.claim_id], now)
                await tx.repo.save_case(closed, closed.history[len(case.history):])
    cases = [sc.open_case(r.claim, r.origin, [r.reason], [], by="system", role="system", at=now,
                          period=params_for(r.claim.reviewing_region).period)
             for r in referrals if corrected.get(r.claim.claim_id, r.claim.version) == r.claim.version]
    if cases:
        await tx.repo.insert_cases(cases)


async def decide(tx: Transaction[AuditRepository], case_id: str, decision: str, reasons: Sequence[str], *,
                 by: str, role: str, region: str, at: datetime, params: SpecialCaseParams) -> tuple[SpecialCase, dict | None]:
    """The case decided, with the quota figures an approval was checked against (seed 000 二(一))."""
    case = await tx.repo.load_case(case_id, for_update=True)
    if case is None:
        raise NotFound("no such special case", case_id=case_id)
    facts = await tx.repo.claim_facts(case.claim.claim_id)
    if case.status is sc.CaseStatus.OPEN and facts is not None and facts.version != case.claim.version:
        raise InvalidTransition(f"claim {case.claim.claim_id} has version {facts.version}: case {case_id} is about "
                                f"version {case.claim.version}")
    period = sc.period_of(case.claim.dscg_time, params.period)
    decided = sc.decide(replace(case, period=period), decision, reasons, by=by, role=role, region=region, at=at)
    figures = None
    if decided.status is sc.CaseStatus.APPROVED:
        hospital = case.claim.hospital_code
        await tx.repo.lock_quota(case.claim.reviewing_region, hospital, period)
        start, end = sc.period_bounds(period)
        use = await tx.repo.quota_use(case.claim.reviewing_region, hospital, period, start, end)
        figures = sc.check_quota(case.claim, use, params.limit_for(hospital), period)
    await tx.repo.save_case(decided, decided.history[len(case.history):])
    tx.emit(special_case_decided(decided))
    return decided, figures
