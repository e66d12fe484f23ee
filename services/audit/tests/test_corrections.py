"""One finding, one flag, one deduction: corrections (payment.priced of version N+1) through the real
handler, joint review through the use cases, over the in-memory repository.

Every claim costs T = 8,000.00 (test_handlers.priced). AUD-SELF-PAY fires when self-pay / T > 10 % and
suspects self-pay - 0.10 x 8,000.00 = self-pay - 800.00: psn_ownpay 1,000.00 -> 200.00,
1,200.00 -> 400.00; 300.00 (3.75 %) fires nothing.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from fastapi import HTTPException

from yidi_common.auth import Principal, Role
from yidi_common.events import Envelope
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED, AUDIT_FLAG_RAISED
from yidi_common.unit_of_work import Transaction
from yidi_audit.api.flags import _refusals, _view
from yidi_audit.domain.actors import Actor, ActorRole
from yidi_audit.domain.corrections import reconcile
from yidi_audit.domain.errors import InvalidTransition
from yidi_audit.domain.findings import AuditFinding, Severity
from yidi_audit.domain.review import FlagStatus, Review, confirm, dispute, open_review, propose, withdraw
from yidi_audit.service_layer import review

from .fakes import FakeAuditRepository
from .test_handlers import flag_id, handle, priced

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 10, 9, tzinfo=CST)
TREATING = Actor(ActorRole.TREATMENT_REGION, "360700", "auditor-ganzhou")
INSURED = Actor(ActorRole.INSURED_REGION, "360100", "auditor-nanchang")
PROVINCE = Actor(ActorRole.PROVINCE, "360000", "arbiter-jiangxi")
SELF_PAY = "AUD-SELF-PAY"
F1 = flag_id(SELF_PAY, "C1", 1)
GONE_IN_V2 = "superseded by version 2: finding no longer present"


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def c1(version: int, psn_ownpay: str, **kw) -> Envelope:
    return priced("C1", "2025-03-01T09:00", "2025-03-08T09:00", version=version, psn_ownpay=psn_ownpay, **kw)


class Story:
    """One repository, every event audit emits over the whole sequence."""

    def __init__(self) -> None:
        self.repo = FakeAuditRepository()
        self.events: list[Envelope] = []

    async def price(self, *events: Envelope, at: datetime) -> list[Envelope]:
        emitted = await handle(self.repo, *events, now=at)
        self.events += emitted
        return emitted

    async def step(self, use_case, *args) -> Review:
        tx = Transaction(self.repo)
        try:
            return await use_case(tx, *args)
        finally:
            self.events += tx.emitted

    def of(self, kind: str) -> list[Envelope]:
        return [e for e in self.events if e.type == kind]


def trail(r: Review) -> list[tuple]:
    return [(t.action, t.from_status.value, t.to_status.value, t.role.value, t.from_version, t.to_version, t.amount)
            for t in r.transitions]


async def test_a_correction_that_keeps_the_finding_carries_the_flag_and_it_is_deducted_once():
    s = Story()
    await s.price(c1(1, "1000.00"), at=hours(0))
    assert await s.price(c1(2, "1200.00"), at=hours(1)) == []
    # no second flag: the version 1 flag is carried to version 2, its amount follows: 1,200.00 - 800.00
    assert list(s.repo.reviews) == [F1]
    flag = s.repo.reviews[F1]
    assert (flag.version, flag.setl_id, flag.status, flag.suspected_amount) == (2, "S-C1", FlagStatus.RAISED, D("400.00"))
    assert trail(flag) == [("carry", "raised", "raised", "system", 1, 2, D("400.00"))]
    assert (flag.transitions[0].user_id, flag.transitions[0].at) == ("yidi-audit", hours(1))
    assert s.repo.findings[F1].version == 2 and s.repo.findings[F1].evidence["psn_ownpay"] == "1200.00"

    await s.step(review.propose, F1, TREATING, hours(2), "self-pay above 10 %")
    await s.step(review.confirm, F1, INSURED, hours(3), "agreed")
    with pytest.raises(InvalidTransition, match=r"it is confirmed \(its deduction was published once\)"):
        await s.step(review.confirm, F1, INSURED, hours(4), "twice")
    assert await s.price(c1(3, "1200.00"), at=hours(5)) == []

    [raised] = s.of(AUDIT_FLAG_RAISED)
    assert (raised.id, raised.payload().version, raised.payload().suspected_amount) == (F1, 1, D("200.00"))
    [confirmed] = s.of(AUDIT_FLAG_CONFIRMED)
    p = confirmed.payload()
    assert (confirmed.id, p.flag_id, p.version, p.setl_id, p.amount) == (f"confirmed:{F1}", F1, 2, "S-C1", D("400.00"))
    flag = s.repo.reviews[F1]
    assert list(s.repo.reviews) == [F1]
    assert (flag.version, flag.status, flag.confirmed_amount) == (3, FlagStatus.CONFIRMED, D("400.00"))


async def test_a_correction_that_removes_the_finding_closes_the_open_flag_and_review_steps_are_refused():
    s = Story()
    await s.price(c1(1, "1000.00"), at=hours(0))
    await s.step(review.propose, F1, TREATING, hours(1), "self-pay above 10 %")
    assert await s.price(c1(2, "300.00"), at=hours(2)) == []
    flag = s.repo.reviews[F1]
    assert (flag.status, flag.closed_reason, flag.version, flag.proposed_amount) == (
        FlagStatus.CLOSED, GONE_IN_V2, 1, D("200.00"))
    assert trail(flag)[-1] == ("close", "proposed", "closed", "system", 1, 2, None)

    refused = [
        lambda: s.step(review.confirm, F1, INSURED, hours(3), "agreed"),
        lambda: s.step(review.dispute, F1, INSURED, hours(3), "no"),
        lambda: s.step(review.resolve, F1, PROVINCE, hours(3), True, "upheld"),
        lambda: s.step(review.propose, F1, TREATING, hours(3)),
        lambda: s.step(review.withdraw, F1, TREATING, hours(3), "gone"),
    ]
    for act in refused:
        with pytest.raises(InvalidTransition, match=rf"it is closed \({GONE_IN_V2}\)"):
            await act()
    assert s.repo.reviews[F1] == flag and s.of(AUDIT_FLAG_CONFIRMED) == []
    # over HTTP: 409, naming the reason
    with pytest.raises(HTTPException) as e:
        with _refusals():
            await s.step(review.confirm, F1, INSURED, hours(3), "agreed")
    assert e.value.status_code == 409 and GONE_IN_V2 in e.value.detail["message"]
    view = _view(flag, Principal("arbiter", Role.PROVINCE))
    assert (view["status"], view["closed_reason"], view["version"]) == ("closed", GONE_IN_V2, 1)
    assert view["trail"][-1]["role"] == "system"
    assert (view["trail"][-1]["from_version"], view["trail"][-1]["to_version"]) == (1, 2)


async def test_a_confirmed_flag_stands_through_corrections_and_is_never_confirmed_twice():
    s = Story()
    await s.price(c1(1, "1000.00"), at=hours(0))
    await s.step(review.propose, F1, TREATING, hours(1), "self-pay above 10 %")
    await s.step(review.confirm, F1, INSURED, hours(2), "agreed")
    # version 2 still shows the finding (400.00 now): carried, the decision and its 200.00 stand
    assert await s.price(c1(2, "1200.00"), at=hours(3)) == []
    flag = s.repo.reviews[F1]
    assert list(s.repo.reviews) == [F1]  # no flag_id(SELF_PAY, "C1", 2)
    assert (flag.version, flag.status, flag.suspected_amount, flag.confirmed_amount) == (
        2, FlagStatus.CONFIRMED, D("200.00"), D("200.00"))
    assert trail(flag)[-1] == ("carry", "confirmed", "confirmed", "system", 1, 2, None)
    assert "deduction of 200.00 stands, deducted once" in flag.transitions[-1].reason
    # version 3 no longer shows it: the deduction stands, noted once
    await s.price(c1(3, "300.00"), at=hours(4))
    await s.price(c1(3, "300.00"), at=hours(5))  # redelivered
    flag = s.repo.reviews[F1]
    assert (flag.version, flag.status, flag.closed_reason) == (2, FlagStatus.CONFIRMED, None)
    assert [t[0] for t in trail(flag)] == ["propose", "confirm", "carry", "keep"]
    assert trail(flag)[-1] == ("keep", "confirmed", "confirmed", "system", 2, 3, None)

    # whatever step leaves a confirmed flag confirmed publishes nothing: only the move into confirmed does
    await s.step(review._step, F1, lambda r: r)
    [confirmed] = s.of(AUDIT_FLAG_CONFIRMED)
    assert (confirmed.payload().version, confirmed.payload().amount) == (1, D("200.00"))
    assert len(s.of(AUDIT_FLAG_RAISED)) == 1


async def test_versions_arriving_out_of_order_change_nothing():
    s = Story()
    await s.price(c1(2, "1000.00"), at=hours(0))
    f2 = flag_id(SELF_PAY, "C1", 2)
    assert list(s.repo.reviews) == [f2]
    before = dict(s.repo.reviews)
    assert await s.price(c1(1, "1200.00"), at=hours(1)) == []  # fires, on an older version
    assert await s.price(c1(1, "300.00"), at=hours(2)) == []  # does not fire, on an older version
    assert s.repo.reviews == before and s.repo.claims["C1"].version == 2

    t = Story()
    await t.price(c1(1, "1000.00"), at=hours(0))
    await t.price(c1(3, "1200.00"), at=hours(1))
    carried = t.repo.reviews[F1]
    assert (carried.version, carried.suspected_amount) == (3, D("400.00"))
    assert await t.price(c1(2, "300.00"), at=hours(2)) == []
    assert t.repo.reviews == {F1: carried}


async def test_a_redelivered_correction_changes_nothing():
    s = Story()
    await s.price(c1(1, "1000.00"), at=hours(0))
    await s.price(c1(2, "1200.00"), at=hours(1))
    after = dict(s.repo.reviews)
    assert await s.price(c1(2, "1200.00"), at=hours(2)) == []
    assert s.repo.reviews == after and len(after[F1].transitions) == 1


async def test_a_version_superseded_in_the_same_batch_raises_nothing():
    s = Story()
    assert await s.price(c1(1, "1000.00"), c1(2, "300.00"), at=hours(0)) == []
    assert s.repo.reviews == {}
    emitted = await s.price(priced("C2", "2025-03-01T09:00", "2025-03-08T09:00", psn_ownpay="300.00"),
                            priced("C2", "2025-03-01T09:00", "2025-03-08T09:00", version=2, psn_ownpay="1000.00"),
                            at=hours(1))
    assert [(e.id, e.payload().version) for e in emitted] == [(flag_id(SELF_PAY, "C2", 2), 2)]


async def test_a_new_rule_on_the_correction_raises_a_new_flag_beside_the_carried_one():
    s = Story()
    await s.price(c1(1, "1000.00"), at=hours(0))
    # version 2 codes a symptom (R50.9 fever) as principal although pneumonia is coded: a new finding
    emitted = await s.price(c1(2, "1000.00", principal="R50.900", other_diagnoses=("J18.900",)), at=hours(1))
    symptom = flag_id("AUD-QC-SYMPTOM-PRINCIPAL", "C1", 2)
    assert [(e.type, e.id, e.correlationid) for e in emitted] == [(AUDIT_FLAG_RAISED, symptom, "corr-C1-v2")]
    assert sorted(s.repo.reviews) == sorted([F1, symptom])
    assert (s.repo.reviews[F1].version, s.repo.reviews[F1].suspected_amount) == (2, D("200.00"))


async def test_a_closed_flag_whose_finding_comes_back_is_reopened_not_duplicated():
    s = Story()
    await s.price(c1(1, "1000.00"), at=hours(0))
    await s.price(c1(2, "300.00"), at=hours(1))
    assert await s.price(c1(3, "1200.00"), at=hours(2)) == []
    flag = s.repo.reviews[F1]
    assert (flag.status, flag.closed_reason, flag.version, flag.suspected_amount) == (
        FlagStatus.RAISED, None, 3, D("400.00"))
    assert [t[:6] for t in trail(flag)] == [("close", "raised", "closed", "system", 1, 2),
                                            ("reopen", "closed", "raised", "system", 1, 3)]
    await s.step(review.propose, F1, TREATING, hours(3))
    await s.step(review.confirm, F1, INSURED, hours(4))
    [confirmed] = s.of(AUDIT_FLAG_CONFIRMED)
    assert (confirmed.payload().version, confirmed.payload().amount) == (3, D("400.00"))
    assert list(s.repo.reviews) == [F1]


async def test_a_proposal_above_the_corrected_amount_is_lowered_to_it():
    s = Story()
    await s.price(c1(1, "1200.00"), at=hours(0))  # 400.00
    await s.step(review.propose, F1, TREATING, hours(1), "", D("300.00"))
    await s.price(c1(2, "1000.00"), at=hours(2))  # 200.00
    flag = s.repo.reviews[F1]
    assert (flag.status, flag.suspected_amount, flag.proposed_amount) == (FlagStatus.PROPOSED, D("200.00"), D("200.00"))
    assert flag.transitions[-1].reason.endswith("proposed amount lowered to 200.00")
    await s.step(review.confirm, F1, INSURED, hours(3))
    assert [e.payload().amount for e in s.of(AUDIT_FLAG_CONFIRMED)] == [D("200.00")]


async def test_a_finding_flagged_twice_before_flags_were_carried_is_deducted_once():
    s = Story()
    await s.price(c1(1, "1000.00"), at=hours(0))
    await s.step(review.propose, F1, TREATING, hours(1))
    await s.step(review.confirm, F1, INSURED, hours(2))
    # as stored by the code before this rule: version 2 stored, the confirmed flag left on version 1, and
    # a second flag raised for the same finding on version 2
    s.repo.claims["C1"] = replace(s.repo.claims["C1"], version=2)
    f2 = flag_id(SELF_PAY, "C1", 2)
    legacy = AuditFinding(SELF_PAY, "C1", 2, "S-C1", "H3607001", "360700", "360100", Severity.MEDIUM, D("400.00"), {})
    s.repo.reviews[f2] = open_review(legacy, hours(3))
    await s.step(review.propose, f2, TREATING, hours(4))
    with pytest.raises(InvalidTransition, match=f"was confirmed as flag {F1} already"):
        await s.step(review.confirm, f2, INSURED, hours(5))
    assert s.repo.reviews[f2].status is FlagStatus.PROPOSED and len(s.of(AUDIT_FLAG_CONFIRMED)) == 1
    # the next version carries the confirmed flag and closes the duplicate
    await s.price(c1(3, "1200.00"), at=hours(6))
    assert (s.repo.reviews[F1].version, s.repo.reviews[F1].status) == (3, FlagStatus.CONFIRMED)
    assert (s.repo.reviews[f2].status, s.repo.reviews[f2].closed_reason) == (
        FlagStatus.CLOSED, f"duplicate of flag {F1} for the same finding")
    assert len(s.of(AUDIT_FLAG_CONFIRMED)) == 1


# the domain rule on its own

def finding(version: int, amount: str = "200.00", rule_id: str = SELF_PAY) -> AuditFinding:
    return AuditFinding(rule_id, "C1", version, f"S{version}", "H3607001", "360700", "360100", Severity.MEDIUM,
                        D(amount), {"v": version})


def test_a_disputed_flag_is_carried_still_disputed_and_a_dismissed_one_stays_dismissed():
    disputed = dispute(propose(open_review(finding(1), T0), TREATING, hours(1)), INSURED, hours(2), "planned")
    dismissed = withdraw(open_review(finding(1, rule_id="AUD-UPCODING"), T0), TREATING, hours(1), "fine")
    out = reconcile([disputed, dismissed], [finding(2, "150.00"), finding(2, "90.00", "AUD-UPCODING")], hours(3), 2)
    assert out.raised == ()
    [d, x] = out.changed
    assert (d.review.status, d.review.version, d.review.suspected_amount, d.review.proposed_amount, d.finding) == (
        FlagStatus.DISPUTED, 2, D("150.00"), D("150.00"), finding(2, "150.00"))
    assert (x.review.status, x.review.version, x.review.suspected_amount, x.finding) == (
        FlagStatus.DISMISSED, 2, D("200.00"), None)
    # a correction without the finding leaves the dismissed flag alone
    assert reconcile([dismissed], [], hours(3), 2).changed == ()


def test_reconciling_twice_changes_nothing_the_second_time():
    confirmed = confirm(propose(open_review(finding(1), T0), TREATING, hours(1)), INSURED, hours(2))
    raised = open_review(finding(1, rule_id="AUD-UPCODING"), T0)
    first = reconcile([confirmed, raised], [], hours(3), 2)
    assert [(c.review.status, c.review.transitions[-1].action) for c in first.changed] == [
        (FlagStatus.CONFIRMED, "keep"), (FlagStatus.CLOSED, "close")]
    again = reconcile([c.review for c in first.changed], [], hours(4), 2)
    assert again == type(again)((), ())


def test_a_system_step_is_never_before_the_flags_last_change():
    proposed = propose(open_review(finding(1), T0), TREATING, hours(5))
    [carried] = reconcile([proposed], [finding(2)], hours(1), 2).changed
    assert carried.review.transitions[-1].at == hours(5)


def test_findings_or_corrections_older_than_the_flag_change_nothing():
    on_v3 = open_review(finding(3), T0)
    assert reconcile([on_v3], [finding(2, "400.00")], hours(1), 2) == reconcile([on_v3], [], hours(1), 2)
    assert reconcile([on_v3], [], hours(1), 2).changed == () and reconcile([on_v3], [finding(2)], hours(1)).raised == ()
