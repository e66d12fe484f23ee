"""Pool consumption at the provisional rate, A_p, alerts (DOMAIN.md §6)."""
from decimal import Decimal as D

from yidi_budget.domain import insured_consumption, newly_crossed, pool_budget_status, pool_consumption
from yidi_common.regional_config import AlertLevel, AlertThresholds
from yidi_pricing.domain import price_case

T = AlertThresholds()  # 0.8 / 0.9 / 1.0


def test_pool_consumption_and_status(config, make_case):
    # 310 local pool: FD 11000 (AA11 normal) + 5000 (low outlier) = 16000 consumed of B_p 200000
    # A_p = 200000 × 0.95 = 190000.00, reserve 10000.00
    cases = [price_case(make_case("AA11", "30000.00", "18000.00"), config),
             price_case(make_case("AA11", "8000.00", "5000.00"), config)]
    (consumption,) = pool_consumption(cases).values()
    assert (consumption.cases, consumption.fund_due, consumption.payment) == (2, D("16000.00"), D("31000.00"))
    status = pool_budget_status(config, consumption)
    assert (status.budget, status.distributable, status.reserve) == (D("200000.00"), D("190000.00"), D("10000.00"))
    assert status.ratio == D("0.08")


def test_cross_pool_budget_from_item_payments(config, make_case):
    # resident cross pool: B_p = Σ F = 6000; A_p = 5700; FD = 6000 + 4050 − 7000 = 3050
    case = price_case(make_case("CC15", "7000.00", "6000.00", hospital="H2", insutype="390", insured="360400"), config)
    status = pool_budget_status(config, pool_consumption([case])[case.pool])
    assert (status.budget, status.distributable, status.consumed) == (D("6000.00"), D("5700.00"), D("3050.00"))


def test_insured_region_consumption(config, make_case):
    # 360500's people in 360100: fund payments 6000 + 1000 other = 7000 of its 50000 budget
    cases = [price_case(make_case("CC15", "8000.00", "6000.00", insured="360500", other_fund_payments=D("1000.00")), config),
             price_case(make_case("CC15", "8000.00", "6000.00"), config)]  # local: not counted
    (c,) = insured_consumption(config, cases).values()
    assert (c.region, c.cases, c.fund_payments, c.budget) == ("360500", 1, D("7000.00"), D("50000.00"))


def test_alerts_newly_crossed():
    budget = D("1000.00")
    assert newly_crossed(D("700"), D("799.99"), budget, T) == []
    (notice,) = newly_crossed(D("700"), D("800.00"), budget, T)  # 80 % reached exactly
    assert (notice.level, notice.threshold_amount) == (AlertLevel.NOTICE, D("800.000"))
    levels = [a.level for a in newly_crossed(D("500"), D("1200"), budget, T)]  # one jump crosses all three
    assert levels == [AlertLevel.NOTICE, AlertLevel.WARNING, AlertLevel.CRITICAL]
    assert newly_crossed(D("850"), D("880"), budget, T) == []  # already past 80 %: nothing new


def test_each_level_once_per_budget_and_period():
    budget = D("1000.00")
    raised = {AlertLevel.NOTICE}
    # a correction lowered consumption to 790, the next case crosses 80 % again: not raised twice
    assert newly_crossed(D("790"), D("810"), budget, T, already_raised=raised) == []
    assert [a.level for a in newly_crossed(D("790"), D("950"), budget, T, already_raised=raised)] == [AlertLevel.WARNING]
    assert newly_crossed(D("0"), D("10"), D("0"), T) == []
