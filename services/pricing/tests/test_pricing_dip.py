"""DIP worked examples (DOMAIN.md §5). Region 360500, one merged pool, V_p = 10 yuan/point.

D1: C_h = 1.20; D2: C_h = 0.90. K80.1:51.2301: D_g = 1000, mean_g = 10000 (low 5000, high 20000,
special review 50000). J18.9:保守 is a base type (C = 1): D_g = 500, mean_g = 5000.
"""
from decimal import Decimal as D

from yidi_pricing.domain import CaseKind, PaymentBasis, price_case

TYPE = "K80.1:51.2301"


def dip(make_case, total, fund, hospital="D1", code=TYPE, **extra):
    return make_case(code, total, fund, hospital=hospital, region="360500", **extra)


def test_normal(config, make_case):
    # P = D × C = 1000 × 1.2 = 1200 points; Payment = 1200 × 10 = 12000.00
    # FundDue = 8000 + 12000 − 12000 = 8000.00
    p = price_case(dip(make_case, "12000.00", "8000.00"), config)
    assert (p.kind, p.basis) == (CaseKind.NORMAL, PaymentBasis.WEIGHT)
    assert p.paid_weight == D("1200") and p.rate_units == D("1200")
    assert p.payment == D("12000.00") and p.fund_due == D("8000.00")
    assert p.pool.label == "360500-2026-DIP-all-all"


def test_high(config, make_case):
    # T = 25000 > 2 × 10000: P = 1000 × 1.2 × (25000/10000 − 2 + 1) = 1200 × 1.5 = 1800
    # Payment = 18000.00; FundDue = 15000 + 18000 − 25000 = 8000.00
    p = price_case(dip(make_case, "25000.00", "15000.00"), config)
    assert p.kind is CaseKind.HIGH_OUTLIER and p.paid_weight == D("1800")
    assert p.payment == D("18000.00") and p.fund_due == D("8000.00") and not p.review_required


def test_low(config, make_case):
    # T = 4000 < 0.5 × 10000: P = 1000 × 1.2 × 4000/10000 = 480; Payment = 4800.00
    # FundDue = 2000 + 4800 − 4000 = 2800.00
    p = price_case(dip(make_case, "4000.00", "2000.00"), config)
    assert (p.kind, p.basis) == (CaseKind.LOW_OUTLIER, PaymentBasis.WEIGHT)
    assert p.paid_weight == D("480") and p.payment == D("4800.00") and p.fund_due == D("2800.00")


def test_above_special_review_multiple_is_referred_and_paid_at_the_cap(config, make_case):
    # T = 60000 = 6 × mean > 5 × 10000 (seed 003 三(二) 特例单议): not the open high outlier
    # 1200 × (6 − 2 + 1) = 6000 points, but referred and paid provisionally at the capped multiple
    # 5 − 2 + 1 = 4: P = 1000 × 1.2 × 4 = 4800 -> 48000.00; FundDue = 40000 + 48000 − 60000 = 28000.00
    p = price_case(dip(make_case, "60000.00", "40000.00"), config)
    assert p.kind is CaseKind.HIGH_OUTLIER and p.review_required and p.special_review == "dip-above-multiple"
    assert p.paid_weight == D("4800") and p.payment == D("48000.00") and p.fund_due == D("28000.00")


def test_at_the_special_review_multiple_is_a_high_outlier_not_referred(config, make_case):
    # T = 50000 = 5 × mean exactly: high outlier, P = 1200 × (5 − 2 + 1) = 4800 -> 48000.00, not referred
    p = price_case(dip(make_case, "50000.00", "30000.00"), config)
    assert p.kind is CaseKind.HIGH_OUTLIER and p.special_review is None and p.payment == D("48000.00")


def test_base_type_uses_coefficient_one(config, make_case):
    # P = 500 × 1 = 500; Payment = 5000.00; FundDue = 3000 + 5000 − 5000 = 3000.00
    p = price_case(dip(make_case, "5000.00", "3000.00", code="J18.9:保守"), config)
    assert p.coefficient == D("1") and p.payment == D("5000.00") and p.fund_due == D("3000.00")


def test_payment_rounds_half_up(config, make_case):
    # D2 (C 0.9), low: P = 1000 × 0.9 × 4000.05/10000 = 360.0045; Payment exact = 3600.045
    # half-up -> 3600.05 (banker's rounding would give 3600.04). FundDue = 2000 + 3600.05 − 4000.05 = 1600.00
    p = price_case(dip(make_case, "4000.05", "2000.00", hospital="D2"), config)
    assert p.payment_exact == D("3600.045") and p.payment == D("3600.05") and p.fund_due == D("1600.00")


def test_unknown_type_is_per_item(config, make_case):
    p = price_case(dip(make_case, "3000.00", "2000.00", code="X00.0:保守"), config)
    assert (p.kind, p.payment, p.fund_due) == (CaseKind.NOT_COVERED, D("3000.00"), D("2000.00"))


def test_special_review_and_bed_day_rules_apply_to_dip(config, make_case):
    p = price_case(dip(make_case, "90000.00", "50000.00", special_case_id="case-1"), config)
    assert (p.kind, p.payment) == (CaseKind.SPECIAL_REVIEW, D("90000.00"))
