"""Joint review: treatment region proposes, insured region confirms or disputes, the province resolves."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from yidi_audit.domain import (
    Actor,
    ActorRole,
    AuditFinding,
    FlagStatus,
    InvalidInput,
    InvalidTransition,
    Severity,
    WrongActor,
    confirm,
    deduction,
    dispute,
    flag_id,
    open_review,
    propose,
    resolve,
    withdraw,
)

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 10, 9, tzinfo=CST)
TREATING = Actor(ActorRole.TREATMENT_REGION, "360700", "auditor-ganzhou")
INSURED = Actor(ActorRole.INSURED_REGION, "360100", "auditor-nanchang")
PROVINCE = Actor(ActorRole.PROVINCE, "360000", "arbiter-jiangxi")

FINDING = AuditFinding(
    rule_id="AUD-SPLIT-ADMISSION", claim_id="C1", version=2, setl_id="S1", hospital_code="H3607001",
    treatment_region="360700", insured_region="360100", severity=Severity.HIGH,
    suspected_amount=D("6600.00"), evidence={},
)


def raised():
    return open_review(FINDING, T0)


def hours(n: int) -> datetime:
    return T0 + timedelta(hours=n)


def proposed(amount=None):
    return propose(raised(), TREATING, hours(1), "same diagnosis 9 days later", amount)


def test_propose_then_confirm_yields_a_deduction_for_the_confirmed_amount():
    review = confirm(proposed(D("6000.00")), INSURED, hours(2), "agreed", D("5500.50"))
    assert review.status is FlagStatus.CONFIRMED
    assert (review.proposed_amount, review.confirmed_amount, review.confirmed_at) == (D("6000.00"), D("5500.50"), hours(2))
    assert [(t.action, t.from_status, t.to_status, t.role, t.region, t.user_id, t.at, t.reason, t.amount) for t in review.transitions] == [
        ("propose", "raised", "proposed", "treatment_region", "360700", "auditor-ganzhou", hours(1), "same diagnosis 9 days later", D("6000.00")),
        ("confirm", "proposed", "confirmed", "insured_region", "360100", "auditor-nanchang", hours(2), "agreed", D("5500.50")),
    ]
    d = deduction(review)
    assert d is not None
    assert (d.flag_id, d.claim_id, d.version, d.hospital_code, d.treatment_region, d.insured_region, d.amount, d.period) == (
        flag_id("AUD-SPLIT-ADMISSION", "C1", 2), "C1", 2, "H3607001", "360700", "360100", D("5500.50"), "2025-03",
    )


def test_amounts_default_to_the_bound():
    review = confirm(proposed(), INSURED, hours(2))
    assert (review.proposed_amount, review.confirmed_amount) == (D("6600.00"), D("6600.00"))


def test_dispute_upheld_by_the_province_confirms():
    disputed = dispute(proposed(), INSURED, hours(2), "the second stay was a planned procedure")
    assert disputed.status is FlagStatus.DISPUTED
    review = resolve(disputed, PROVINCE, hours(3), upheld=True, reason="no plan in the records", amount=D("3000.00"))
    assert (review.status, review.confirmed_amount, review.transitions[-1].role) == (FlagStatus.CONFIRMED, D("3000.00"), "province")
    assert deduction(review).amount == D("3000.00")


def test_dispute_dismissed_by_the_province_yields_no_deduction():
    disputed = dispute(proposed(), INSURED, hours(2), "planned")
    review = resolve(disputed, PROVINCE, hours(3), upheld=False, reason="plan documented")
    assert review.status is FlagStatus.DISMISSED
    with pytest.raises(InvalidTransition, match="only confirmed flags"):
        deduction(review)


def test_the_treatment_region_may_withdraw_a_raised_flag():
    review = withdraw(raised(), TREATING, hours(1), "false positive: transfer")
    assert review.status is FlagStatus.DISMISSED
    with pytest.raises(InvalidTransition):
        propose(review, TREATING, hours(2))


@pytest.mark.parametrize(
    "act",
    [
        lambda: propose(raised(), INSURED, hours(1)),  # wrong role
        lambda: propose(raised(), Actor(ActorRole.TREATMENT_REGION, "360800", "x"), hours(1)),  # other region
        lambda: confirm(proposed(), TREATING, hours(2)),
        lambda: confirm(proposed(), Actor(ActorRole.INSURED_REGION, "360700", "x"), hours(2)),
        lambda: dispute(proposed(), Actor(ActorRole.INSURED_REGION, "361100", "x"), hours(2), "no"),
        lambda: resolve(dispute(proposed(), INSURED, hours(2), "no"), Actor(ActorRole.PROVINCE, "360100", "x"), hours(3), True, "r"),
        lambda: resolve(dispute(proposed(), INSURED, hours(2), "no"), Actor(ActorRole.PROVINCE, "370000", "x"), hours(3), True, "r"),
        lambda: resolve(dispute(proposed(), INSURED, hours(2), "no"), TREATING, hours(3), True, "r"),
    ],
)
def test_wrong_actors_are_refused(act):
    with pytest.raises(WrongActor):
        act()


def test_wrong_actor_message_names_role_and_region():
    with pytest.raises(WrongActor, match="propose needs treatment_region 360700, auditor-x acts for 360800"):
        propose(raised(), Actor(ActorRole.TREATMENT_REGION, "360800", "auditor-x"), hours(1))


@pytest.mark.parametrize(
    "act",
    [
        lambda: confirm(raised(), INSURED, hours(1)),
        lambda: dispute(raised(), INSURED, hours(1), "no"),
        lambda: resolve(proposed(), PROVINCE, hours(2), True, "r"),
        lambda: propose(proposed(), TREATING, hours(2)),
        lambda: dispute(confirm(proposed(), INSURED, hours(2)), INSURED, hours(3), "changed my mind"),
    ],
)
def test_invalid_transitions_are_refused(act):
    with pytest.raises(InvalidTransition):
        act()


@pytest.mark.parametrize(
    "act",
    [
        lambda: dispute(proposed(), INSURED, hours(2), "  "),  # reason required
        lambda: resolve(dispute(proposed(), INSURED, hours(2), "no"), PROVINCE, hours(3), False, ""),
        lambda: withdraw(raised(), TREATING, hours(1), ""),
        lambda: propose(raised(), TREATING, hours(1), amount=D("6600.01")),  # above suspected
        lambda: confirm(proposed(D("100.00")), INSURED, hours(2), amount=D("100.01")),  # above proposed
        lambda: propose(raised(), TREATING, hours(1), amount=D("-1.00")),
        lambda: propose(raised(), TREATING, hours(1), amount=D("10.001")),  # not to the fen
        lambda: propose(raised(), TREATING, T0 - timedelta(seconds=1)),  # before the flag was raised
        lambda: confirm(proposed(), INSURED, hours(0)),  # before the proposal
        lambda: propose(raised(), TREATING, datetime(2025, 3, 10, 12)),  # no time zone
        lambda: resolve(dispute(proposed(), INSURED, hours(2), "no"), PROVINCE, hours(3), False, "r", D("1.00")),
        lambda: deduction(confirm(proposed(), INSURED, hours(2)), period="2025-13"),
    ],
)
def test_invalid_inputs_are_refused(act):
    with pytest.raises(InvalidInput):
        act()


def test_a_confirmed_zero_yields_no_deduction():
    assert deduction(confirm(proposed(), INSURED, hours(2), amount=D("0.00"))) is None


def test_the_deduction_period_is_the_month_of_confirmation_in_china_time():
    late_utc = datetime(2025, 3, 31, 17, 0, tzinfo=timezone.utc)  # 2025-04-01 01:00 in China
    review = confirm(proposed(), INSURED, late_utc)
    assert deduction(review).period == "2025-04"
    assert deduction(review, period="2025-05").period == "2025-05"
