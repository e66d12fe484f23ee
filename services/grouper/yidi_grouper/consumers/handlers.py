"""Event handlers of the grouper: QC and group each submitted list; follow the claim down the chain."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

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

    return {
        SETTLEMENT_LIST_SUBMITTED: on_submitted,
        PAYMENT_PRICED: timeline("priced", _PricedClaim, lambda m, e: (m.claim.claim_id, m.claim.version, e.data["pricing"])),
        AUDIT_FLAG_RAISED: timeline("audit-flag", _ClaimVersion, lambda m, e: (m.claim_id, m.version, e.data)),
        LEDGER_POSTED: timeline("posted", _Entry, lambda m, e: (m.claim_id, m.version, e.data)),  # entries without a claim: skipped
    }


# What the timeline reads of each event: the claim version it is about, fields every version of these
# events keeps. Whole payloads are not validated here (a priced claim cost 50 µs); the timeline stores
# the event's data as it came.
class _ClaimVersion(BaseModel):
    claim_id: str
    version: int


class _PricedClaim(BaseModel):
    claim: _ClaimVersion


class _Entry(BaseModel):
    claim_id: str | None = None
    version: int | None = None


def timeline(stage: str, reads: type[BaseModel],
             step: Callable[[Any, Envelope], tuple[str | None, int | None, dict]]) -> Handler:
    """A handler that follows a claim down the chain: step gives (claim id, version, result) of an event,
    from the fields `reads` validates and the event itself."""
    @takes_batches
    async def on_event(uow: UnitOfWork, events: list[Envelope]) -> None:
        stages = []
        for event in events:
            claim_id, version, result = step(reads.model_validate(event.data), event)
            if claim_id is not None and version is not None:
                stages.append(Stage(claim_id, version, stage, event.id, result))
        await repo.record_stages(uow.conn, stages)

    return on_event
