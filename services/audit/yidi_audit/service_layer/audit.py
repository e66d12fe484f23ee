"""Audit priced claims: run the rules on each claim version against the person's stored history.

Claims of one person may arrive in any order (they are keyed by claim), so a new claim is also
checked as the earlier stay of the person's later claims already stored. Flags are unique by
(rule, claim, version): a re-run raises nothing twice.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from yidi_common.unit_of_work import Transaction

from ..domain.claims import ClaimFacts
from ..domain.engine import audit_claim
from ..domain.findings import AuditFinding
from ..domain.norms import with_norms
from ..domain.params import AuditConfig
from ..domain.review import open_review
from .events import flag_raised
from .repository import AuditRepository, NewFlag


@dataclass(frozen=True, slots=True)
class PricedClaim:
    facts: ClaimFacts
    correlation_id: str  # of the payment.priced event, carried by the flags it raises


async def audit_priced_claims(tx: Transaction[AuditRepository], priced: Sequence[PricedClaim], config: AuditConfig,
                              now: datetime) -> None:
    """A batch with one statement per step; `now` is when the new flags are raised."""
    claims = [with_norms(p.facts, config.norms_for(p.facts.treatment_region)) for p in priced]
    look_back = timedelta(days=config.history_days() + 1)
    since: dict[str, datetime] = {}
    for claim in claims:
        since[claim.psn_no] = min(since.get(claim.psn_no, claim.adm_time), claim.adm_time - look_back)
    await tx.repo.lock_people(sorted(since))
    histories = await tx.repo.people_histories(since, [claim.claim_id for claim in claims])
    stored: dict[str, ClaimFacts] = {}
    found: dict[str, AuditFinding] = {}
    correlation: dict[str, str] = {}  # flag id -> correlation id of the claim that revealed it
    for p, claim in zip(priced, claims):
        history = histories.setdefault(claim.psn_no, {})
        previous = history.get(claim.claim_id)
        if previous is not None and previous.version >= claim.version:
            continue  # a newer version of this claim was audited already
        history[claim.claim_id] = stored[claim.claim_id] = claim
        stays = list(history.values())
        findings = audit_claim(claim, stays, config.for_region(claim.treatment_region))
        for later in stays:
            if later.claim_id != claim.claim_id and later.adm_time >= claim.dscg_time:
                findings += audit_claim(later, stays, config.for_region(later.treatment_region))
        for finding in findings:
            found.setdefault(finding.flag_id, finding)
            correlation.setdefault(finding.flag_id, p.correlation_id)
    await tx.repo.store_claims(list(stored.values()))
    new_flags = await tx.repo.insert_flags([NewFlag(f, open_review(f, now)) for f in found.values()])
    for flag_id, finding in found.items():
        if flag_id in new_flags:
            tx.emit(flag_raised(finding, correlation[flag_id]))
