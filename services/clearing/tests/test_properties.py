"""Property tests: Σ FundDue after clearing = A_p up to the documented floor and rounding residue;
recovered-split parts sum to the whole; pro rata shares sum exactly."""
from decimal import Decimal as D
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from yidi_clearing.domain import ClearingCases, annual_clearing, pro_rata_fen, split_recovered
from yidi_common.regional_config import PoolKey, RecoveredSplit

POOL = PoolKey(region="360100", year=2026, scheme="DRG", insutype="310", origin="local")
RATE = D("10000")  # the fixture pool's R_p

weight_case = st.tuples(
    st.integers(100_00, 300_000_00),  # T in fen
    st.integers(0, 100),  # F as % of T
    st.decimals(D("0.1"), D("20"), places=4),  # w × C_h
    st.sampled_from(["H1", "H2", "H3"]),
)
item_case = st.tuples(st.integers(100_00, 50_000_00), st.integers(0, 100), st.sampled_from(["H1", "H2"]))


@settings(max_examples=150, deadline=None)
@given(
    weights=st.lists(weight_case, min_size=1, max_size=40),
    items=st.lists(item_case, max_size=10),
    budget_fen=st.integers(1_000_00, 5_000_000_00),
)
def test_fund_due_after_clearing_is_distributable_up_to_floor_and_rounding(config, set_budget, weights, items, budget_fen):
    config = set_budget(config, "360100", POOL.label, str(D(budget_fen).scaleb(-2)))
    cases = ClearingCases()
    for total, pct, units, hospital in weights:
        fund = total * pct // 100
        x = units * RATE
        pay = int(x.scaleb(2).to_integral_value("ROUND_HALF_UP"))
        cases.add(POOL, hospital, total, fund, pay, max(0, fund + pay - total), x)
    for total, pct, hospital in items:
        fund = total * pct // 100
        cases.add(POOL, hospital, total, fund, total, fund, None)
    (pool,) = annual_clearing(cases, config).pools

    # independent oracle with exact fractions
    a_p = Fraction(pool.distributable)
    item_due = sum(Fraction(total * pct // 100, 100) for total, pct, _ in items)
    cost_less_fund = sum(Fraction(total - total * pct // 100, 100) for total, pct, _, _ in weights)
    units = sum(Fraction(u) for _, _, u, _ in weights)
    exact_rate = max(Fraction(0), (a_p - item_due + cost_less_fund) / units)
    assert abs(Fraction(pool.final_rate) - exact_rate) <= Fraction(1, 2 * 10**4)

    floor_lift = Fraction(0)
    rate = Fraction(pool.final_rate)
    for total, pct, u, _ in weights:
        pay = Fraction(round(Fraction(u) * rate * 100 + Fraction(1, 10**12)), 100)  # half-up away from ties
        due = Fraction(total * pct // 100, 100) + pay - Fraction(total, 100)
        floor_lift += max(Fraction(0), -due)
    # residue = A_p − Σ FundDue = −floor lift + rounding (per case ≤ 0.005, rate ≤ 0.00005 × Σ units)
    rounding = Fraction(pool.residue) + floor_lift
    bound = Fraction(len(weights), 200) + Fraction(1, 2 * 10**4) * units
    if exact_rate > 0:
        assert abs(rounding) <= bound
    assert pool.reserve == pool.budget - pool.distributable + pool.residue
    assert pool.fund_due_final + pool.residue == pool.distributable


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**12))
def test_recovered_parts_sum_to_whole(fen):
    amount = D(fen).scaleb(-2)
    shares = split_recovered(amount, RecoveredSplit())
    assert shares.treatment_region + shares.insured_region + shares.province == amount
    assert min(shares.treatment_region, shares.insured_region, shares.province) >= 0
    assert 0 <= amount * D("0.4") - shares.treatment_region < D("0.01")


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**8), max_size=20))
def test_pro_rata_sums_exactly(available, claims):
    shares = pro_rata_fen(available, claims)
    assert sum(shares) == min(available, sum(claims))
    assert all(0 <= s <= c for s, c in zip(shares, claims))
