"""The payment.priced handler, run as the consumer runs it, over the in-memory repository.

Every priced claim below costs T = 8,000.00 with F = 5,600.00 and is paid 9,000.00, so the fund owes
the hospital 5,600 + 9,000 - 8,000 = 6,600.00 (fund_due); its fee mix and 300.00 self-pay fire nothing.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

from yidi_common.events import Envelope, new_event
from yidi_common.events.registry import AUDIT_FLAG_RAISED, PAYMENT_PRICED
from yidi_common.events.v1 import ClaimFacts, FundAmount, GroupingOutcome, PaymentPriced, PricingOutcome
from yidi_common.messaging import UnitOfWork
from yidi_audit.consumers.handlers import make_handlers
from yidi_audit.domain.params import AuditConfig, audit_config
from yidi_audit.domain.review import FlagStatus

from .fakes import FakeAuditRepository

CST = timezone(timedelta(hours=8))
FLAGS = uuid.UUID("0c7d2f4e-5b8a-4e61-9d3c-a1f2e3b4c5d6")
FEES = {"01": D("600.00"), "03": D("800.00"), "04": D("1200.00"), "05": D("1000.00"),
        "07": D("400.00"), "08": D("600.00"), "09": D("3000.00"), "11": D("400.00")}


def flag_id(rule_id: str, claim_id: str, version: int) -> str:
    return str(uuid.uuid5(FLAGS, f"{rule_id}|{claim_id}|{version}"))


def priced(claim_id: str, admitted: str, discharged: str, *, version: int = 1, principal: str = "J18.900",
           psn_ownpay: str = "300.00", other_diagnoses: tuple[str, ...] = ()) -> Envelope:
    adm, dscg = datetime.fromisoformat(admitted).replace(tzinfo=CST), datetime.fromisoformat(discharged).replace(tzinfo=CST)
    claim = ClaimFacts(
        claim_id=claim_id, version=version, setl_id=f"S-{claim_id}", hospital_code="H3607001", psn_no="P1",
        insu_admdvs="360100", treat_admdvs="360700", insutype="310", setl_period="2025-03", gender="1", age=60,
        adm_time=adm, dscg_time=dscg, los=(dscg - adm).days, dscg_way="1", diagnoses=[principal, *other_diagnoses], procedures=[],
        total_cost=D("8000.00"), basic_fund_payment=D("5600.00"),
        fund_payments=[FundAmount(fund_pay_type="310100", amount=D("5600.00"))],
        psn_ownpay=D(psn_ownpay), fulamt_ownpay=D("200.00"), fee_by_category=FEES,
    )
    return new_event(
        type=PAYMENT_PRICED, source="/test/pricing", subject=claim_id, correlationid=f"corr-{claim_id}-v{version}",
        payload=PaymentPriced(
            claim=claim,
            grouping=GroupingOutcome(payment_method="DRG", scheme="CHS-DRG-1.1", status="grouped", mdc="E",
                                     adrg="ES3", drg="ES35"),
            pricing=PricingOutcome(case_kind="normal", standard=D("8500.00"), payment=D("9000.00"),
                                   fund_due=D("6600.00")),
            supersedes_version=version - 1 if version > 1 else None,
        ),
    )


async def handle(repo: FakeAuditRepository, *events: Envelope, config: AuditConfig = AuditConfig(),
                 now: datetime | None = None) -> list[Envelope]:
    clock = (lambda: now) if now is not None else (lambda: datetime.now(timezone.utc))
    handlers = make_handlers(lambda: config, repository=lambda conn: repo, clock=clock)
    uow = UnitOfWork(conn=None)  # type: ignore[arg-type]
    await handlers[PAYMENT_PRICED](uow, list(events))
    return uow.emitted


def raised(events: list[Envelope]) -> list[tuple[str, str, str, D, str]]:
    return [(e.type, e.id, e.correlationid, e.payload().suspected_amount, e.payload().rule_id) for e in events]


async def test_a_clean_claim_is_stored_and_raises_nothing():
    repo = FakeAuditRepository()
    assert await handle(repo, priced("C1", "2025-03-01T09:00", "2025-03-08T09:00")) == []
    assert list(repo.claims) == ["C1"] and repo.reviews == {}
    assert repo.claims["C1"].treatment_region == "360700" and repo.claims["C1"].group_avg_cost == D("8500.00")


async def test_abnormal_self_pay_raises_one_flag_with_the_excess_over_the_tolerated_share():
    repo = FakeAuditRepository()
    emitted = await handle(repo, priced("C1", "2025-03-01T09:00", "2025-03-08T09:00", psn_ownpay="1000.00"))
    # self-pay 1,000.00 is 12.5 % of T; above 10 %: 1,000.00 - 0.10 x 8,000.00 = 200.00
    flag = flag_id("AUD-SELF-PAY", "C1", 1)
    assert raised(emitted) == [(AUDIT_FLAG_RAISED, flag, "corr-C1-v1", D("200.00"), "AUD-SELF-PAY")]
    payload = emitted[0].payload()
    assert (payload.flag_id, payload.claim_id, payload.version, payload.setl_id) == (flag, "C1", 1, "S-C1")
    assert (payload.treat_admdvs, payload.insu_admdvs, payload.hospital_code) == ("360700", "360100", "H3607001")
    review = repo.reviews[flag]
    assert (review.status, review.suspected_amount, review.treatment_region) == (FlagStatus.RAISED, D("200.00"), "360700")


async def test_the_treatment_regions_parameters_decide():
    config = audit_config({"regions": {"360700": {"self_pay": {"max_share": 0.2}}}})
    repo = FakeAuditRepository()
    assert await handle(repo, priced("C1", "2025-03-01T09:00", "2025-03-08T09:00", psn_ownpay="1000.00"),
                        config=config) == []


async def test_a_related_readmission_in_the_same_batch_is_a_split_admission():
    repo = FakeAuditRepository()
    emitted = await handle(repo, priced("C0", "2025-02-10T09:00", "2025-02-20T10:00", principal="J18.000"),
                           priced("C1", "2025-03-01T09:00", "2025-03-08T09:00"))
    # 9 days after discharge, same hospital, same category J18: the second stay's fund_due is suspected
    assert raised(emitted) == [(AUDIT_FLAG_RAISED, flag_id("AUD-SPLIT-ADMISSION", "C1", 1), "corr-C1-v1", D("6600.00"),
                                "AUD-SPLIT-ADMISSION")]
    assert repo.locked == [["P1"]]


async def test_an_earlier_stay_arriving_later_reveals_the_stored_readmission():
    repo = FakeAuditRepository()
    assert await handle(repo, priced("C1", "2025-03-01T09:00", "2025-03-08T09:00")) == []
    emitted = await handle(repo, priced("C0", "2025-02-10T09:00", "2025-02-20T10:00", principal="J18.000"))
    assert raised(emitted) == [(AUDIT_FLAG_RAISED, flag_id("AUD-SPLIT-ADMISSION", "C1", 1), "corr-C0-v1", D("6600.00"),
                                "AUD-SPLIT-ADMISSION")]


async def test_a_redelivered_batch_raises_nothing_twice():
    repo = FakeAuditRepository()
    event = priced("C1", "2025-03-01T09:00", "2025-03-08T09:00", psn_ownpay="1000.00")
    assert len(await handle(repo, event)) == 1
    assert await handle(repo, event) == []
    assert list(repo.reviews) == [flag_id("AUD-SELF-PAY", "C1", 1)]


async def test_an_older_version_arriving_after_a_newer_one_is_not_audited():
    repo = FakeAuditRepository()
    await handle(repo, priced("C1", "2025-03-01T09:00", "2025-03-08T09:00", version=2))
    assert await handle(repo, priced("C1", "2025-03-01T09:00", "2025-03-08T09:00", psn_ownpay="1000.00")) == []
    assert repo.claims["C1"].version == 2 and repo.reviews == {}


async def test_re_auditing_a_stored_stay_raises_only_its_new_flags():
    repo = FakeAuditRepository()
    await handle(repo, priced("C1", "2025-03-01T09:00", "2025-03-08T09:00", psn_ownpay="1000.00"))
    emitted = await handle(repo, priced("C0", "2025-02-10T09:00", "2025-02-20T10:00", principal="J18.000"))
    # C1 is audited again as C0's later stay: its self-pay flag is stored already, its split admission is new
    assert [(e.id, e.payload().suspected_amount) for e in emitted] == [(flag_id("AUD-SPLIT-ADMISSION", "C1", 1), D("6600.00"))]
    assert sorted(repo.reviews) == sorted([flag_id("AUD-SELF-PAY", "C1", 1), flag_id("AUD-SPLIT-ADMISSION", "C1", 1)])
