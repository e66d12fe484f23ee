"""Annual clearing worked examples (DOMAIN.md §6-7): final rate, re-pricing, residue, overrun sharing.

Fixture: pool 360100-2026-DRG-310-local, R_p = 10000, ρ = 0.05, s = 0.5, c = 0.10.
H1: C = 1.15; H2: C = 0.90. AA11 RW 2.0, CC15 RW 0.5. Cases are given as priced, worked by hand:
X = RW × R_p × C_h, Payment = X to the fen (per item: T), FundDue = max(0, F + Payment − T);
drg_cases (factories.py) shows each case's arithmetic.
"""
from decimal import Decimal as D

from yidi_clearing.domain import ClearingCases, HospitalAdjustments, annual_clearing
from yidi_common.claims import ClaimScope

from .factories import POOL, drg_cases


def test_drg_final_rate_repricing_and_overrun_sharing(config, set_budget):
    # B_p = 34789.47 -> A_p = to_fen(34789.47 × 0.95) = to_fen(33049.9965) = 33050.00; reserve = 1739.47
    # Σ_item FundDue = 5000 (c3); Σ_w (T − F) = 12000 + 8000 + 2000 = 22000
    # Σ_w (w × C_h) = 2.0×1.15 + 2.0×0.9 + 0.5×0.9 = 2.3 + 1.8 + 0.45 = 4.55
    # R_final = (33050 − 5000 + 22000) / 4.55 = 50050 / 4.55 = 11000.0000
    config = set_budget(config, "360100", POOL, "34789.47")
    result = annual_clearing(ClearingCases.of(drg_cases()), config)
    (pool,) = result.pools
    assert (pool.budget, pool.distributable) == (D("34789.47"), D("33050.00"))
    assert (pool.item_fund_due, pool.weight_cost_less_fund, pool.weight_units) == (D("5000.00"), D("22000.00"), D("4.55"))
    assert pool.final_rate == D("11000.0000")
    # Re-priced at 11000: c1 2.3 × 11000 = 25300 -> FD 18000 + 25300 − 30000 = 13300
    #                     c2 1.8 × 11000 = 19800 -> FD 12000 + 19800 − 20000 = 11800
    #                     c4 0.45 × 11000 = 4950 -> FD 3000 + 4950 − 5000 = 2950;  c3 stays 5000
    # Σ FundDue = 13300 + 11800 + 2950 + 5000 = 33050.00 = A_p: residue 0
    assert (pool.fund_due_provisional, pool.fund_due_final, pool.residue) == (D("28500.00"), D("33050.00"), D("0.00"))
    assert pool.reserve == D("1739.47")
    lines = {line.hospital: line for line in result.lines}
    # H1: Σ T = 38000, Σ Payment = 25300 + 8000 = 33300, overrun 4700, cap 0.10 × 33300 = 3330
    #     claim = 0.5 × min(4700, 3330) = 1665.00
    # H2: Σ T = 25000, Σ Payment = 19800 + 4950 = 24750, overrun 250, claim = 0.5 × 250 = 125.00
    assert (lines["H1"].fund_due_final, lines["H1"].overrun, lines["H1"].overrun_claim) == (D("18300.00"), D("4700.00"), D("1665.00"))
    assert (lines["H2"].fund_due_final, lines["H2"].overrun, lines["H2"].overrun_claim) == (D("14750.00"), D("250.00"), D("125.00"))
    # Σ claims 1790.00 > reserve 1739.47: pro rata in fen, largest remainder
    #   H1: 173947 × 166500 / 179000 = 161799.33 -> 161799; H2: 173947 × 12500 / 179000 = 12147.14 -> 12147
    #   1 fen left goes to the larger fraction (H1 .33): H1 1618.00, H2 121.47; Σ = 1739.47
    assert (lines["H1"].overrun_paid, lines["H2"].overrun_paid) == (D("1618.00"), D("121.47"))
    assert (pool.overrun_claims, pool.overrun_paid, pool.reserve_returned) == (D("1790.00"), D("1739.47"), D("0.00"))


def test_hospital_balance(config, set_budget):
    # H1: Σ FD final 18300 + overrun share 1618 − deductions 500 − penalty 100 − paid monthly 15000 = 4318.00
    config = set_budget(config, "360100", POOL, "34789.47")
    adjustments = {"H1": HospitalAdjustments(D("500.00"), D("100.00"), D("15000.00"))}
    result = annual_clearing(ClearingCases.of(drg_cases()), config, adjustments)
    h1 = next(h for h in result.hospitals if h.hospital == "H1")
    assert (h1.fund_due_final, h1.overrun_paid, h1.balance) == (D("18300.00"), D("1618.00"), D("4318.00"))
    h2 = next(h for h in result.hospitals if h.hospital == "H2")
    assert h2.balance == D("14750.00") + D("121.47")  # nothing paid monthly yet


def test_reserve_covers_claims_and_remainder_returns(config):
    # B_p = 200000 (fixture): A_p = 190000, reserve from budget 10000.
    # R_final = (190000 − 5000 + 22000) / 4.55 = 45494.50549... -> 45494.5055 (4 places, half-up)
    # every weight case is then well paid: no overrun; reserve = 10000 + residue is returned.
    result = annual_clearing(ClearingCases.of(drg_cases()), config)
    (pool,) = result.pools
    assert pool.final_rate == D("45494.5055")
    # c1: 23000 × 4.54945055 = 104637.3627 -> 104637.36, FD = 18000 + 104637.36 − 30000 = 92637.36
    # c2: 18000 × 4.54945055 = 81890.1099 -> 81890.11, FD = 73890.11
    # c4: 4500 × 4.54945055 = 20472.527475 -> 20472.53, FD = 18472.53
    # Σ FD = 92637.36 + 73890.11 + 18472.53 + 5000 = 190000.00; residue 0.00
    assert pool.fund_due_final == D("190000.00") and pool.residue == D("0.00")
    assert (pool.overrun_claims, pool.reserve_returned) == (D("0.00"), D("10000.00"))


def test_rate_unchanged_reproduces_provisional(config, set_budget):
    # choose A_p so R_final = R_p = 10000: A_p = 4.55 × 10000 + 5000 − 22000 = 28500 (= Σ FD provisional)
    # B_p = 30000.00 -> A_p = 28500.00
    config = set_budget(config, "360100", POOL, "30000.00")
    cases = drg_cases()
    result = annual_clearing(ClearingCases.of(cases), config)
    assert result.pools[0].final_rate == D("10000.0000")
    assert result.pools[0].fund_due_final == sum(c.fund_due for c in cases) == D("28500.00")


def test_floor_at_zero_is_outside_the_budget(config, make_case, set_budget):
    # c5 (H1 AA11, T 45000, F 10000): provisional Payment 23000, FD max(0, 10000 + 23000 − 45000) = 0
    # cases c1, c5 only: Σ_w (T − F) = 12000 + 35000 = 47000; Σ_w w×C = 4.6; B 20000 -> A 19000
    # R_final = (19000 + 47000) / 4.6 = 14347.8261 (half-up)
    # c1: 2.3 × 14347.8261 = 33000.00003 -> 33000.00, FD = 18000 + 33000 − 30000 = 21000.00
    # c5: 33000.00 -> 10000 + 33000 − 45000 = −2000 -> floored to 0
    # Σ FD = 21000.00 = A_p + 2000 (floor) − 0.00 (rounding): residue −2000.00 posts to the reserve
    config = set_budget(config, "360100", POOL, "20000.00")
    cases = [make_case("30000.00", "18000.00", "23000.00", "11000.00", "23000", claim_id="c1"),
             make_case("45000.00", "10000.00", "23000.00", "0.00", "23000", claim_id="c5")]
    (pool,) = annual_clearing(ClearingCases.of(cases), config).pools
    assert pool.final_rate == D("14347.8261")
    assert pool.fund_due_final == D("21000.00") and pool.residue == D("-2000.00")
    assert pool.reserve == D("1000.00") - D("2000.00")


def test_dip_final_point_value(config, make_case, set_budget):
    # DIP pool (merged), V_p = 10. D1 (C 1.2) normal T 12000 F 8000: P = 1200, X = 12000, FD 8000
    # D2 (C 0.9) normal T 10000 F 6000: P = 900, X = 9000, FD 5000
    # Σ_w (T − F) = 4000 + 4000 = 8000; Σ P = 2100. B = 15894.74 -> A = to_fen(15100.003) = 15100.00
    # V_final = (15100 + 8000) / 2100 = 11.0000
    # D1: 1200 × 11 = 13200 -> FD 8000 + 13200 − 12000 = 9200; D2: 900 × 11 = 9900 -> FD 5900
    # Σ FD = 15100.00 = A_p
    config = set_budget(config, "360500", "360500-2026-DIP-all-all", "15894.74")
    dip = dict(region="360500", pool="360500-2026-DIP-all-all")
    cases = [make_case("12000.00", "8000.00", "12000.00", "8000.00", "12000", hospital="D1", claim_id="d1", **dip),
             make_case("10000.00", "6000.00", "9000.00", "5000.00", "9000", hospital="D2", claim_id="d2", **dip)]
    result = annual_clearing(ClearingCases.of(cases), config)
    (pool,) = result.pools
    assert (pool.distributable, pool.weight_units, pool.final_rate) == (D("15100.00"), D("2100"), D("11.0000"))
    assert [line.fund_due_final for line in result.lines] == [D("9200.00"), D("5900.00")]
    assert pool.fund_due_final == D("15100.00") and pool.residue == D("0.00")


def test_cross_pool_budget_from_item_fund_payments(config, make_case):
    # 360100 resident cross pool: B_p = Σ F of its cases = 6000; A_p = 5700
    # one H2 CC15 case: X = 0.5 × 9000 × 0.9 = 4050, T 7000 F 6000 -> FD = 6000 + 4050 − 7000 = 3050
    # Σ_w (T − F) = 1000, w×C = 0.45
    # R_final = (5700 + 1000) / 0.45 = 14888.8889; Payment = 0.45 × 14888.8889 = 6700.00 -> FD 5700.00
    case = make_case("7000.00", "6000.00", "4050.00", "3050.00", "4050", hospital="H2", insured="360400",
                     scope=ClaimScope.CROSS_REGION, pool="360100-2026-DRG-390-cross")
    (pool,) = annual_clearing(ClearingCases.of([case]), config).pools
    assert (pool.budget, pool.distributable, pool.final_rate) == (D("6000.00"), D("5700.00"), D("14888.8889"))
    assert pool.fund_due_final == D("5700.00")
