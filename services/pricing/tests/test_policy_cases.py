"""The seeds' other payment rules, worked by hand (fixtures/policy: round numbers).

Hospitals of 360100 (DRG, employee R_p 10000, resident 9000; L 0.4, H 2.0): H1 level 3 三甲 C 1.15,
H2 level 2 C 0.90, P1 psychiatric level 2 C 0.90, S1 provincial (level 3, C 1.20, pool region 369900).
AA11 RW 2.0. Bed-day in 360100: psychiatric 300.00 a day (level 3: 350.00), at most 90 days, selected by
hospital type psychiatric, department A15 or principal diagnosis F20-F29; palliative 400.00 a day for
Z51.5, stays of 3 days or more. 369900 (省本级) and 360500: DIP, K80.1:51.2301 score 1000 mean 10000,
point value 12 (369900) and 10 (360500).
"""
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest
from pydantic import ValidationError

from yidi_common.claims import ClaimScope
from yidi_common.regional_config import ConfigError, load_config, load_region_year, load_weight_table
from yidi_common.settlement_list import EXAMPLE, SettlementList
from yidi_pricing.domain import CaseKind, PaymentBasis, PricingError, price_case

POLICY_CONFIG = Path(__file__).parent / "fixtures" / "policy"
PAYMENT = Path(__file__).resolve().parents[4] / "shared" / "reference" / "payment"


@pytest.fixture(scope="module")
def policy():
    return load_config(POLICY_CONFIG)


# ---------------------------------------------------------------- 按床日


def test_bed_day_by_hospital_type_capped_at_max_days(policy, make_case):
    # P1 is a psychiatric hospital: a 120-day stay in AA11 is paid per day, not by weight (S would be 18000)
    # min(120, 90) = 90 days × 300.00 = 27000.00; FundDue = 28000 + 27000 − 40000 = 15000.00
    p = price_case(make_case("AA11", "40000.00", "28000.00", hospital="P1", los_days=120), policy)
    assert (p.kind, p.basis, p.bed_day_category, p.bed_days) == (CaseKind.BED_DAY, PaymentBasis.BED_DAY, "psychiatric", 90)
    assert (p.bed_day_rate, p.payment, p.fund_due) == (D("300.00"), D("27000.00"), D("15000.00"))
    assert p.payment_at(D("5000")) == D("27000.00")  # fixed: not rescaled at the final rate
    assert "90 days × 300.00 (LOS 120, at most 90 paid)" in p.note


def test_bed_day_by_department_at_the_level_rate(policy, make_case):
    # H1 (level 3) discharged from 精神科 A15: 30 days × 350.00 = 10500.00; FundDue = 8000 + 10500 − 12000 = 6500.00
    p = price_case(make_case("AA11", "12000.00", "8000.00", los_days=30, departments=("A15",)), policy)
    assert (p.kind, p.bed_day_rate, p.payment, p.fund_due) == (CaseKind.BED_DAY, D("350.00"), D("10500.00"), D("6500.00"))
    # another department: priced by weight, S = 2.0 × 10000 × 1.15 = 23000.00
    other = price_case(make_case("AA11", "12000.00", "8000.00", los_days=30, departments=("A03",)), policy)
    assert (other.kind, other.payment) == (CaseKind.NORMAL, D("23000.00"))


def test_bed_day_by_principal_diagnosis_range(policy, make_case):
    # H2 (level 2), principal F25.100 in F20-F29: 60 days × 300.00 = 18000.00; FundDue = 14000 + 18000 − 20000
    p = price_case(make_case("AA11", "20000.00", "14000.00", hospital="H2", los_days=60,
                             principal_diagnosis="F25.100"), policy)
    assert (p.kind, p.payment, p.fund_due) == (CaseKind.BED_DAY, D("18000.00"), D("12000.00"))
    # F30.000 is outside the range: by weight, S = 2.0 × 10000 × 0.90 = 18000.00, FundDue 12000.00 too
    other = price_case(make_case("AA11", "20000.00", "14000.00", hospital="H2", los_days=60,
                                 principal_diagnosis="F30.000"), policy)
    assert (other.kind, other.basis) == (CaseKind.NORMAL, PaymentBasis.WEIGHT)


def test_palliative_bed_day_needs_its_minimum_stay(policy, make_case):
    # Z51.5 (安宁疗护) for 10 days at H2: 10 × 400.00 = 4000.00; FundDue = 4000 + 4000 − 6000 = 2000.00
    p = price_case(make_case("CC15", "6000.00", "4000.00", hospital="H2", los_days=10,
                             principal_diagnosis="Z51.500"), policy)
    assert (p.kind, p.bed_day_category, p.payment, p.fund_due) == (CaseKind.BED_DAY, "palliative", D("4000.00"), D("2000.00"))
    # 2 days < min_days 3: by group CC15, S = 0.5 × 10000 × 0.90 = 4500.00
    short = price_case(make_case("CC15", "6000.00", "4000.00", hospital="H2", los_days=2,
                                 principal_diagnosis="Z51.500"), policy)
    assert (short.kind, short.payment) == (CaseKind.NORMAL, D("4500.00"))


def test_bed_day_configuration_errors_name_the_file_and_field(tmp_path):
    region = (POLICY_CONFIG / "regions" / "360100-2026.toml").read_text(encoding="utf-8")
    weights = tmp_path / "weights.csv"
    weights.write_text((POLICY_CONFIG.parent / "config" / "weights" / "test-drg.csv").read_text(encoding="utf-8"))
    bad = tmp_path / "360100-2026.toml"
    bad.write_text(region.replace("../../config/weights/test-drg.csv", "weights.csv")
                   .replace('diagnoses = ["Z51.5"]', 'diagnoses = ["Z51.5-Z50"]'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"360100-2026.toml.*bed_day\.palliative.*'Z51.5-Z50'"):
        load_region_year(bad, {})
    bad.write_text(region.replace("../../config/weights/test-drg.csv", "weights.csv")
                   .replace('min_days = 3\ndiagnoses = ["Z51.5"]', "min_days = 3"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bed_day\.palliative.*needs hospital_types, departments or diagnoses"):
        load_region_year(bad, {})


def test_configuration_names_a_missing_class_rate_and_an_unknown_pool_region(tmp_path):
    directory = tmp_path / "policy"
    shutil.copytree(POLICY_CONFIG, directory)
    shutil.copytree(POLICY_CONFIG.parent / "config", tmp_path / "config")
    region = directory / "regions" / "360100-2026.toml"
    region.write_text(region.read_text(encoding="utf-8").replace('rate = 300.00\n', "", 1), encoding="utf-8")
    # psychiatric has only a level-3 rate now: H2 and P1 (level 2) have none
    with pytest.raises(ConfigError, match=r"360100-2026.toml: bed_day.psychiatric.rates: no rate for the class of H2, P1"):
        load_config(directory)
    shutil.copy(POLICY_CONFIG / "regions" / "360100-2026.toml", region)
    hospitals = directory / "hospitals.csv"
    hospitals.write_text(hospitals.read_text(encoding="utf-8").replace(",,369900", ",,369800"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"hospitals.csv: hospital S1.pool_region: 369800 has no region configuration"):
        load_config(directory)


def test_bed_day_without_a_rate_for_the_class_is_a_pricing_error(policy, make_case):
    region = policy.region_year("360100", 2026)
    only_level_3 = region.bed_day["psychiatric"].model_copy(update={"rate": None})
    regions = {**policy.region_years, "360100-2026": region.model_copy(update={"bed_day": {"psychiatric": only_level_3}})}
    with pytest.raises(PricingError, match="psychiatric.*class 2"):
        price_case(make_case("AA11", "40000.00", "28000.00", hospital="P1", los_days=120),
                   policy.model_copy(update={"region_years": regions}))


# ---------------------------------------------------------------- 省本级


def test_provincial_hospital_cross_region_case_in_the_province_level_pool(policy, make_case):
    # S1's cross-region case (insured 360400) goes to 369900's DIP pool: points = 1000 × 1.20 = 1200,
    # Payment = 1200 × 12 = 14400.00; FundDue = 7000 + 14400 − 11000 = 10400.00
    p = price_case(make_case("K80.1:51.2301", "11000.00", "7000.00", hospital="S1",
                             scope=ClaimScope.CROSS_REGION), policy)
    assert p.pool.label == "369900-2026-DIP-all-all"
    assert (p.kind, p.paid_weight, p.payment, p.fund_due) == (CaseKind.NORMAL, D("1200.00"), D("14400.00"), D("10400.00"))


def test_provincial_hospital_local_case_stays_in_its_city_pool(policy, make_case):
    # S1's local case: 360100's DRG pool, S = 2.0 × 10000 × 1.20 = 24000.00; FundDue = 18000 + 24000 − 30000
    p = price_case(make_case("AA11", "30000.00", "18000.00", hospital="S1"), policy)
    assert p.pool.label == "360100-2026-DRG-310-local"
    assert (p.payment, p.fund_due) == (D("24000.00"), D("12000.00"))


# ---------------------------------------------------------------- 手工报销


def test_manual_reimbursement_is_priced_but_owes_the_hospital_nothing(policy, make_case):
    # priced as a normal AA11 case (23000.00), in its pool; the insured region paid the person: FundDue 0
    p = price_case(make_case("AA11", "30000.00", "18000.00", scope=ClaimScope.CROSS_REGION,
                             manual_reimbursement=True), policy)
    assert (p.kind, p.basis, p.pool.label) == (CaseKind.MANUAL_REIMBURSEMENT, PaymentBasis.MANUAL, "360100-2026-DRG-310-cross")
    assert (p.payment, p.fund_due, p.weight_paid) == (D("23000.00"), D("0.00"), False)
    assert p.fund_due_at(D("8000")) == D("0.00")
    assert p.note.startswith("手工报销: priced as normal (weight, 23000.00)")


# ---------------------------------------------------------------- 急诊转住院


def test_emergency_part_per_item_beside_the_group_payment(policy, make_case):
    # T 32000, emergency part E 2000: the group prices 30000 (normal, S = 23000.00); Payment = 23000 + 2000;
    # FundDue = 20000 + 25000 − 32000 = 13000.00
    p = price_case(make_case("AA11", "32000.00", "20000.00", emergency_fee=D("2000.00")), policy)
    assert (p.kind, p.payment, p.fund_due, p.per_item_part) == (CaseKind.NORMAL, D("25000.00"), D("13000.00"), D("2000.00"))
    # at a final rate of 9000: 23000 × 0.9 = 20700.00, the emergency part unchanged: 22700.00
    assert p.payment_at(D("9000")) == D("22700.00")


def test_emergency_part_is_out_of_the_outlier_tests(policy, make_case):
    # T 50000 would be a high outlier (> H × S = 46000); T − E = 45000 is not: 23000 + 5000 = 28000.00
    p = price_case(make_case("AA11", "50000.00", "30000.00", emergency_fee=D("5000.00")), policy)
    assert (p.kind, p.payment, p.fund_due) == (CaseKind.NORMAL, D("28000.00"), D("8000.00"))
    # T − E = 9000 < L × S = 9200: a low outlier, the whole list per item (Payment = T = 10000.00)
    low = price_case(make_case("AA11", "10000.00", "6000.00", emergency_fee=D("1000.00")), policy)
    assert (low.kind, low.basis, low.payment, low.per_item_part) == (CaseKind.LOW_OUTLIER, PaymentBasis.PER_ITEM, D("10000.00"), None)


def test_emergency_part_in_a_dip_region(policy, make_case):
    # D1 (C 1.20) in 360500 (V 10): T 13000, E 1500, T − E = 11500 normal: 1000 × 1.20 × 10 = 12000.00 + 1500
    # FundDue = 9000 + 13500 − 13000 = 9500.00
    p = price_case(make_case("K80.1:51.2301", "13000.00", "9000.00", hospital="D1", region="360500",
                             emergency_fee=D("1500.00")), policy)
    assert (p.kind, p.payment, p.fund_due, p.payment_exact) == (CaseKind.NORMAL, D("13500.00"), D("9500.00"), D("12000.00"))


def test_emergency_part_above_the_total_is_refused_at_intake():
    body = {**EXAMPLE, "setlinfo": {**EXAMPLE["setlinfo"], "emergency_fee": "100.01"}}
    with pytest.raises(ValidationError, match="emergency_fee 100.01 exceeds the fees' total 100.00"):
        SettlementList.model_validate(body)


# ---------------------------------------------------------------- 优抚


def test_preferential_treatment_person_is_paid_per_item(policy, make_case):
    # 优抚对象: Payment = T = 30000.00, FundDue = F = 18000.00, even at a psychiatric hospital (no bed-day)
    p = price_case(make_case("AA11", "30000.00", "18000.00", preferential_treatment=True), policy)
    assert (p.kind, p.basis, p.payment, p.fund_due) == (CaseKind.PREFERENTIAL, PaymentBasis.PER_ITEM, D("30000.00"), D("18000.00"))
    psychiatric = price_case(make_case("AA11", "30000.00", "18000.00", hospital="P1", los_days=120,
                                       preferential_treatment=True), policy)
    assert (psychiatric.kind, psychiatric.payment) == (CaseKind.PREFERENTIAL, D("30000.00"))


# ---------------------------------------------------------------- a published table's base group


@pytest.mark.skipif(not (PAYMENT / "lanzhou-2023.csv").exists(), reason="../shared/reference/payment/lanzhou-2023.csv absent")
def test_lanzhou_2023_base_group_at_coefficient_one(policy, make_case):
    # BR25 (基础病组) RW 0.7739, employee rate 9986.9352; the 三甲 column says 1.003, the 二级 0.7487, but C = 1:
    # S = 0.7739 × 9986.9352 = 7728.88915128 -> Payment 7728.89 at every level;
    # T 6000 within [0.4 S, 2 S] = [3091.56, 15457.78]; FundDue = 4000 + 7728.89 − 6000 = 5728.89
    region = policy.region_year("360100", 2026)
    table = load_weight_table(PAYMENT / "lanzhou-2023.csv", strict=False)
    regions = {**policy.region_years, "360100-2026": region.model_copy(update={"weight_table": table})}
    lanzhou = policy.model_copy(update={"region_years": regions})
    for hospital in ("H1", "H2"):
        p = price_case(make_case("BR25", "6000.00", "4000.00", hospital=hospital), lanzhou)
        assert (p.kind, p.coefficient, p.rate) == (CaseKind.NORMAL, D("1"), D("9986.9352"))
        assert (p.standard, p.payment, p.fund_due) == (D("7728.88915128"), D("7728.89"), D("5728.89"))
