"""Budgets from history (seed 000 四(一)): B_p = last year's clearing total (or the last three years' mean)
× (1 + growth_rate), half-up to the fen; pools matched across years, separated pools adding up into a
merged one. Expected values worked by hand."""
from decimal import Decimal as D

import pytest

from yidi_common.regional_config import BudgetHistoryError, BudgetSource, PoolConfig, PoolKey, pool_year_total


def pool(insutype=None, origin=None, year=2027, **fields) -> PoolConfig:
    return PoolConfig.model_validate({"key": {"region": "360100", "year": year, "scheme": "DRG", "insutype": insutype,
                                              "origin": origin}, "provisional_rate": "10000", **fields})


def key(label: str) -> PoolKey:
    return PoolKey.parse(label)


def test_defaults_last_year_and_no_growth():
    p = pool("310", budget_source="history")
    assert (p.history_years, p.growth_rate, p.history_span) == (1, D("0"), (2026,))
    assert p.budget_for(D("0.00"), {2026: D("123456.78"), 2025: D("1.00")}) == D("123456.78")


def test_one_year_grown_and_rounded_half_up():
    p = pool("310", budget_source="history", growth_rate="0.05")
    # 200000.50 × 1.05 = 210000.525 → 210000.53 (half-even would give .52)
    assert p.budget_for(D("999.00"), {2026: D("200000.50")}) == D("210000.53")


def test_three_years_averaged_then_grown():
    p = pool("390", budget_source="history", history_years=3, growth_rate="0.02")
    assert p.history_span == (2024, 2025, 2026)
    # (100000 + 110000 + 120000.25) × 1.02 / 3 = 112200.085 → 112200.09
    assert p.budget_for(D("0.00"), {2024: D("100000.00"), 2025: D("110000.00"), 2026: D("120000.25")}) == D("112200.09")
    # a cut: 300000.00 × 0.97 / 3 = 97000.00
    cut = pool("390", budget_source="history", history_years=3, growth_rate="-0.03")
    assert cut.budget_for(D("0.00"), {2024: D("100000.00"), 2025: D("100000.00"), 2026: D("100000.00")}) == D("97000.00")


def test_missing_years_are_named():
    p = pool("390", budget_source="history", history_years=3)
    with pytest.raises(BudgetHistoryError) as error:
        p.budget_for(D("0.00"), {2025: D("1.00")})
    assert error.value.missing_years == (2024, 2026)
    assert str(error.value) == ("pool 360100-2027-DRG-390-all: budget_source 'history' needs the clearing totals of "
                                "2024, 2025, 2026; missing: 2024, 2026")
    with pytest.raises(BudgetHistoryError, match="missing: 2026"):
        pool("310", budget_source="history").budget_for(D("0.00"))


def test_fixed_and_item_payment_budgets_are_unchanged():
    assert pool("310", "local", budget="5000.00").budget_for(D("7.00")) == D("5000.00")
    assert pool("310", "cross", budget_source="item_fund_payments").budget_for(D("7.00"), {2026: D("1.00")}) == D("7.00")


TOTALS = {
    "360100-2026-DRG-310-local": D("150000.00"),
    "360100-2026-DRG-310-cross": D("50000.50"),
    "360100-2026-DRG-390-local": D("90000.00"),
    "360100-2026-DRG-390-cross": D("30000.25"),
    "360100-2025-DRG-310-all": D("180000.00"),
    "360100-2025-DIP-310-all": D("1.00"),  # another scheme
    "360200-2026-DRG-310-local": D("2.00"),  # another region
}


def test_separated_pools_add_up_into_the_merged_one():
    # 2026 kept local and cross apart: 150000.00 + 50000.50
    assert pool_year_total(key("360100-2027-DRG-310-all"), 2026, TOTALS) == D("200000.50")
    # both merged: every 2026 pool of the region and scheme
    assert pool_year_total(key("360100-2027-DRG-all-all"), 2026, TOTALS) == D("320000.75")
    # the same layout: the same pool
    assert pool_year_total(key("360100-2027-DRG-390-cross"), 2026, TOTALS) == D("30000.25")
    assert pool_year_total(key("360100-2027-DRG-310-all"), 2024, TOTALS) is None
    p = pool("310", budget_source="history", history_years=3)
    assert p.history_from(TOTALS) == {2025: D("180000.00"), 2026: D("200000.50")}


def test_a_merged_pool_cannot_be_split_into_separate_ones():
    with pytest.raises(BudgetHistoryError, match="360100-2025-DRG-310-all merged what this pool keeps apart"):
        pool_year_total(key("360100-2026-DRG-310-local"), 2025, TOTALS)
    with pytest.raises(BudgetHistoryError, match="cannot be split"):  # overlapping, neither inside the other
        pool_year_total(key("360100-2027-DRG-310-all"), 2026, {"360100-2026-DRG-all-local": D("1.00")})


@pytest.mark.parametrize("fields, message", [
    ({"budget_source": "history", "budget": "1.00"}, "budget is read only when budget_source is 'fixed'"),
    ({"budget": "1.00", "growth_rate": "0.05"}, "growth_rate is read only when budget_source is 'history'"),
    ({"budget": "1.00", "budget_estimate": "1.00"}, "budget_estimate is read only when budget_source is 'item_fund_payments'"),
    ({"budget_source": "history", "history_years": 2}, "history_years"),
    ({"budget_source": "history", "growth_rate": "-1"}, "growth_rate"),
])
def test_fields_are_read_only_where_they_mean_something(fields, message):
    with pytest.raises(ValueError, match=message):
        pool("310", **fields)
    assert pool("310", budget_source="item_fund_payments", budget_estimate="8000.00").budget_estimate == D("8000.00")
    assert BudgetSource("history") is BudgetSource.HISTORY
