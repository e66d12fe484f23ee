"""Pricing with published regional tables loaded as configuration (../shared/reference/payment)."""
from decimal import Decimal as D
from pathlib import Path

import pytest

from yidi_common.regional_config import load_weight_table
from yidi_pricing.domain import CaseKind, price_case

PAYMENT = Path(__file__).resolve().parents[4] / "shared" / "reference" / "payment"
pytestmark = pytest.mark.skipif(not PAYMENT.exists(), reason="../shared/reference not present")


def with_table(config, name):
    region = config.region_year("360100", 2026)
    table = load_weight_table(PAYMENT / name, strict=False)
    regions = {**config.region_years, "360100-2026": region.model_copy(update={"weight_table": table})}
    return config.model_copy(update={"region_years": regions})


def test_suzhou_class_standard_is_used_as_published(config, make_case):
    # AA19, level-3 hospital H1: 三级医院支付标准 = 336272.31 is S (its coefficient 1.2 is built in)
    priced = with_table(config, "suzhou-2022.csv")
    p = price_case(make_case("AA19", "300000.00", "200000.00"), priced)
    assert (p.kind, p.standard, p.payment) == (CaseKind.NORMAL, D("336272.31"), D("336272.31"))
    assert p.coefficient == D("1.25")  # table 1.2 + H1 bonus 0.05, shown for the record
    # level 2 (H2): 285831.4635 -> 285831.46; level 1 (H3): 210170.1938 -> 210170.19
    assert price_case(make_case("AA19", "300000.00", "0.00", hospital="H2"), priced).payment == D("285831.46")
    assert price_case(make_case("AA19", "300000.00", "0.00", hospital="H3"), priced).payment == D("210170.19")
    # high outlier above H × S = 672544.62: Payment = T − H×S + S = 700000 − 672544.62 + 336272.31 = 363727.69
    assert price_case(make_case("AA19", "700000.00", "0.00"), priced).payment == D("363727.69")


def test_lanzhou_rate_and_grade_coefficient(config, make_case):
    # lanzhou-2023 AE19: employee rate 9986.9352 from the table; H1 grade 三甲: C = 1.003 + bonus 0.05
    priced = with_table(config, "lanzhou-2023.csv")
    entry = priced.region_year("360100", 2026).weight_table.get("AE19")
    expected = entry.rw * D("9986.9352") * D("1.053")  # S = RW × R × C
    total = str(expected.quantize(D("0.01")))  # T = S: a normal case
    p = price_case(make_case("AE19", total, "0.00"), priced)
    assert p.rate == D("9986.9352") and p.coefficient == D("1.053")
    assert p.kind is CaseKind.NORMAL and p.standard == expected
    assert p.payment == expected.quantize(D("0.01"), rounding="ROUND_HALF_UP")


def test_linyi_standard_by_class_and_insurance_type(config, make_case):
    # linyi 0000 (未入组) RW 0.2: 支付标准（二级居民）= 1700.2 for a level-2 hospital, resident
    priced = with_table(config, "linyi-2022.csv")
    p = price_case(make_case("0000", "1800.00", "1000.00", hospital="H2", insutype="390"), priced)
    assert (p.standard, p.payment, p.fund_due) == (D("1700.2"), D("1700.20"), D("900.20"))


def test_beijing_per_item_group(config, make_case):
    priced = with_table(config, "beijing-2022.csv")
    code = next(c for c, e in priced.region_year("360100", 2026).weight_table.entries.items() if e.per_item_reason)
    assert price_case(make_case(code, "5000.00", "3000.00"), priced).kind is CaseKind.NOT_COVERED
