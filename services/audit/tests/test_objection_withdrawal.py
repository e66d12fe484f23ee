"""objection.decided from reports: an accepted objection to a flag dismisses it (seed 004 异议申诉), once."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from yidi_common.events import new_event
from yidi_common.events.registry import OBJECTION_DECIDED
from yidi_common.events.v1 import ObjectionDecided
from yidi_common.messaging import UnitOfWork
from yidi_audit.consumers.handlers import make_handlers
from yidi_audit.domain.actors import Actor, ActorRole
from yidi_audit.domain.findings import AuditFinding, Severity
from yidi_audit.domain.review import FlagStatus, confirm, open_review, propose

from .fakes import FakeAuditRepository

CST = timezone(timedelta(hours=8))
RAISED = datetime(2026, 10, 15, 9, tzinfo=CST)


def review(flag_id: str):
    finding = AuditFinding(rule_id="AUD-SPLIT-ADMISSION", claim_id=f"C-{flag_id}", version=1,
                           setl_id="S1", hospital_code="H3607001", treatment_region="360700", insured_region="360100",
                           severity=Severity.HIGH, suspected_amount=Decimal("5200.00"), evidence={})
    return replace(open_review(finding, RAISED), flag_id=flag_id)


def decided(flag_id: str, decision: str = "accepted", kind: str = "flag"):
    return new_event(type=OBJECTION_DECIDED, source="/test/reports", subject=f"C-{flag_id}", correlationid="O1",
                     payload=ObjectionDecided(objection_id=f"OBJ-{flag_id}", target_kind=kind, target_id=flag_id,
                                              claim_id=f"C-{flag_id}", hospital_code="H3607001", treat_admdvs="360700",
                                              decision=decision, decided_at=RAISED + timedelta(days=3),
                                              decided_by="gz-reviewer-3", reasons="病历支持"))


async def test_an_accepted_objection_dismisses_an_undecided_flag_once():
    treatment = Actor(ActorRole.TREATMENT_REGION, "360700", "gz-1")
    insured = Actor(ActorRole.INSURED_REGION, "360100", "nc-1")
    proposed = propose(review("F2"), treatment, RAISED + timedelta(days=1))
    confirmed = confirm(propose(review("F3"), treatment, RAISED + timedelta(days=1)), insured, RAISED + timedelta(days=2))
    fake = FakeAuditRepository(reviews=[review("F1"), proposed, confirmed, review("F4")])
    handle = make_handlers(lambda: None, repository=lambda conn: fake)[OBJECTION_DECIDED]
    for event in (decided("F1"), decided("F2"), decided("F3"), decided("F4", "rejected"), decided("F1"), decided("F3")):
        await handle(UnitOfWork(conn=None), event)
    f1, f2, f3, f4 = [await fake.load_review(f) for f in ("F1", "F2", "F3", "F4")]
    assert (f1.status, f2.status, f4.status) == (FlagStatus.DISMISSED, FlagStatus.DISMISSED, FlagStatus.RAISED)
    step = f1.transitions[-1]
    assert (step.action, step.role, step.region, step.user_id, step.at) == (
        "objection-accepted", ActorRole.TREATMENT_REGION, "360700", "gz-reviewer-3", RAISED + timedelta(days=3))
    assert len(f1.transitions) == 1  # the decision delivered twice changes the flag once
    # confirmed before the decision: the deduction stands, the trail notes the objection
    assert f3.status is FlagStatus.CONFIRMED and f3.transitions[-1].action == "objection-accepted"
    assert [t.action for t in f3.transitions] == ["propose", "confirm", "objection-accepted"]  # noted once
    assert f3.confirmed_amount == Decimal("5200.00")
