"""Quality control and grouping of submitted lists, and the hospitals' simulation (模拟测算)."""
from __future__ import annotations

from typing import Protocol

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import SETTLEMENT_LIST_GROUPED, SETTLEMENT_LIST_REJECTED
from yidi_common.events import v2
from yidi_common.events.v1 import (
    GroupingOutcome,
    QcProblem,
    SettlementListGrouped,
    SettlementListRejected,
    SettlementListSubmitted,
)
from yidi_common.settlement_list import SettlementList
from yidi_common.unit_of_work import Transaction

from ..domain.claim_facts import claim_facts
from ..domain.timeline import Stage
from .repository import ClaimsRepository

SOURCE = "/yidi/grouper"


class Grouper(Protocol):
    """The scheme and code tables of the list's region and year (adapters.grouping_engine)."""

    def quality_problems(self, sl: SettlementList) -> list[QcProblem]: ...

    def group(self, sl: SettlementList) -> GroupingOutcome: ...


async def group_submitted(tx: Transaction[ClaimsRepository], grouper: Grouper, events: list[Envelope]) -> None:
    """Each settlement-list.submitted event (v2, or v1 from before the intake left certno and psn_name out):
    a list failing QC is rejected naming every problem, a clean one grouped; the outcome is emitted (its id
    derived from the cause's) and recorded on the timeline."""
    stages = []
    for event in events:
        msg: SettlementListSubmitted | v2.SettlementListSubmitted = event.payload()  # type: ignore[assignment]
        sl = msg.settlement_list
        problems = grouper.quality_problems(sl)
        if problems:
            info = sl.setlinfo
            event_type, payload = SETTLEMENT_LIST_REJECTED, SettlementListRejected(
                claim_id=msg.claim_id, version=msg.version, setl_id=info.setl_id, hospital_code=info.fixmedins_code,
                treat_admdvs=info.treat_admdvs, insu_admdvs=info.insu_admdvs, problems=problems,
            )
            stage = "rejected"
        else:
            event_type, payload = SETTLEMENT_LIST_GROUPED, SettlementListGrouped(
                claim=claim_facts(sl, msg.claim_id, msg.version, getattr(msg, "special_case_id", None)),
                grouping=grouper.group(sl),
                supersedes_version=msg.supersedes_version,
            )
            stage = "grouped"
        out = new_event(type=event_type, source=SOURCE, subject=msg.claim_id, payload=payload,
                        correlationid=event.correlationid, event_id=deterministic_event_id(event.id, event_type))
        result = {"problems": out.data["problems"]} if problems else out.data["grouping"]
        stages.append(Stage(msg.claim_id, msg.version, stage, out.id, result))
        tx.emit(out)
    await tx.repo.record_stages(stages)


def qc_and_group(grouper: Grouper, sl: SettlementList) -> tuple[list[QcProblem], GroupingOutcome]:
    """What QC and grouping would say of a list, nothing kept."""
    return grouper.quality_problems(sl), grouper.group(sl)
