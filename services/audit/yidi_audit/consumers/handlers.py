"""Audit's event handler: run the rules on each priced claim version against the person's history.

Claims of one person may arrive in any order (they are keyed by claim), so a new claim is also
checked as the earlier stay of the person's later claims already stored. Flags are unique by
(rule, claim, version): a re-run raises nothing twice.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from yidi_common.events import Envelope, new_event
from yidi_common.events.registry import AUDIT_FLAG_RAISED, PAYMENT_PRICED
from yidi_common.events.v1 import AuditFlagRaised, PaymentPriced
from yidi_common.messaging import Handler, UnitOfWork, takes_batches

from ..adapters import audit_repository as repo
from ..domain.claims import ClaimFacts, from_priced
from ..domain.engine import audit_claim
from ..domain.findings import AuditFinding
from ..domain.norms import with_norms
from ..domain.params import AuditConfig
from ..domain.review import open_review

SOURCE = "/yidi/audit"


def raised_event(finding: AuditFinding, cause: Envelope) -> Envelope:
    return new_event(
        type=AUDIT_FLAG_RAISED, source=SOURCE, subject=finding.claim_id, correlationid=cause.correlationid,
        event_id=finding.flag_id,
        payload=AuditFlagRaised(
            flag_id=finding.flag_id, rule_id=finding.rule_id, claim_id=finding.claim_id, version=finding.version,
            setl_id=finding.setl_id, hospital_code=finding.hospital_code, treat_admdvs=finding.treat_admdvs,
            insu_admdvs=finding.insu_admdvs, severity=finding.severity.value,
            suspected_amount=finding.suspected_amount, evidence=dict(finding.evidence),
        ),
    )


def make_handlers(current_config: Callable[[], AuditConfig]) -> dict[str, Handler]:
    """current_config: the rules in force when an event is handled (they may be reloaded)."""
    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        config = current_config()
        claims = []
        for event in events:
            msg: PaymentPriced = event.payload()  # type: ignore[assignment]
            priced = from_priced(msg, group_avg_cost=msg.pricing.standard)
            claims.append((event, with_norms(priced, config.norms_for(priced.treat_admdvs))))
        look_back = timedelta(days=config.history_days() + 1)
        since: dict[str, datetime] = {}
        for _, claim in claims:
            since[claim.psn_no] = min(since.get(claim.psn_no, claim.adm_time), claim.adm_time - look_back)
        await repo.lock_people(uow.conn, sorted(since))
        histories = await repo.people_histories(uow.conn, since, [claim.claim_id for _, claim in claims])
        stored: dict[str, ClaimFacts] = {}
        raised: dict[str, tuple[AuditFinding, Envelope]] = {}
        for event, claim in claims:
            history = histories.setdefault(claim.psn_no, {})
            previous = history.get(claim.claim_id)
            if previous is not None and previous.version >= claim.version:
                continue  # a newer version of this claim was audited already
            history[claim.claim_id] = stored[claim.claim_id] = claim
            stays = list(history.values())
            findings = audit_claim(claim, stays, config.for_region(claim.treat_admdvs))
            for later in stays:
                if later.claim_id != claim.claim_id and later.adm_time >= claim.dscg_time:
                    findings += audit_claim(later, stays, config.for_region(later.treat_admdvs))
            for finding in findings:
                raised.setdefault(finding.flag_id, (finding, event))
        await repo.store_claims(uow.conn, list(stored.values()))
        now = datetime.now(timezone.utc)
        new_flags = await repo.insert_flags(uow.conn, [(f, open_review(f, now)) for f, _ in raised.values()])
        for flag_id, (finding, event) in raised.items():
            if flag_id in new_flags:
                uow.emit(raised_event(finding, event))

    return {PAYMENT_PRICED: on_priced}
