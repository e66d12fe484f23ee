"""Audit's event handler: run the rules on each priced claim version against the person's history.

Claims of one person may arrive in any order (they are keyed by claim), so a new claim is also
checked as the earlier stay of the person's later claims already stored. Flags are unique by
(rule, claim, version): a re-run raises nothing twice.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from yidi_common.events import Envelope, new_event
from yidi_common.events.registry import AUDIT_FLAG_RAISED, PAYMENT_PRICED
from yidi_common.events.v1 import AuditFlagRaised, PaymentPriced
from yidi_common.messaging import Handler, UnitOfWork

from ..adapters import audit_repository as repo
from ..domain.claims import from_priced
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
    async def on_priced(uow: UnitOfWork, event: Envelope) -> None:
        msg: PaymentPriced = event.payload()  # type: ignore[assignment]
        config = current_config()
        priced = from_priced(msg, group_avg_cost=msg.pricing.standard)
        claim = with_norms(priced, config.norms_for(priced.treat_admdvs))
        await repo.lock_person(uow.conn, claim.psn_no)
        if not await repo.store_claim(uow.conn, claim):
            return  # a newer version of this claim was audited already
        history = await repo.person_history(uow.conn, claim.psn_no)
        findings = audit_claim(claim, history, config.for_region(claim.treat_admdvs))
        for later in history:
            if later.claim_id != claim.claim_id and later.adm_time >= claim.dscg_time:
                findings += audit_claim(later, history, config.for_region(later.treat_admdvs))
        now = datetime.now(timezone.utc)
        for finding in findings:
            if await repo.insert_flag(uow.conn, finding, open_review(finding, now)):
                uow.emit(raised_event(finding, event))

    return {PAYMENT_PRICED: on_priced}
