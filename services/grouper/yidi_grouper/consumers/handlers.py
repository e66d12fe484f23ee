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
from yidi_common.messaging import Handler, UnitOfWork, takes_batches

from ..adapters import claims_repository as repo
from ..adapters.claims_repository import Stage
from ..adapters.grouping_engine import GroupingEngine
from ..domain.claim_facts import claim_facts

SOURCE = "/yidi/grouper"


def make_handlers(engine: GroupingEngine) -> dict[str, Handler]:
    @takes_batches
    async def on_submitted(uow: UnitOfWork, events: list[Envelope]) -> None:
        stages = []
        for event in events:
            msg: SettlementListSubmitted = event.payload()  # type: ignore[assignment]
            sl = msg.settlement_list
            problems = engine.quality_problems(sl)
            if problems:
                event_type, payload = SETTLEMENT_LIST_REJECTED, SettlementListRejected(
                    claim_id=msg.claim_id, version=msg.version, setl_id=sl.setlinfo.setl_id,
                    hospital_code=sl.setlinfo.fixmedins_code, treat_admdvs=sl.setlinfo.treat_admdvs,
                    insu_admdvs=sl.setlinfo.insu_admdvs, problems=problems,
                )
                stage = "rejected"
            else:
                event_type, payload = SETTLEMENT_LIST_GROUPED, SettlementListGrouped(
                    claim=claim_facts(sl, msg.claim_id, msg.version), grouping=engine.group(sl),
                    supersedes_version=msg.supersedes_version,
                )
                stage = "grouped"
            out = new_event(type=event_type, source=SOURCE, subject=msg.claim_id, payload=payload,
                            correlationid=event.correlationid, event_id=deterministic_event_id(event.id, event_type))
            result = {"problems": out.data["problems"]} if problems else out.data["grouping"]
            stages.append(Stage(msg.claim_id, msg.version, stage, out.id, result))
            uow.emit(out)
        await repo.record_stages(uow.conn, stages)

    @takes_batches
    async def on_priced(uow: UnitOfWork, events: list[Envelope]) -> None:
        stages = []
        for event in events:
            msg: PaymentPriced = event.payload()  # type: ignore[assignment]
            stages.append(Stage(msg.claim.claim_id, msg.claim.version, "priced", event.id, event.data["pricing"]))
        await repo.record_stages(uow.conn, stages)

    @takes_batches
    async def on_flag(uow: UnitOfWork, events: list[Envelope]) -> None:
        stages = []
        for event in events:
            msg: AuditFlagRaised = event.payload()  # type: ignore[assignment]
            stages.append(Stage(msg.claim_id, msg.version, "audit-flag", event.id, event.data))
        await repo.record_stages(uow.conn, stages)

    @takes_batches
    async def on_posted(uow: UnitOfWork, events: list[Envelope]) -> None:
        stages = []
        for event in events:
            msg: LedgerPosted = event.payload()  # type: ignore[assignment]
            if msg.claim_id is not None and msg.version is not None:
                stages.append(Stage(msg.claim_id, msg.version, "posted", event.id, event.data))
        await repo.record_stages(uow.conn, stages)

    return {
        SETTLEMENT_LIST_SUBMITTED: on_submitted,
        PAYMENT_PRICED: on_priced,
        AUDIT_FLAG_RAISED: on_flag,
        LEDGER_POSTED: on_posted,
    }
