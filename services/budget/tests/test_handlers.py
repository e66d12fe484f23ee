"""The payment.priced and annual.cleared handlers, run against an in-memory repository (no Kafka, no
PostgreSQL). Amounts are worked by hand from the fixture configuration (conftest.py)."""
from datetime import datetime
from decimal import Decimal as D

from yidi_budget.consumers.handlers import make_handlers
from yidi_budget.domain.consumption import BudgetKind, BudgetRef, Contribution, Sums
from yidi_budget.service_layer.repository import FinalRate
from yidi_common.claims import ClaimScope
from yidi_common.events import deterministic_event_id, new_event
from yidi_common.events.registry import ANNUAL_CLEARED, BUDGET_ALERT, PAYMENT_PRICED
from yidi_common.events.v1 import (
    AnnualCleared,
    BudgetAlert,
    ClaimFacts,
    FundAmount,
    GroupingOutcome,
    PaymentPriced,
    PoolClearingResult,
    PoolRef,
    PricingOutcome,
)
from yidi_common.messaging import UnitOfWork

from .fakes import FakeBudgetRepository

LOCAL_310 = BudgetRef(BudgetKind.POOL, "360100-2026-DRG-310-local")  # B_p 200000.00
CROSS_310 = BudgetRef(BudgetKind.POOL, "360100-2026-DRG-310-cross")  # B_p 100000.00
CROSS_390 = BudgetRef(BudgetKind.POOL, "360100-2026-DRG-390-cross")  # B_p = Σ F
INSURED_360500 = BudgetRef(BudgetKind.INSURED, "360500-2026")  # 50000.00


def priced(claim_id: str, *, version: int = 1, scope: ClaimScope = ClaimScope.LOCAL, insured_region: str = "360100",
           insutype: str | None = "310", origin: str | None = "local", fund_due: str = "11000.00",
           basic_fund: str = "18000.00", other_funds: str = "0.00", treatment: str = "360100", year: int = 2026):
    """A priced claim version treated in 360100 in March 2026; origin None: outside every pool, "all": merged."""
    claim = ClaimFacts(
        claim_id=claim_id, version=version, setl_id=f"S-{claim_id}", hospital_code="H1", psn_no="P1",
        insu_admdvs=insured_region, treat_admdvs=treatment, insutype=insutype or "310", setl_period=f"{year}-03",
        gender="1", age=50, adm_time=datetime(year, 3, 1, 8), dscg_time=datetime(year, 3, 9, 8), los=8, dscg_way="1",
        cross_province=scope is ClaimScope.CROSS_PROVINCE, scope=scope, diagnoses=["K80.100"], procedures=[],
        total_cost=D("30000.00"), basic_fund_payment=D(basic_fund),
        fund_payments=[FundAmount(fund_pay_type="310100", amount=D(basic_fund)),
                       FundAmount(fund_pay_type="330100", amount=D(other_funds))],
    )
    pool = PoolRef(treat_admdvs=treatment, year=year, payment_method="DRG", insutype=insutype or "all",
                   origin=origin) if origin else None
    payload = PaymentPriced(
        claim=claim, grouping=GroupingOutcome(payment_method="DRG", scheme="CHS-DRG 1.1", status="grouped", drg="AA11"),
        pricing=PricingOutcome(case_kind="normal", pool=pool, payment=D("23000.00"), fund_due=D(fund_due)),
        supersedes_version=version - 1 if version > 1 else None,
    )
    return new_event(type=PAYMENT_PRICED, source="/yidi/pricing", subject=claim_id, payload=payload,
                     correlationid=f"corr-{claim_id}-{version}")


class Budget:
    """The real handlers over one fake repository, batch after batch."""

    def __init__(self, config, repo: FakeBudgetRepository | None = None):
        self.repo = repo or FakeBudgetRepository()
        self.handlers = make_handlers(lambda: config, repository=lambda conn: self.repo)

    async def priced(self, *events) -> list:
        uow = UnitOfWork(conn=None)  # type: ignore[arg-type]
        await self.handlers[PAYMENT_PRICED](uow, list(events))
        return uow.emitted

    async def cleared(self, region: str, year: int, *pools: PoolClearingResult) -> list:
        event = new_event(type=ANNUAL_CLEARED, source="/yidi/clearing", subject=f"{region}-{year}",
                          payload=AnnualCleared(region=region, year=year, pools=list(pools)),
                          correlationid=f"annual-{region}-{year}")
        uow = UnitOfWork(conn=None)  # type: ignore[arg-type]
        await self.handlers[ANNUAL_CLEARED](uow, event)
        return uow.emitted


def alert_id(ref: BudgetRef, level: str, period: str = "2026") -> str:
    return deterministic_event_id(ref.kind.value, ref.key, period, level)


def pool_cleared(pool: str, fund_due_final: str, overrun_paid: str = "0.00") -> PoolClearingResult:
    """A pool's annual clearing; only fund_due_final + overrun_paid (its clearing total) matters here."""
    return PoolClearingResult(pool=pool, final_rate=D("9000"), distributable=D(fund_due_final), residue=D("0.00"),
                              fund_due_final=D(fund_due_final), reserve=D("0.00"), overrun_paid=D(overrun_paid))


async def test_a_local_claim_adds_to_its_pool(config):
    budget = Budget(config)
    assert await budget.priced(priced("c1")) == []
    assert budget.repo.running == {LOCAL_310: Sums(1, D("11000.00"), D("18000.00"))}
    assert budget.repo.contributed["c1"].version == 1


async def test_a_cross_region_claim_adds_to_its_pool_and_its_insured_regions_budget(config):
    budget = Budget(config)
    await budget.priced(priced("c1", scope=ClaimScope.CROSS_REGION, insured_region="360500", origin="cross",
                               other_funds="1000.00"))
    # insured region: every fund, 18000 + 1000 = 19000.00
    assert budget.repo.running == {CROSS_310: Sums(1, D("11000.00"), D("18000.00")),
                                   INSURED_360500: Sums(1, D("19000.00"), D("0.00"))}


async def test_a_cross_province_claim_changes_no_budget(config):
    budget = Budget(config)
    await budget.priced(priced("c1", scope=ClaimScope.CROSS_PROVINCE, insured_region="110100", origin=None,
                               fund_due="18000.00"))
    assert budget.repo.running == {}
    assert budget.repo.contributed["c1"].pool is None


async def test_a_correction_replaces_the_earlier_version_and_a_late_older_version_changes_nothing(config):
    budget = Budget(config)
    await budget.priced(priced("c1"))
    await budget.priced(priced("c1", version=2, fund_due="5000.00", basic_fund="9000.00"))
    await budget.priced(priced("c1", version=1))
    # v2 replaced v1: 1 case, 5000.00, 9000.00; v1 arriving late: nothing
    assert budget.repo.running == {LOCAL_310: Sums(1, D("5000.00"), D("9000.00"))}
    assert budget.repo.contributed["c1"].version == 2


async def test_crossing_thresholds_raises_each_level_once_with_its_amounts(config):
    budget = Budget(config)
    # 310-local: B_p 200000.00, basis B_p; notice at 0.8 × 200000 = 160000, warning at 180000
    assert await budget.priced(priced("c1", fund_due="159999.99")) == []
    [notice] = await budget.priced(priced("c2", fund_due="0.01"))  # 160000.00 reached exactly
    assert (notice.type, notice.id, notice.subject, notice.correlationid) == (
        BUDGET_ALERT, alert_id(LOCAL_310, "notice"), LOCAL_310.key, "corr-c2-1")
    assert notice.payload() == BudgetAlert(
        budget_kind="pool", budget_key=LOCAL_310.key, region="360100", period="2026", level="notice",
        threshold=D("0.8"), consumed=D("160000.00"), budget=D("200000.00"), ratio=D("0.8000"), basis="budget",
        basis_amount=D("200000.00"))
    # 160000 + 30000 = 190000: warning (180000) reached, notice not raised again; 190000 / 200000 = 0.95
    [warning] = await budget.priced(priced("c3", fund_due="30000.00"))
    assert (warning.id, warning.payload().level, warning.payload().ratio) == (
        alert_id(LOCAL_310, "warning"), "warning", D("0.9500"))
    assert sorted(level for *_, level in budget.repo.raised) == ["notice", "warning"]


async def test_one_batch_reaching_every_level_raises_them_lowest_first_under_the_first_cause(config):
    budget = Budget(config)
    emitted = await budget.priced(priced("c1", fund_due="100000.00"), priced("c2", fund_due="100000.00"))
    # 200000.00 of 200000.00: notice, warning and critical; ratio 1.0000
    assert [e.id for e in emitted] == [alert_id(LOCAL_310, level) for level in ("notice", "warning", "critical")]
    assert {(e.correlationid, e.payload().consumed, e.payload().ratio) for e in emitted} == {
        ("corr-c1-1", D("200000.00"), D("1.0000"))}


async def test_an_alert_stored_by_an_earlier_batch_is_not_raised_again(config):
    budget = Budget(config)
    await budget.priced(priced("c1", fund_due="160000.00"))  # notice
    restarted = Budget(config, budget.repo)  # a new process: nothing remembered but the store
    assert await restarted.priced(priced("c2", fund_due="1000.00")) == []
    assert budget.repo.alert_attempts == 2  # notice, then notice again: found stored, remembered
    assert await restarted.priced(priced("c3", fund_due="1000.00")) == []
    assert budget.repo.alert_attempts == 2  # not asked again


async def test_a_correction_lowering_consumption_raises_nothing(config):
    repo = FakeBudgetRepository()
    # stored before alerts existed: 190000.00 consumed, past the notice line, none raised
    repo.contributed["c1"] = Contribution("c1", 1, LOCAL_310.key, None, D("190000.00"), D("18000.00"), D("0.00"))
    repo.running[LOCAL_310] = Sums(1, D("190000.00"), D("18000.00"))
    budget = Budget(config, repo)
    assert await budget.priced(priced("c1", version=2, fund_due="185000.00")) == []
    assert repo.running[LOCAL_310] == Sums(1, D("185000.00"), D("18000.00"))
    # the next claim grows it: 185000 + 1 = 185001 ≥ 160000 and 180000
    assert [e.payload().level for e in await budget.priced(priced("c2", fund_due="1.00"))] == ["notice", "warning"]


def cross_390(claim_id: str, fund_due: str, basic_fund: str):
    """A 360400-insured resident's claim in 360100's 390-cross pool (B_p = Σ F; 360400 has no insured budget)."""
    return priced(claim_id, scope=ClaimScope.CROSS_REGION, insured_region="360400", insutype="390", origin="cross",
                  fund_due=fund_due, basic_fund=basic_fund)


async def test_a_pool_budgeted_by_item_payments_without_an_estimate_raises_no_alert(config):
    budget = Budget(config)
    # B_p = Σ F = 6000.00 and 5000.00 consumed: 83 % of the running sum, but no estimate of the year's B_p
    assert await budget.priced(cross_390("c1", fund_due="5000.00", basic_fund="6000.00")) == []
    assert budget.repo.raised == {}


async def test_a_pool_budgeted_by_item_payments_alerts_on_last_years_sum_of_basic_fund(config):
    repo = FakeBudgetRepository()
    repo.running[BudgetRef(BudgetKind.POOL, "360100-2025-DRG-390-cross")] = Sums(3, D("7000.00"), D("10000.00"))
    budget = Budget(config, repo)
    # basis: 2025's Σ F, 10000.00; 0.8 × 10000 = 8000 ≤ 8500 < 9000: notice only (the running Σ F, 9000.00,
    # would have put it at 94 %: notice and warning together)
    [notice] = await budget.priced(cross_390("c1", fund_due="8500.00", basic_fund="9000.00"))
    assert notice.payload() == BudgetAlert(
        budget_kind="pool", budget_key=CROSS_390.key, region="360100", period="2026", level="notice",
        threshold=D("0.8"), consumed=D("8500.00"), budget=D("9000.00"), ratio=D("0.8500"),
        basis="prior-year-estimate", basis_amount=D("10000.00"))
    assert budget.repo.raised[("pool", CROSS_390.key, "2026", "notice")].basis == "prior-year-estimate"


async def test_a_pool_budgeted_by_item_payments_alerts_on_its_configured_estimate(config):
    budget = Budget(config)
    cross = BudgetRef(BudgetKind.POOL, "360400-2026-DRG-all-cross")  # budget_estimate 20000.00
    emitted = await budget.priced(priced("c1", scope=ClaimScope.CROSS_REGION, insured_region="360100", insutype=None,
                                         origin="cross", treatment="360400", fund_due="18000.00",
                                         basic_fund="19000.00"))
    # 18000 of 20000: notice (16000) and warning (18000), not critical; ratio 0.9000
    # (insured 360100's cross-region budget: 19000 of 100000, nothing)
    assert [e.id for e in emitted] == [alert_id(cross, "notice"), alert_id(cross, "warning")]
    assert (emitted[1].payload().basis, emitted[1].payload().basis_amount, emitted[1].payload().ratio,
            emitted[1].payload().budget) == ("configured-estimate", D("20000.00"), D("0.9000"), D("19000.00"))
    assert budget.repo.history_reads == 0  # a configured estimate reads nothing of earlier years


async def test_an_insured_regions_budget_alerts_on_its_peoples_cross_region_funds(config):
    budget = Budget(config)
    emitted = await budget.priced(priced("c1", scope=ClaimScope.CROSS_REGION, insured_region="360500",
                                         origin="cross", fund_due="1000.00", basic_fund="40000.00",
                                         other_funds="5000.00"))
    # 40000 + 5000 = 45000.00 of 50000.00: notice (40000) and warning (45000); ratio 0.9000
    # (the 310-cross pool: 1000.00 of 100000.00, nothing)
    assert [e.id for e in emitted] == [alert_id(INSURED_360500, "notice"), alert_id(INSURED_360500, "warning")]
    assert emitted[1].payload() == BudgetAlert(
        budget_kind="insured-cross-region", budget_key="360500-2026", region="360500", period="2026",
        level="warning", threshold=D("0.9"), consumed=D("45000.00"), budget=D("50000.00"), ratio=D("0.9000"),
        basis="budget", basis_amount=D("50000.00"))


async def test_annual_clearing_records_each_pools_final_rate_and_clearing_total(config):
    budget = Budget(config)
    await budget.cleared("360100", 2026, PoolClearingResult(
        pool=LOCAL_310.key, final_rate=D("9876.5432"), distributable=D("190000.00"), fund_due_final=D("189999.99"),
        residue=D("0.01"), reserve=D("10000.01"), overrun_paid=D("2500.50")))
    assert budget.repo.cleared == {LOCAL_310.key: FinalRate(LOCAL_310.key, "360100", 2026, D("9876.5432"),
                                                            D("189999.99"), D("0.01"), D("10000.01"), D("2500.50"))}
    # 189999.99 + 2500.50 = 192500.49
    assert await budget.repo.clearing_totals("360100", [2026]) == {LOCAL_310.key: D("192500.49")}


EMPLOYEE_2027 = BudgetRef(BudgetKind.POOL, "360100-2027-DRG-310-all")  # history: 2026's total × 1.05
RESIDENT_2027 = BudgetRef(BudgetKind.POOL, "360100-2027-DRG-390-all")  # history: mean of 2024-2026 × 1.02


async def test_a_pool_budgeted_by_history_alerts_on_last_years_clearing_totals_grown(config):
    budget = Budget(config)
    # 2026 kept local and cross apart; 2027 merges them: 150000.00 + (49000.00 + 1000.50 overrun shares)
    await budget.cleared("360100", 2026, pool_cleared("360100-2026-DRG-310-local", "150000.00"),
                         pool_cleared("360100-2026-DRG-310-cross", "49000.00", overrun_paid="1000.50"),
                         pool_cleared("360100-2026-DRG-390-local", "777777.77"))  # another insurance type
    # B_p = 200000.50 × 1.05 = 210000.525 → 210000.53 (half-up); notice at 0.8 × B_p = 168000.424
    assert await budget.priced(priced("c1", insutype="310", origin="all", year=2027, fund_due="168000.42")) == []
    [notice] = await budget.priced(priced("c2", insutype="310", origin="all", year=2027, fund_due="0.01"))
    assert notice.id == alert_id(EMPLOYEE_2027, "notice", "2027")
    assert notice.payload() == BudgetAlert(
        budget_kind="pool", budget_key=EMPLOYEE_2027.key, region="360100", period="2027", level="notice",
        threshold=D("0.8"), consumed=D("168000.43"), budget=D("210000.53"), ratio=D("0.8000"), basis="budget",
        basis_amount=D("210000.53"))


async def test_a_pool_budgeted_by_history_with_a_year_missing_raises_no_alert(config):
    budget = Budget(config)
    await budget.cleared("360100", 2025, pool_cleared("360100-2025-DRG-390-all", "110000.00"))
    await budget.cleared("360100", 2026, pool_cleared("360100-2026-DRG-390-local", "90000.00"),
                         pool_cleared("360100-2026-DRG-390-cross", "30000.25"))
    # 2024 is missing: B_p unknown, no basis, however much is consumed
    assert await budget.priced(priced("c1", insutype="390", origin="all", year=2027, fund_due="500000.00")) == []
    await budget.cleared("360100", 2024, pool_cleared("360100-2024-DRG-390-all", "100000.00"))
    # B_p = (100000 + 110000 + 120000.25) × 1.02 / 3 = 112200.085 → 112200.09; 500000.01 ≥ every level
    emitted = await budget.priced(priced("c2", insutype="390", origin="all", year=2027, fund_due="0.01"))
    assert [e.payload().level for e in emitted] == ["notice", "warning", "critical"]
    assert {(e.payload().budget, e.payload().ratio) for e in emitted} == {(D("112200.09"), D("4.4563"))}
