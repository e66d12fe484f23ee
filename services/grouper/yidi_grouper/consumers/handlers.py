"""Event handlers of the grouper: QC and group each submitted list; follow the claim down the chain."""
from __future__ import annotations

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import (
    AUDIT_FLAG_RAISED,
    LEDGER_POSTED,
    PAYMENT_PRICED,
    SETTLEMENT_LIST_GROUPED,
    SETTLEMENT_LIST_REJECTED,
    SETTLEMENT_LIST_SUBMITTED,
)
from yidi_common.events.v1 import (
    AuditFlagRaised,
    LedgerPosted,
    PaymentPriced,
    SettlementListGrouped,
    SettlementListRejected,
    SettlementListSubmitted,
)
from yidi_common.messaging import Handler, UnitOfWork

from ..adapters import claims_repository as repo
from ..adapters.grouping_engine import GroupingEngine
from ..domain.claim_facts import claim_facts

SOURCE = "/yidi/grouper"


def make_handlers(engine: GroupingEngine) -> dict[str, Handler]:
    async def on_submitted(uow: UnitOfWork, event: Envelope) -> None:
        msg: SettlementListSubmitted = event.payload()  # type: ignore[assignment]
        sl = msg.settlement_list
        problems = engine.quality_problems(sl)
        if problems:
            event_type, payload = SETTLEMENT_LIST_REJECTED, SettlementListRejected(
                claim_id=msg.claim_id, version=msg.version, setl_id=sl.setlinfo.setl_id,
                hospital_code=sl.setlinfo.fixmedins_code, treat_admdvs=sl.setlinfo.treat_admdvs,
                insu_admdvs=sl.setlinfo.insu_admdvs, problems=problems,
            )
            stage, result = "rejected", {"problems": [p.model_dump() for p in problems]}
        else:
            grouping = engine.group(sl)
            event_type, payload = SETTLEMENT_LIST_GROUPED, SettlementListGrouped(
                claim=claim_facts(sl, msg.claim_id, msg.version), grouping=grouping,
                supersedes_version=msg.supersedes_version,
            )
            stage, result = "grouped", grouping.model_dump(mode="json")
        out_id = deterministic_event_id(event.id, event_type)
        repo.defer_stage(uow, claim_id=msg.claim_id, version=msg.version, stage=stage,
                                event_id=out_id, result=result)
        uow.emit(new_event(type=event_type, source=SOURCE, subject=msg.claim_id, payload=payload,
                           correlationid=event.correlationid, event_id=out_id))

    async def on_priced(uow: UnitOfWork, event: Envelope) -> None:
        msg: PaymentPriced = event.payload()  # type: ignore[assignment]
        repo.defer_stage(uow, claim_id=msg.claim.claim_id, version=msg.claim.version, stage="priced",
                                event_id=event.id, result=msg.pricing.model_dump(mode="json"))

    async def on_flag(uow: UnitOfWork, event: Envelope) -> None:
        msg: AuditFlagRaised = event.payload()  # type: ignore[assignment]
        repo.defer_stage(uow, claim_id=msg.claim_id, version=msg.version, stage="audit-flag",
                                event_id=event.id, result=msg.model_dump(mode="json"))

    async def on_posted(uow: UnitOfWork, event: Envelope) -> None:
        msg: LedgerPosted = event.payload()  # type: ignore[assignment]
        if msg.claim_id is not None and msg.version is not None:
            repo.defer_stage(uow, claim_id=msg.claim_id, version=msg.version, stage="posted",
                                    event_id=event.id, result=msg.model_dump(mode="json"))

    return {
        SETTLEMENT_LIST_SUBMITTED: on_submitted,
        PAYMENT_PRICED: on_priced,
        AUDIT_FLAG_RAISED: on_flag,
        LEDGER_POSTED: on_posted,
    }
