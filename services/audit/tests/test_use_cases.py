"""Joint review and assistance requests as use cases: load, decide, save, emit, over the in-memory repository."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED
from yidi_common.unit_of_work import Transaction
from yidi_audit.domain.actors import Actor, ActorRole
from yidi_audit.domain.assistance import AssistanceStatus
from yidi_audit.domain.errors import InvalidInput, WrongActor
from yidi_audit.domain.findings import AuditFinding, Severity
from yidi_audit.domain.review import FlagStatus, open_review
from yidi_audit.service_layer import assistance, review
from yidi_audit.service_layer.repository import NotFound

from .conftest import make_claim
from .fakes import FakeAuditRepository

CST = timezone(timedelta(hours=8))
T0 = datetime(2025, 3, 10, 9, tzinfo=CST)
TREATING = Actor(ActorRole.TREATMENT_REGION, "360700", "auditor-ganzhou")
INSURED = Actor(ActorRole.INSURED_REGION, "360100", "auditor-nanchang")
PROVINCE = Actor(ActorRole.PROVINCE, "360000", "arbiter-jiangxi")
FLAG = str(uuid.uuid5(uuid.UUID("0c7d2f4e-5b8a-4e61-9d3c-a1f2e3b4c5d6"), "AUD-SPLIT-ADMISSION|C1|2"))
FINDING = AuditFinding(
    rule_id="AUD-SPLIT-ADMISSION", claim_id="C1", version=2, setl_id="S1", hospital_code="H3607001",
    treatment_region="360700", insured_region="360100", severity=Severity.HIGH, suspected_amount=D("6600.00"),
    evidence={},
)


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


@pytest.fixture
def repo() -> FakeAuditRepository:
    return FakeAuditRepository(claims=[make_claim(claim_id="C1", setl_id="S1", version=2)],
                               reviews=[open_review(FINDING, T0)])


async def proposed(repo: FakeAuditRepository, amount: D | None = None) -> None:
    tx = Transaction(repo)
    await review.propose(tx, FLAG, TREATING, hours(1), "same diagnosis 9 days later", amount)
    assert tx.emitted == []


async def test_confirmation_publishes_the_deduction_for_the_confirmed_amount(repo):
    await proposed(repo, D("6000.00"))
    tx = Transaction(repo)
    confirmed = await review.confirm(tx, FLAG, INSURED, hours(2), "agreed", D("5500.50"))
    assert repo.reviews[FLAG] == confirmed and confirmed.status is FlagStatus.CONFIRMED
    [event] = tx.emitted
    assert (event.type, event.id, event.subject, event.correlationid) == (AUDIT_FLAG_CONFIRMED, f"confirmed:{FLAG}", "C1", "C1")
    p = event.payload()
    assert (p.flag_id, p.rule_id, p.claim_id, p.version, p.setl_id, p.hospital_code) == (
        FLAG, "AUD-SPLIT-ADMISSION", "C1", 2, "S1", "H3607001")
    assert (p.treat_admdvs, p.insu_admdvs, p.amount, p.confirmed_at, p.period) == (
        "360700", "360100", D("5500.50"), hours(2), "2025-03")


async def test_the_deduction_period_is_the_month_of_confirmation_in_china_time(repo):
    await proposed(repo)
    tx = Transaction(repo)
    await review.confirm(tx, FLAG, INSURED, datetime(2025, 3, 31, 17, tzinfo=timezone.utc))  # 1 April, 01:00 in China
    [event] = tx.emitted
    assert (event.payload().amount, event.payload().period) == (D("6600.00"), "2025-04")


async def test_another_region_may_not_confirm_and_nothing_changes(repo):
    await proposed(repo)
    before = repo.reviews[FLAG]
    tx = Transaction(repo)
    with pytest.raises(WrongActor, match="confirm needs insured_region 360100"):
        await review.confirm(tx, FLAG, Actor(ActorRole.INSURED_REGION, "360800", "auditor-x"), hours(2))
    assert repo.reviews[FLAG] == before and tx.emitted == []


async def test_a_dispute_upheld_by_the_province_publishes_the_deduction_and_a_dismissed_one_does_not(repo):
    await proposed(repo)
    await review.dispute(Transaction(repo), FLAG, INSURED, hours(2), "a planned second stay")
    tx = Transaction(repo)
    await review.resolve(tx, FLAG, PROVINCE, hours(3), True, "no plan in the records", D("3000.00"))
    assert [(e.type, e.payload().amount) for e in tx.emitted] == [(AUDIT_FLAG_CONFIRMED, D("3000.00"))]

    other = FakeAuditRepository(reviews=[open_review(FINDING, T0)])
    await proposed(other)
    await review.dispute(Transaction(other), FLAG, INSURED, hours(2), "planned")
    tx = Transaction(other)
    dismissed = await review.resolve(tx, FLAG, PROVINCE, hours(3), False, "plan documented")
    assert (dismissed.status, other.reviews[FLAG].status, tx.emitted) == (FlagStatus.DISMISSED, FlagStatus.DISMISSED, [])


async def test_resolve_needs_upheld(repo):
    await proposed(repo)
    await review.dispute(Transaction(repo), FLAG, INSURED, hours(2), "planned")
    with pytest.raises(InvalidInput, match="upheld"):
        await review.resolve(Transaction(repo), FLAG, PROVINCE, hours(3), None, "r")


async def test_a_confirmed_zero_is_saved_but_deducts_nothing(repo):
    await proposed(repo)
    tx = Transaction(repo)
    await review.confirm(tx, FLAG, INSURED, hours(2), amount=D("0.00"))
    assert (repo.reviews[FLAG].confirmed_amount, tx.emitted) == (D("0.00"), [])


async def test_withdrawing_dismisses_the_flag(repo):
    tx = Transaction(repo)
    await review.withdraw(tx, FLAG, TREATING, hours(1), "a transfer, not a readmission")
    assert (repo.reviews[FLAG].status, tx.emitted) == (FlagStatus.DISMISSED, [])


async def test_an_unknown_flag_is_not_found(repo):
    with pytest.raises(NotFound) as e:
        await review.propose(Transaction(repo), "no-such-flag", TREATING, hours(1))
    assert (e.value.title, e.value.ids) == ("no such flag", {"flag_id": "no-such-flag"})


async def test_an_assistance_request_is_stored_and_answered(repo):
    deadline = hours(24 * 15)
    asked = await assistance.request_assistance(Transaction(repo), "A1", "C1", INSURED, hours(1), deadline, " same stay? ")
    assert (repo.requests["A1"], asked.question, asked.treatment_region, asked.version) == (asked, "same stay?", "360700", 2)
    with pytest.raises(WrongActor):
        await assistance.answer_assistance(Transaction(repo), "A1", INSURED, hours(2), "self-answered")
    await assistance.answer_assistance(Transaction(repo), "A1", TREATING, hours(3), "yes, one episode")
    assert (repo.requests["A1"].status, repo.requests["A1"].answer) == (AssistanceStatus.ANSWERED, "yes, one episode")


async def test_assistance_needs_a_stored_claim_and_a_stored_request(repo):
    with pytest.raises(NotFound) as e:
        await assistance.request_assistance(Transaction(repo), "A1", "C9", INSURED, hours(1), hours(48), "q")
    assert (e.value.title, e.value.ids, repo.requests) == ("no such claim in audit", {"claim_id": "C9"}, {})
    with pytest.raises(NotFound, match="no such request"):
        await assistance.answer_assistance(Transaction(repo), "A9", TREATING, hours(2), "a")
