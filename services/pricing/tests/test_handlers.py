"""The settlement.list.grouped handler, run against an in-memory repository (no Kafka, no PostgreSQL).

Fixture region 360100 (DRG), hospital H1: C_h = 1.15; employee pools R_p = 10000; AA11 RW 2.0, so
S = 2.0 × 10000 × 1.15 = 23000.00. T = 30000.00, F = 18000.00: normal (k = 1.30), Payment = 23000.00,
FundDue = 18000 + 23000 − 30000 = 11000.00. Cross-province: per item, Payment = T = 30000.00,
FundDue = F = 18000.00, outside every pool.
"""
from datetime import datetime
from decimal import Decimal as D

import pytest

from yidi_common.claims import ClaimScope
from yidi_common.config_provider import ConfigProvider
from yidi_common.events import deterministic_event_id, new_event
from yidi_common.events.registry import PAYMENT_PRICED, SETTLEMENT_LIST_GROUPED
from yidi_common.events.v1 import ClaimFacts, FundAmount, GroupingOutcome, PaymentPriced, SettlementListGrouped
from yidi_common.messaging import UnitOfWork
from yidi_pricing.consumers.handlers import make_handlers

from .conftest import FIXTURE_CONFIG
from .fakes import FakePricingRepository


def grouped_event(claim_id: str, insured_region: str, scope: ClaimScope, supersedes_version: int | None = None):
    claim = ClaimFacts(
        claim_id=claim_id, version=1, setl_id=f"S-{claim_id}", hospital_code="H1", psn_no="P1",
        insu_admdvs=insured_region, treat_admdvs="360100", insutype="310", setl_period="2026-03", gender="1",
        age=50, adm_time=datetime(2026, 3, 1, 8), dscg_time=datetime(2026, 3, 9, 8), los=8, dscg_way="1",
        cross_province=scope is ClaimScope.CROSS_PROVINCE, scope=scope, diagnoses=["K80.100"], procedures=[],
        total_cost=D("30000.00"), basic_fund_payment=D("18000.00"),
        fund_payments=[FundAmount(fund_pay_type="310100", amount=D("18000.00"))],
    )
    grouping = GroupingOutcome(payment_method="DRG", scheme="CHS-DRG 1.1", status="grouped", drg="AA11")
    return new_event(type=SETTLEMENT_LIST_GROUPED, source="/yidi/grouper", subject=claim_id,
                     correlationid=f"corr-{claim_id}",
                     payload=SettlementListGrouped(claim=claim, grouping=grouping, supersedes_version=supersedes_version))


@pytest.fixture
def config() -> ConfigProvider:
    return ConfigProvider.load(FIXTURE_CONFIG)


async def price(config: ConfigProvider, events: list) -> tuple[FakePricingRepository, UnitOfWork]:
    repo = FakePricingRepository()
    on_grouped = make_handlers(config, repository=lambda conn: repo)[SETTLEMENT_LIST_GROUPED]
    uow = UnitOfWork(conn=None)  # type: ignore[arg-type]
    await on_grouped(uow, events)
    return repo, uow


async def test_a_grouped_claim_is_kept_and_published_as_payment_priced(config):
    cause = grouped_event("c-local", "360100", ClaimScope.LOCAL, supersedes_version=None)
    repo, uow = await price(config, [cause])

    [priced] = uow.emitted
    assert (priced.id, priced.type) == (deterministic_event_id(cause.id, PAYMENT_PRICED), PAYMENT_PRICED)
    assert (priced.subject, priced.correlationid) == ("c-local", "corr-c-local")
    payload: PaymentPriced = priced.payload()  # type: ignore[assignment]
    assert payload.claim == cause.payload().claim and payload.grouping.drg == "AA11"
    assert (payload.pricing.case_kind, payload.pricing.payment, payload.pricing.fund_due) == (
        "normal", D("23000.00"), D("11000.00"))
    assert payload.pricing.pool.key == "360100-2026-DRG-310-local"

    row = repo.priced[("c-local", 1)]
    assert (row.hospital_code, row.period, row.pool, row.case_kind, row.payment, row.fund_due) == (
        "H1", "2026-03", "360100-2026-DRG-310-local", "normal", D("23000.00"), D("11000.00"))
    assert row.config_version == config.current.version and row.pricing == priced.data["pricing"]


async def test_a_batch_prices_each_claim_by_its_scope(config):
    events = [grouped_event("c-cross", "360400", ClaimScope.CROSS_REGION),
              grouped_event("c-xprov", "110100", ClaimScope.CROSS_PROVINCE)]
    repo, uow = await price(config, events)

    assert [e.id for e in uow.emitted] == [deterministic_event_id(e.id, PAYMENT_PRICED) for e in events]
    cross, xprov = repo.priced[("c-cross", 1)], repo.priced[("c-xprov", 1)]
    assert (cross.pool, cross.payment, cross.fund_due) == ("360100-2026-DRG-310-cross", D("23000.00"), D("11000.00"))
    assert (xprov.pool, xprov.case_kind, xprov.payment, xprov.fund_due) == (
        None, "cross_province", D("30000.00"), D("18000.00"))
    assert uow.emitted[1].payload().pricing.pool is None


async def test_the_pool_follows_the_scope_the_grouper_decided(config):
    # insured in the treatment region by its codes, but the event says cross-region: pricing does not recompute it
    repo, _ = await price(config, [grouped_event("c1", "360100", ClaimScope.CROSS_REGION)])
    assert repo.priced[("c1", 1)].pool == "360100-2026-DRG-310-cross"


async def test_a_redelivered_event_is_published_again_with_the_same_id_and_payload(config):
    cause = grouped_event("c-again", "360100", ClaimScope.LOCAL, supersedes_version=None)
    _, first = await price(config, [cause])
    _, again = await price(config, [cause])
    assert [(e.id, e.data) for e in first.emitted] == [(e.id, e.data) for e in again.emitted]


async def test_only_an_approved_special_case_is_priced_per_item_not_the_lists_flag(config):
    """Seed 000 二(一): 特例单议 paid per item once the treatment region approved it. The hospital's flag alone:
    normal, Payment = S = 23000.00, FundDue = 11000.00. The version issued for approved case "case-7":
    Payment = T = 30000.00, FundDue = F = 18000.00, with the case in the explanation."""
    flagged = grouped_event("c-flag", "360100", ClaimScope.LOCAL)
    flagged.data["claim"]["special_case_review"] = True
    issued = grouped_event("c-issued", "360100", ClaimScope.LOCAL, supersedes_version=1)
    issued.data["claim"] |= {"special_case_review": True, "special_case_id": "case-7", "version": 2}
    _, uow = await price(config, [flagged, issued])
    by_claim = {e.subject: e.payload().pricing for e in uow.emitted}
    assert (by_claim["c-flag"].case_kind, by_claim["c-flag"].payment, by_claim["c-flag"].fund_due) == (
        "normal", D("23000.00"), D("11000.00"))
    approved = by_claim["c-issued"]
    assert (approved.case_kind, approved.basis, approved.payment, approved.fund_due) == (
        "special_review", "per_item", D("30000.00"), D("18000.00"))
    assert any("case-7" in line for line in approved.explanation)
