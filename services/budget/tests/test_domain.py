"""The budget domain: contributions, supersession of versions, execution and alert levels (DOMAIN.md §6)."""
from decimal import Decimal as D

from yidi_budget.domain.alerts import newly_reached
from yidi_budget.domain.consumption import BudgetKind, BudgetRef, Contribution, PricedClaim, Sums, contribution, supersede
from yidi_budget.domain.execution import (
    Basis,
    BudgetStatus,
    EarlierYears,
    budget_status,
    insured_status,
    pool_status,
)
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
    assert (status.basis_kind, status.no_alert_reason) == (Basis.BUDGET, None)
    distributable = pool_status(FIXED, Policy(alert_basis=AlertBasis.DISTRIBUTABLE), Sums())
    assert (distributable.basis, distributable.basis_kind) == (D("190000.00"), Basis.DISTRIBUTABLE)


def test_a_pool_budgeted_by_item_payments_alerts_on_its_configured_estimate_not_on_its_running_sum():
    policy = Policy(alert_basis=AlertBasis.DISTRIBUTABLE)
    pool = BY_ITEM_PAYMENTS.model_copy(update={"budget_estimate": D("8000.00")})
    status = pool_status(pool, policy, Sums(1, D("3050.00"), D("6000.00")))
    # B_p = Σ F = 6000.00; A_p = 6000 × 0.95 = 5700.00; execution 3050 / 6000 = 0.50833 → 0.5083
    assert (status.budget, status.distributable, status.reserve, status.execution) == (
        D("6000.00"), D("5700.00"), D("300.00"), D("0.5083"))
    # basis: the estimate's distributable part, 8000 × 0.95 = 7600.00
    assert (status.basis, status.basis_kind) == (D("7600.00"), Basis.CONFIGURED_ESTIMATE)


def test_a_pool_budgeted_by_item_payments_takes_last_years_sum_of_basic_fund_else_its_clearing_total():
    sums = Sums(1, D("3050.00"), D("6000.00"))
    # 2025 kept employee/resident apart: 310 and 390 add up into this merged pool, 30000.00 + 12345.67
    earlier = EarlierYears(clearing_totals={"360100-2025-DRG-all-all": D("50000.00")},
                           item_fund_payments={"360100-2025-DRG-310-all": D("30000.00"),
                                               "360100-2025-DRG-390-all": D("12345.67")})
    status = pool_status(BY_ITEM_PAYMENTS, Policy(), sums, earlier)
    assert (status.budget, status.basis, status.basis_kind) == (D("6000.00"), D("42345.67"), Basis.PRIOR_YEAR_ESTIMATE)
    # no Σ F stored for 2025: its clearing total
    status = pool_status(BY_ITEM_PAYMENTS, Policy(), sums, EarlierYears(clearing_totals=earlier.clearing_totals))
    assert (status.basis, status.basis_kind) == (D("50000.00"), Basis.PRIOR_YEAR_ESTIMATE)


def test_a_pool_budgeted_by_item_payments_without_an_estimate_has_no_basis_and_says_why():
    status = pool_status(BY_ITEM_PAYMENTS, Policy(), Sums(1, D("5000.00"), D("6000.00")),
                         EarlierYears(clearing_totals={"360100-2024-DRG-all-all": D("1.00")}))  # not last year
    assert (status.budget, status.basis, status.basis_kind) == (D("6000.00"), None, None)
    assert status.no_alert_reason == ("B_p is the Σ F paid per item so far: no budget_estimate configured and no "
                                      "2025 Σ F or clearing total stored for this pool")
    assert newly_reached(POOL, status, T) == []


HISTORY_3 = PoolConfig.model_validate({"key": {"region": "360100", "year": 2027, "scheme": "DRG", "insutype": "390"},
                                       "provisional_rate": "9000", "budget_source": "history", "history_years": 3,
                                       "growth_rate": "0.02"})


def test_a_history_budget_is_the_mean_of_three_years_clearing_totals_grown():
    totals = {"360100-2024-DRG-390-all": D("100000.00"), "360100-2025-DRG-390-all": D("110000.00"),
              "360100-2026-DRG-390-local": D("90000.00"), "360100-2026-DRG-390-cross": D("30000.25"),
              "360100-2026-DRG-310-local": D("999999.99")}  # another insurance type: not this pool's
    status = pool_status(HISTORY_3, Policy(), Sums(1, D("1000.00"), D("1.00")), EarlierYears(clearing_totals=totals))
    # 100000 + 110000 + (90000 + 30000.25) = 330000.25; × 1.02 / 3 = 112200.085 → 112200.09 (half-up)
    # A_p = 112200.09 × 0.95 = 106590.0855 → 106590.09; reserve 5610.00
    assert (status.budget, status.basis, status.basis_kind) == (D("112200.09"), D("112200.09"), Basis.BUDGET)
    assert (status.distributable, status.reserve) == (D("106590.09"), D("5610.00"))


def test_a_history_budget_with_years_missing_is_unknown_and_raises_no_alert():
    status = pool_status(HISTORY_3, Policy(), Sums(1, D("999999.00"), D("1.00")),
                         EarlierYears(clearing_totals={"360100-2026-DRG-390-all": D("120000.00")}))
    assert (status.budget, status.distributable, status.basis, status.execution) == (None, None, None, None)
    assert status.no_alert_reason == ("B_p unknown: pool 360100-2027-DRG-390-all: budget_source 'history' needs the "
                                      "clearing totals of 2024, 2025, 2026; missing: 2024, 2025")
    assert newly_reached(POOL, status, T) == []


def test_insured_status():
    status = insured_status(InsuredBudget(region="360500", year=2026, budget=D("50000.00")), Sums(1, D("7000.00")))
    assert (status.budget, status.basis, status.execution) == (D("50000.00"), D("50000.00"), D("0.1400"))  # 7000 / 50000
    assert status.basis_kind == Basis.BUDGET
    unconfigured = insured_status(None, Sums(1, D("7000.00")))
    assert (unconfigured.budget, unconfigured.basis, unconfigured.execution) == (None, None, None)
    assert unconfigured.no_alert_reason == "no cross-region budget configured for this insured region and year"


def test_budget_status_reads_the_pools_region_year_or_the_insured_regions_budget(config):
    pool, _ = budget_status(config, POOL, Sums(1, D("1.00"), D("0.00")))
    insured, thresholds = budget_status(config, INSURED_360500, Sums(1, D("1.00")))
    assert (pool.budget, insured.budget, thresholds) == (D("200000.00"), D("50000.00"), config.policy.alerts)


def status(consumed: str, basis: str = "1000.00") -> BudgetStatus:
    return BudgetStatus(budget=D("2000.00"), basis=D(basis), basis_kind=Basis.PRIOR_YEAR_ESTIMATE, cases=1,
                        consumed=D(consumed))


T = AlertThresholds()  # 0.8 / 0.9 / 1.0


def test_a_level_is_reached_at_threshold_times_basis():
    assert newly_reached(POOL, status("799.99"), T) == []
    (notice,) = newly_reached(POOL, status("800.00"), T)  # 0.8 × 1000 = 800: reached exactly
    assert (notice.level, notice.threshold, notice.consumed, notice.budget, notice.ratio, notice.period) == (
        AlertLevel.NOTICE, D("0.8"), D("800.00"), D("2000.00"), D("0.8000"), "2026")
    assert (notice.basis, notice.basis_amount) == (Basis.PRIOR_YEAR_ESTIMATE, D("1000.00"))


def test_one_jump_reaches_every_level_lowest_first():
    levels = [a.level for a in newly_reached(POOL, status("1200.00"), T)]
    assert levels == [AlertLevel.NOTICE, AlertLevel.WARNING, AlertLevel.CRITICAL]


def test_raised_levels_are_not_reached_again_and_a_zero_basis_raises_nothing():
    raised = {AlertLevel.NOTICE}
    assert [a.level for a in newly_reached(POOL, status("950.00"), T, raised)] == [AlertLevel.WARNING]
    assert newly_reached(POOL, status("10.00", basis="0.00"), T) == []
    assert status("10.00", basis="0.00").no_alert_reason == "the prior-year-estimate basis is 0"
