"""Clearing's real handlers (make_handlers) over the in-memory repository: real envelopes in, ledger
entries and ledger.posted events out. Amounts and entry ids are worked by hand.

Entry ids are uuid5(a3e1c6d2-7f4b-4b8e-9d2a-5c6b7e8f9a01, "<claim>|<version>|claim" or "…|reversal"),
fixed here as literals: a replay, or a new release, must post the very same ids.
"""
from datetime import datetime
from decimal import Decimal as D

from yidi_clearing.consumers.handlers import make_handlers
from yidi_common.claims import ClaimScope
from yidi_common.events import new_event
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED, LEDGER_POSTED, PAYMENT_PRICED
from yidi_common.events.v1 import (
    AuditFlagConfirmed,
    ClaimFacts,
    FundAmount,
    GroupingOutcome,
    LedgerLine,
    LedgerPosted,
    PaymentPriced,
    PoolRef,
    PricingOutcome,
)
from yidi_common.messaging import UnitOfWork

from .fakes import FakeClearingRepository

C1_V1 = "827dcff9-8800-504a-b8c1-22bc17e70e0a"  # c1|1|claim
C1_V2 = "625fbbbe-f375-562c-8a40-b863fcf43b88"  # c1|2|claim
C1_V1_REVERSAL = "d12f73d2-e195-5d08-9447-714138e1b793"  # c1|1|reversal


def priced(claim_id: str = "c1", *, version: int = 1, scope: ClaimScope = ClaimScope.LOCAL,
           insured_region: str = "360100", origin: str | None = "local", fund_due: str = "11000.00"):
    """A priced claim version of H1, treated in 360100 in March 2026: T 30000.00, the basic fund F 18000.00
    and another fund 500.00, Payment 23000.00 (X = 2.0 × 10000 × 1.15); origin None: outside every pool."""
    claim = ClaimFacts(
        claim_id=claim_id, version=version, setl_id=f"S-{claim_id}", hospital_code="H1", psn_no="P1",
        insu_admdvs=insured_region, treat_admdvs="360100", insutype="310", setl_period="2026-03", gender="1",
        age=50, adm_time=datetime(2026, 3, 1, 8), dscg_time=datetime(2026, 3, 9, 8), los=8, dscg_way="1",
        cross_province=scope is ClaimScope.CROSS_PROVINCE, scope=scope, diagnoses=["K80.100"], procedures=[],
        total_cost=D("30000.00"), basic_fund_payment=D("18000.00"),
        fund_payments=[FundAmount(fund_pay_type="310100", amount=D("18000.00")),
                       FundAmount(fund_pay_type="330100", amount=D("500.00"))],
    )
    pool = PoolRef(treat_admdvs="360100", year=2026, payment_method="DRG", insutype="310", origin=origin) \
        if origin else None
    payload = PaymentPriced(
        claim=claim, grouping=GroupingOutcome(payment_method="DRG", scheme="CHS-DRG 1.1", status="grouped", drg="AA11"),
        pricing=PricingOutcome(case_kind="normal", pool=pool, basis="weight", payment=D("23000.00"),
                               payment_exact=D("23000"), fund_due=D(fund_due)),
        supersedes_version=version - 1 if version > 1 else None,
    )
    return new_event(type=PAYMENT_PRICED, source="/yidi/pricing", subject=claim_id, payload=payload,
                     correlationid=f"corr-{claim_id}-{version}")


class Clearing:
    """The real handlers over one fake repository, batch after batch."""

    def __init__(self) -> None:
        self.repo = FakeClearingRepository()
        self.handlers = make_handlers(repository=lambda conn: self.repo)

    async def priced(self, *events) -> list:
        uow = UnitOfWork(conn=None)  # type: ignore[arg-type]
        await self.handlers[PAYMENT_PRICED](uow, list(events))
        return uow.emitted

    async def confirmed(self, event) -> list:
        uow = UnitOfWork(conn=None)  # type: ignore[arg-type]
        await self.handlers[AUDIT_FLAG_CONFIRMED](uow, event)
        return uow.emitted


def lines(entry) -> list[tuple[str, D, D]]:
    return [(l.account, l.debit, l.credit) for l in entry.lines]


async def test_a_local_claim_posts_fund_due_and_the_other_funds_to_its_hospital_and_says_so():
    clearing = Clearing()
    [event] = await clearing.priced(priced())
    # FundDue 11000 + the other fund's 500 = 11500.00 owed to H1 by the local fund
    entry = clearing.repo.entries[C1_V1]
    assert (entry.kind, entry.period, entry.claim_id, entry.version) == ("claim.local", "2026-03", "c1", 1)
    assert lines(entry) == [("360100:fund-expense:local", D("11500.00"), D("0")),
                            ("360100:hospital-payable:H1", D("0"), D("11500.00"))]
    assert (event.type, event.id, event.subject, event.correlationid) == (LEDGER_POSTED, C1_V1, "c1", "corr-c1-1")
    assert event.payload() == LedgerPosted(
        entry_id=C1_V1, claim_id="c1", version=1, kind="claim.local", period="2026-03",
        lines=[LedgerLine(account="360100:fund-expense:local", debit=D("11500.00")),
               LedgerLine(account="360100:hospital-payable:H1", credit=D("11500.00"))])
    assert clearing.repo.cleared == {"c1": C1_V1}
    case = clearing.repo.cases_by_claim["c1"]
    assert (case.scope, case.pool, case.other_funds, case.payment_exact) == (
        ClaimScope.LOCAL, "360100-2026-DRG-310-local", D("500.00"), D("23000"))


async def test_a_cross_region_claim_moves_every_fund_payment_through_the_province():
    clearing = Clearing()
    await clearing.priced(priced(scope=ClaimScope.CROSS_REGION, insured_region="360400", origin="cross"))
    # every fund payment 18000 + 500 = 18500.00; H1 is owed 11000 + 500 = 11500.00; the pool keeps 7000.00
    entry = clearing.repo.entries[C1_V1]
    assert entry.kind == "claim.cross-region"
    assert lines(entry) == [
        ("360400:cross-region-medical-expense", D("18500.00"), D("0")),
        ("360400:payable-to-province", D("0"), D("18500.00")),
        ("province:receivable:360400", D("18500.00"), D("0")),
        ("province:payable:360100", D("0"), D("18500.00")),
        ("360100:receivable-from-province", D("18500.00"), D("0")),
        ("360100:hospital-payable:H1", D("0"), D("11500.00")),
        ("360100:pool-settlement:360100-2026-DRG-310-cross", D("0"), D("7000.00")),
    ]


async def test_the_scope_is_the_events_a_cross_province_claim_goes_to_national_clearing():
    clearing = Clearing()
    # outside every pool, per item: Payment = T, FundDue = F = 18000; 18000 + 500 = 18500.00
    await clearing.priced(priced(scope=ClaimScope.CROSS_PROVINCE, insured_region="110100", origin=None,
                                 fund_due="18000.00"))
    entry = clearing.repo.entries[C1_V1]
    assert entry.kind == "claim.cross-province"
    assert lines(entry) == [("360100:receivable-national-clearing", D("18500.00"), D("0")),
                            ("360100:hospital-payable:H1", D("0"), D("18500.00"))]
    assert clearing.repo.cases_by_claim["c1"].pool is None


async def test_a_correction_reverses_the_version_it_supersedes_then_posts_its_own():
    clearing = Clearing()
    await clearing.priced(priced())
    reversal_event, claim_event = await clearing.priced(priced(version=2, fund_due="9000.00"))
    reversal = clearing.repo.entries[C1_V1_REVERSAL]
    assert (reversal.kind, reversal.version) == ("claim.reversal", 2)
    assert lines(reversal) == [("360100:fund-expense:local", D("0"), D("11500.00")),
                               ("360100:hospital-payable:H1", D("11500.00"), D("0"))]
    # v2: FundDue 9000 + 500 = 9500.00
    assert lines(clearing.repo.entries[C1_V2]) == [("360100:fund-expense:local", D("9500.00"), D("0")),
                                                   ("360100:hospital-payable:H1", D("0"), D("9500.00"))]
    assert [(e.id, e.correlationid) for e in (reversal_event, claim_event)] == [
        (C1_V1_REVERSAL, "corr-c1-2"), (C1_V2, "corr-c1-2")]
    assert clearing.repo.cleared == {"c1": C1_V2}
    assert clearing.repo.cases_by_claim["c1"].fund_due == D("9000.00")


async def test_both_versions_in_one_batch_post_the_same_three_entries():
    clearing = Clearing()
    emitted = await clearing.priced(priced(), priced(version=2, fund_due="9000.00"))
    assert [e.id for e in emitted] == [C1_V1, C1_V1_REVERSAL, C1_V2]
    assert clearing.repo.cleared == {"c1": C1_V2}


async def test_a_late_older_version_and_a_redelivery_change_nothing():
    clearing = Clearing()
    await clearing.priced(priced())
    await clearing.priced(priced(version=2, fund_due="9000.00"))
    posted = dict(clearing.repo.entries)
    assert await clearing.priced(priced(version=1)) == []
    assert await clearing.priced(priced(version=2, fund_due="9000.00")) == []
    assert clearing.repo.entries == posted and clearing.repo.cleared == {"c1": C1_V2}
    assert clearing.repo.cases_by_claim["c1"].version == 2


async def test_a_confirmed_finding_is_recorded_once_as_a_deduction():
    clearing = Clearing()
    payload = AuditFlagConfirmed(
        flag_id="F1", rule_id="R1", claim_id="c1", version=1, setl_id="S-c1", hospital_code="H1",
        treat_admdvs="360100", insu_admdvs="360400", amount=D("800.00"),
        confirmed_at=datetime(2026, 3, 20, 9), period="2026-03")
    event = new_event(type=AUDIT_FLAG_CONFIRMED, source="/yidi/audit", subject="c1", payload=payload,
                      correlationid="corr-F1")
    assert await clearing.confirmed(event) == []
    await clearing.confirmed(event)
    [deduction] = clearing.repo.deductions_by_flag.values()
    assert (deduction.flag_id, deduction.hospital_code, deduction.treatment_region, deduction.insured_region,
            deduction.amount, deduction.period) == ("F1", "H1", "360100", "360400", D("800.00"), "2026-03")
