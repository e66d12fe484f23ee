"""Audit priced claims: run the rules on each claim version against the person's stored history.

Claims of one person may arrive in any order (they are keyed by claim), so a new claim is also
checked as the earlier stay of the person's later claims already stored. A finding is (claim, rule):
the claim's stored flags are carried to its current version, reopened, or closed when a correction no
longer shows them (domain.corrections), so a finding has one flag and is deducted once. A version
superseded inside the batch raises nothing; an older version arriving late changes nothing; a re-run
raises and changes nothing twice.

Hospital patterns (AUD-DIP-SCORE-DRIFT) are checked after the batch's claims are stored, over the stored cases
of each hospital and period the batch's DIP claims fall in, as counted by month, diagnosis and type when they
are stored (a check reads a hospital's mix, not its cases): one flag per hospital and period, raised once
(a later batch of the same period leaves a stored flag as it is). It is about no claim, so it is not published
as audit-flag.raised (whose readers follow claims); bureaus read it at GET /v1/flags?rule_id=AUD-DIP-SCORE-DRIFT.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from yidi_common.unit_of_work import Transaction

from ..domain.claims import ClaimFacts
from ..domain.corrections import FlagChange, reconcile
from ..domain.engine import audit_claim
from ..domain.findings import AuditFinding
from ..domain.norms import with_norms
from ..domain.params import AuditConfig
from ..domain.review import Review, open_review
from ..domain.rules import score_drift
from .events import flag_raised
from .repository import AuditRepository, NewFlag


@dataclass(frozen=True, slots=True)
class PricedClaim:
    facts: ClaimFacts
    correlation_id: str  # of the payment.priced event, carried by the flags it raises


async def audit_priced_claims(tx: Transaction[AuditRepository], priced: Sequence[PricedClaim], config: AuditConfig,
                              now: datetime) -> None:
    """A batch with one statement per step; `now` is when new flags are raised and stored ones carried or closed."""
    claims = [with_norms(p.facts, config.norms_for(p.facts.reviewing_region)) for p in priced]
    look_back = timedelta(days=config.history_days() + 1)
    since: dict[str, datetime] = {}
    for claim in claims:
        since[claim.psn_no] = min(since.get(claim.psn_no, claim.adm_time), claim.adm_time - look_back)
    await tx.repo.lock_people(sorted(since))
    histories = await tx.repo.people_histories(since, [claim.claim_id for claim in claims])
    as_stored = {c.claim_id: c for history in histories.values() for c in history.values()}
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
        findings = audit_claim(claim, stays, config.for_region(claim.reviewing_region))
        for later in stays:
            if later.claim_id != claim.claim_id and later.adm_time >= claim.dscg_time:
                findings += audit_claim(later, stays, config.for_region(later.reviewing_region))
        for finding in findings:
            found.setdefault(finding.flag_id, finding)
            correlation.setdefault(finding.flag_id, p.correlation_id)
    await tx.repo.store_claims(list(stored.values()))
    await tx.repo.count_in_mix(score_drift.mix_changes((as_stored.get(c.claim_id), c) for c in stored.values()))
    patterns = await hospital_patterns(tx, list(stored.values()), config)
    current: dict[str, int] = {}  # claim id -> its latest version
    for history in histories.values():
        for c in history.values():
            current[c.claim_id] = max(current.get(c.claim_id, 0), c.version)
    by_claim: dict[str, list[AuditFinding]] = {}
    for finding in found.values():
        if finding.version == current[finding.claim_id]:
            by_claim.setdefault(finding.claim_id, []).append(finding)
    corrections = {c.claim_id: c.version for c in stored.values() if c.version > 1}
    checked = sorted(by_claim.keys() | corrections.keys())
    flags: dict[str, list[Review]] = {}
    for review in await tx.repo.claim_flags(checked) if checked else ():
        flags.setdefault(review.claim_id, []).append(review)
    raised: set[str] = set()
    changes: list[FlagChange] = []
    for claim_id in checked:
        outcome = reconcile(flags.get(claim_id, ()), by_claim.get(claim_id, ()), now, corrections.get(claim_id))
        raised.update(f.flag_id for f in outcome.raised)
        changes += outcome.changed
    new = [f for f in found.values() if f.flag_id in raised]
    new_flags = await tx.repo.insert_flags([NewFlag(f, open_review(f, now)) for f in [*new, *patterns]])
    await tx.repo.update_flags(changes)
    for finding in new:
        if finding.flag_id in new_flags:
            tx.emit(flag_raised(finding, correlation[finding.flag_id]))


async def hospital_patterns(tx: Transaction[AuditRepository], claims: Sequence[ClaimFacts],
                            config: AuditConfig) -> list[AuditFinding]:
    """AUD-DIP-SCORE-DRIFT for each hospital and period of the claims' DIP cases, over the stored cases."""
    checks: dict[tuple[str, str, str], tuple[ClaimFacts, score_drift.Windows, score_drift.Params]] = {}
    for claim in claims:
        params = config.for_region(claim.reviewing_region).score_drift
        if not params.enabled or claim.payment_method != "DIP" or claim.dip_type is None or claim.dip_score is None:
            continue
        window = score_drift.windows(claim.dscg_time, params)
        checks.setdefault((claim.reviewing_region, claim.hospital_code, window.period), (claim, window, params))
    found: list[AuditFinding] = []
    for (region, hospital, _), (claim, window, params) in sorted(checks.items()):
        tallies = await tx.repo.dip_mix(region, hospital, min(window.baseline_start, window.start),
                                        max(window.baseline_end, window.end), params.diagnosis_chars)
        found += score_drift.evaluate(hospital_code=hospital, treatment_region=claim.treatment_region,
                                      reviewing_region=region, pool_region=claim.pool_region, window=window,
                                      tallies=tallies, params=params)
    return found
