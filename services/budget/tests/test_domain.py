"""The budget domain: contributions, supersession of versions, execution and alert levels (DOMAIN.md §6)."""
from decimal import Decimal as D

from yidi_budget.domain.alerts import newly_reached
from yidi_budget.domain.consumption import BudgetKind, BudgetRef, Contribution, PricedClaim, Sums, contribution, supersede
from yidi_budget.domain.execution import BudgetStatus, budget_status, insured_status, pool_status
from yidi_common.claims import ClaimScope
from yidi_common.regional_config import AlertBasis, AlertLevel, AlertThresholds, InsuredBudget, PoolConfig, Policy

LOCAL_POOL = "360100-2026-DRG-310-local"
CROSS_POOL = "360100-2026-DRG-310-cross"
POOL = BudgetRef(BudgetKind.POOL, LOCAL_POOL)
INSURED_360500 = BudgetRef(BudgetKind.INSURED, "360500-2026")


def claim(claim_id="c1", version=1, scope=ClaimScope.LOCAL, pool=LOCAL_POOL, fund_due="11000.00",
          basic_fund="18000.00", fund_payments="19000.00", insured_region="360100", cause="corr-1") -> PricedClaim:
    return PricedClaim(claim_id, version, scope, insured_region, 2026, pool, D(fund_due), D(basic_fund),
                       D(fund_payments), cause)


def test_a_local_claim_contributes_to_its_pool_only():
    assert list(contribution(claim()).shares()) == [(POOL, Sums(1, D("11000.00"), D("18000.00")))]


def test_a_cross_region_claim_contributes_to_its_pool_and_its_insured_regions_budget():
    c = contribution(claim(scope=ClaimScope.CROSS_REGION, pool=CROSS_POOL, insured_region="360500"))
    assert list(c.shares()) == [
        (BudgetRef(BudgetKind.POOL, CROSS_POOL), Sums(1, D("11000.00"), D("18000.00"))),
        (INSURED_360500, Sums(1, D("19000.00"), D("0.00"))),  # every fund's payments: the insured region's spending
    ]


def test_a_cross_province_claim_outside_every_pool_contributes_to_no_budget():
    c = contribution(claim(scope=ClaimScope.CROSS_PROVINCE, pool=None, insured_region="110100"))
    assert list(c.shares()) == []
    assert (c.fund_due, c.basic_fund, c.cross_region_funds) == (D("0.00"), D("0.00"), D("0.00"))


def test_the_scope_decides_not_the_region_codes():
    # insured elsewhere, but the grouper decided local (e.g. merged regions): no insured budget
    c = contribution(claim(scope=ClaimScope.LOCAL, insured_region="360500"))
    assert c.insured_budget_key is None


def stored(version=1, fund_due="11000.00") -> dict[str, Contribution]:
    return {"c1": Contribution("c1", version, LOCAL_POOL, None, D(fund_due), D("18000.00"), D("0.00"))}


def test_a_later_version_replaces_the_stored_amounts():
    batch = supersede(stored(), [claim(version=2, fund_due="5000.00", basic_fund="9000.00", cause="corr-2")])
    # cases 1 − 1 = 0; FundDue 5000 − 11000 = −6000; F 9000 − 18000 = −9000
    assert batch.changes[POOL].sums == Sums(0, D("-6000.00"), D("-9000.00"))
    assert batch.changes[POOL].correlation_id == "corr-2"
    assert [(c.claim_id, c.version) for c in batch.latest] == [("c1", 2)]


def test_an_older_or_same_version_arriving_late_changes_nothing():
    batch = supersede(stored(version=2), [claim(version=1), claim(version=2, fund_due="1.00")])
    assert (batch.latest, batch.changes) == ([], {})


def test_versions_in_one_batch_apply_in_turn_and_the_first_cause_is_kept():
    batch = supersede({}, [claim(version=1, cause="corr-1"), claim(version=3, fund_due="7000.00", cause="corr-3"),
                           claim(version=2, fund_due="9999.00", cause="corr-2")])
    # v1 adds 11000; v3 takes it back and adds 7000: net 1 case, 7000.00; v2 is older than v3: ignored
    assert batch.changes[POOL].sums == Sums(1, D("7000.00"), D("18000.00"))
    assert batch.changes[POOL].correlation_id == "corr-1"
    assert [(c.claim_id, c.version) for c in batch.latest] == [("c1", 3)]


def test_changes_are_ordered_by_budget():
    batch = supersede({}, [claim("c2", pool="360100-2026-DRG-390-local"),
                           claim("c1", scope=ClaimScope.CROSS_REGION, pool=CROSS_POOL, insured_region="360500")])
    assert [(ref.kind.value, ref.key) for ref in batch.changes] == [
        ("insured-cross-region", "360500-2026"), ("pool", CROSS_POOL), ("pool", "360100-2026-DRG-390-local")]


def test_budget_refs_know_their_region_and_year_from_the_key():
    assert (POOL.region, POOL.year) == ("360100", 2026)
    assert (INSURED_360500.region, INSURED_360500.year) == ("360500", 2026)


FIXED = PoolConfig.model_validate({"key": {"region": "360100", "year": 2026, "scheme": "DRG"},
                                   "provisional_rate": "10000", "budget": "200000.00"})
BY_ITEM_PAYMENTS = PoolConfig.model_validate({"key": {"region": "360100", "year": 2026, "scheme": "DRG"},
                                              "provisional_rate": "9000", "budget_source": "item_fund_payments"})


def test_pool_status_with_a_fixed_budget():
    status = pool_status(FIXED, Policy(), Sums(2, D("16000.00"), D("23000.00")))
    # A_p = 200000 × 0.95 = 190000.00; reserve 10000.00; execution 16000 / 200000 = 0.0800
    assert (status.budget, status.distributable, status.reserve) == (D("200000.00"), D("190000.00"), D("10000.00"))
    assert (status.basis, status.cases, status.consumed, status.execution) == (D("200000.00"), 2, D("16000.00"), D("0.0800"))


def test_pool_status_budgeted_by_item_payments_and_alerting_on_the_distributable_amount():
    policy = Policy(alert_basis=AlertBasis.DISTRIBUTABLE)
    status = pool_status(BY_ITEM_PAYMENTS, policy, Sums(1, D("3050.00"), D("6000.00")))
    # B_p = Σ F = 6000.00; A_p = 6000 × 0.95 = 5700.00, the basis; execution 3050 / 6000 = 0.50833 → 0.5083
    assert (status.budget, status.distributable, status.reserve, status.basis) == (
        D("6000.00"), D("5700.00"), D("300.00"), D("5700.00"))
    assert status.execution == D("0.5083")


def test_insured_status():
    status = insured_status(InsuredBudget(region="360500", year=2026, budget=D("50000.00")), Sums(1, D("7000.00")))
    assert (status.budget, status.basis, status.execution) == (D("50000.00"), D("50000.00"), D("0.1400"))  # 7000 / 50000
    unconfigured = insured_status(None, Sums(1, D("7000.00")))
    assert (unconfigured.budget, unconfigured.basis, unconfigured.execution) == (None, D("0.00"), None)


def test_budget_status_reads_the_pools_region_year_or_the_insured_regions_budget(config):
    pool, _ = budget_status(config, POOL, Sums(1, D("1.00"), D("0.00")))
    insured, thresholds = budget_status(config, INSURED_360500, Sums(1, D("1.00")))
    assert (pool.budget, insured.budget, thresholds) == (D("200000.00"), D("50000.00"), config.policy.alerts)


def status(consumed: str, basis: str = "1000.00") -> BudgetStatus:
    return BudgetStatus(budget=D("2000.00"), basis=D(basis), cases=1, consumed=D(consumed))


T = AlertThresholds()  # 0.8 / 0.9 / 1.0


def test_a_level_is_reached_at_threshold_times_basis():
    assert newly_reached(POOL, status("799.99"), T) == []
    (notice,) = newly_reached(POOL, status("800.00"), T)  # 0.8 × 1000 = 800: reached exactly
    assert (notice.level, notice.threshold, notice.consumed, notice.budget, notice.ratio, notice.period) == (
        AlertLevel.NOTICE, D("0.8"), D("800.00"), D("2000.00"), D("0.8000"), "2026")


def test_one_jump_reaches_every_level_lowest_first():
    levels = [a.level for a in newly_reached(POOL, status("1200.00"), T)]
    assert levels == [AlertLevel.NOTICE, AlertLevel.WARNING, AlertLevel.CRITICAL]


def test_raised_levels_are_not_reached_again_and_a_zero_basis_raises_nothing():
    raised = {AlertLevel.NOTICE}
    assert [a.level for a in newly_reached(POOL, status("950.00"), T, raised)] == [AlertLevel.WARNING]
    assert newly_reached(POOL, status("10.00", basis="0.00"), T) == []
