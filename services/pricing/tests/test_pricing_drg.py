"""DRG worked examples (DOMAIN.md §5), fixture config with round numbers.

Hospital H1: level 3, C_h = basic 1.10 + bonus 0.05 = 1.15. H2: level 2, C_h = 0.90.
Pools of 360100: employee R_p = 10000 yuan/RW, resident R_p = 9000. Thresholds L = 0.4, H = 2.0.
AA11: RW 2.0 -> for H1 employee: S = 2.0 × 10000 × 1.15 = 23000; L × S = 9200; H × S = 46000.
"""
from decimal import Decimal as D

import pytest

from yidi_common.claims import ClaimScope
from yidi_common.regional_config import Origin
from yidi_pricing.domain import CaseKind, GroupingStatus, PaymentBasis, PricingError, price_case


def test_normal_case(config, make_case):
    # k = 30000 / 23000 = 1.3043 within [0.4, 2.0]: w = RW = 2.0
    # Payment = w × R × C = 2.0 × 10000 × 1.15 = 23000.00
    # FundDue = max(0, F + Payment − T) = 18000 + 23000 − 30000 = 11000.00
    p = price_case(make_case("AA11", "30000.00", "18000.00"), config)
    assert (p.kind, p.basis) == (CaseKind.NORMAL, PaymentBasis.WEIGHT)
    assert p.standard == D("23000.00")
    assert p.coefficient == D("1.15") and p.rate == D("10000") and p.weight == D("2.0")
    assert p.paid_weight == D("2.0")
    assert p.payment == D("23000.00") and p.fund_due == D("11000.00")
    assert p.cost_ratio.quantize(D("0.0001")) == D("1.3043")
    assert (p.low_threshold, p.high_threshold) == (D("0.4"), D("2.0"))
    assert (p.low_amount, p.high_amount) == (D("9200.000"), D("46000.000"))
    assert p.rate_units == D("2.3")  # w × C_h = 2.0 × 1.15


def test_high_outlier(config, make_case):
    # T = 50000 > H × S = 46000: k = 50000 / 23000 = 2.173913...
    # w = RW × (k − H + 1) = 2.0 × 1.173913... = 2.347826...
    # Payment = w × R × C = S × (k − H + 1) = T − H×S + S = 50000 − 46000 + 23000 = 27000.00
    # FundDue = 30000 + 27000 − 50000 = 7000.00
    p = price_case(make_case("AA11", "50000.00", "30000.00"), config)
    assert p.kind is CaseKind.HIGH_OUTLIER
    assert p.paid_weight.quantize(D("0.000001")) == D("2.347826")
    assert p.payment == D("27000.00") and p.fund_due == D("7000.00")
    assert (p.paid_weight * p.rate * p.coefficient).quantize(D("0.01")) == D("27000.00")


def test_low_outlier_is_paid_per_item(config, make_case):
    # T = 8000 < L × S = 9200: per item, Payment = T = 8000.00; FundDue = F + T − T = F = 5000.00
    p = price_case(make_case("AA11", "8000.00", "5000.00"), config)
    assert (p.kind, p.basis) == (CaseKind.LOW_OUTLIER, PaymentBasis.PER_ITEM)
    assert p.payment == D("8000.00") and p.fund_due == D("5000.00")
    assert p.cost_ratio.quantize(D("0.0001")) == D("0.3478")


@pytest.mark.parametrize("total", ["9200.00", "46000.00"])
def test_thresholds_are_inclusive(config, make_case, total):
    # L <= k <= H is normal: T = 9200 (k = 0.4) and T = 46000 (k = 2.0) pay S = 23000.00
    p = price_case(make_case("AA11", total, "1000.00"), config)
    assert p.kind is CaseKind.NORMAL and p.payment == D("23000.00")


def test_fund_due_floor_at_zero(config, make_case):
    # 10000 + 23000 − 40000 = −7000 -> FundDue 0.00 (hospital bears the loss)
    p = price_case(make_case("AA11", "40000.00", "10000.00"), config)
    assert p.payment == D("23000.00") and p.fund_due == D("0.00")


def test_base_group_uses_base_coefficient(config, make_case):
    # BB13 is a base group: C = 1 for every level. S = 1.5 × 10000 × 1 = 15000.00
    for hospital in ("H1", "H2", "H3"):
        p = price_case(make_case("BB13", "16000.00", "9000.00", hospital=hospital), config)
        assert p.coefficient == D("1") and p.payment == D("15000.00")
        # FundDue = 9000 + 15000 − 16000 = 8000.00
        assert p.fund_due == D("8000.00")


def test_resident_pool_rate_and_level_two_coefficient(config, make_case):
    # H2, resident: S = 0.5 × 9000 × 0.90 = 4050.00; T = 5000 normal (k = 1.2346)
    # FundDue = 3000 + 4050 − 5000 = 2050.00
    p = price_case(make_case("CC15", "5000.00", "3000.00", hospital="H2", insutype="390"), config)
    assert p.pool.label == "360100-2026-DRG-390-local"
    assert p.payment == D("4050.00") and p.fund_due == D("2050.00")


def test_high_outlier_beyond_threshold_by_a_fen(config, make_case):
    # H2 resident CC15: S = 4050, H×S = 8100. T = 8100.01 -> high.
    # Payment = T − H×S + S = 8100.01 − 8100 + 4050 = 4050.01
    p = price_case(make_case("CC15", "8100.01", "5000.00", hospital="H2", insutype="390"), config)
    assert p.kind is CaseKind.HIGH_OUTLIER and p.payment == D("4050.01")


def test_standard_rounds_half_up(config, make_case):
    # pool rate 10000.3: H3 (C 0.70) CC15: S = 0.5 × 10000.3 × 0.70 = 3500.105
    # Payment = 3500.11 half-up (banker's rounding would give 3500.10); FundDue = 2000 + 3500.11 − 3000 = 2500.11
    region = config.region_year("360100", 2026)
    key = region.pool_key("310", False).label
    pools = {**region.pools, key: region.pools[key].model_copy(update={"provisional_rate": D("10000.3")})}
    regions = {**config.region_years, "360100-2026": region.model_copy(update={"pools": pools})}
    p = price_case(make_case("CC15", "3000.00", "2000.00", hospital="H3"), config.model_copy(update={"region_years": regions}))
    assert p.standard == D("3500.105") and p.payment == D("3500.11") and p.fund_due == D("2500.11")


def test_cross_region_case_goes_to_cross_pool(config, make_case):
    p = price_case(make_case("AA11", "30000.00", "18000.00", scope=ClaimScope.CROSS_REGION), config)
    assert p.pool.origin is Origin.CROSS and p.payment == D("23000.00")


def test_special_case_review_is_per_item(config, make_case):
    # 特例单议 approved: Payment = T = 90000.00, FundDue = F = 60000.00
    p = price_case(make_case("AA11", "90000.00", "60000.00", special_case_id="case-1"), config)
    assert (p.kind, p.payment, p.fund_due) == (CaseKind.SPECIAL_REVIEW, D("90000.00"), D("60000.00"))


@pytest.mark.parametrize(
    "status, code, kind",
    [(GroupingStatus.UNGROUPABLE, "0000", CaseKind.UNGROUPABLE), (GroupingStatus.AMBIGUOUS, "FQY", CaseKind.AMBIGUOUS)],
)
def test_ungroupable_and_ambiguous_are_per_item(config, make_case, status, code, kind):
    p = price_case(make_case(code, "7000.00", "4000.00", grouping_status=status), config)
    assert (p.kind, p.basis, p.payment, p.fund_due) == (kind, PaymentBasis.PER_ITEM, D("7000.00"), D("4000.00"))


def test_ambiguous_priced_by_weight_when_policy_says_so(config, make_case):
    # policy ungroupable_paid_by_weight: FQY RW 0.3 -> S = 0.3 × 10000 × 1.15 = 3450.00
    region = config.region_year("360100", 2026)
    policy = region.policy.model_copy(update={"ungroupable_paid_by_weight": True})
    regions = {**config.region_years, "360100-2026": region.model_copy(update={"policy": policy})}
    weighted = config.model_copy(update={"region_years": regions})
    p = price_case(make_case("FQY", "3000.00", "2000.00", grouping_status=GroupingStatus.AMBIGUOUS), weighted)
    assert (p.kind, p.payment, p.fund_due) == (CaseKind.NORMAL, D("3450.00"), D("2450.00"))


def test_group_without_weight_is_not_covered(config, make_case):
    # DD19 has no RW in the table (未覆盖): per item
    p = price_case(make_case("DD19", "7000.00", "4000.00"), config)
    assert (p.kind, p.payment) == (CaseKind.NOT_COVERED, D("7000.00"))
    assert price_case(make_case("ZZ99", "7000.00", "4000.00"), config).kind is CaseKind.NOT_COVERED


def test_cross_province_is_outside_the_pool(config, make_case):
    p = price_case(make_case("AA11", "30000.00", "18000.00", scope=ClaimScope.CROSS_PROVINCE), config)
    assert p.pool is None and p.kind is CaseKind.CROSS_PROVINCE
    assert (p.payment, p.fund_due) == (D("30000.00"), D("18000.00"))


def test_unknown_hospital_or_wrong_region(config, make_case):
    with pytest.raises(PricingError, match="hospital X"):
        price_case(make_case("AA11", "1.00", "0.00", hospital="X"), config)
    with pytest.raises(PricingError, match="is in 360500"):
        price_case(make_case("AA11", "1.00", "0.00", hospital="D1"), config)


def test_inputs_reject_non_fen_amounts(make_case):
    with pytest.raises(ValueError, match="total_cost"):
        make_case("AA11", "1.001", "0.00")
    with pytest.raises(ValueError, match="exceed"):
        make_case("AA11", "1.00", "2.00")
