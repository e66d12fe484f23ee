"""DIP whole (issue 13 item 4, seed 003 三(一)-(三)): bonuses, severity, 基层 / 中医优势 / 日间手术 / 床日
types, abnormal cost. Region 360500 of the fixture: V_p = 10 yuan/point; D1 C = 1.20, D2 C = 0.90;
K80.1:51.2301 D = 1000, mean 10 000; J18.9:保守 a base type D = 500, mean 5 000. Figures by hand."""
from datetime import datetime
from decimal import Decimal as D

from yidi_common.claims import ClaimScope
from yidi_common.events.v1 import ClaimFacts, FundAmount, GroupingOutcome
from yidi_common.regional_config import BedDayCategory, DipPolicy, DipType
from yidi_pricing.adapters.mapping import case_inputs
from yidi_pricing.domain import CaseKind, PaymentBasis, price_case
from yidi_pricing.service_layer.use_cases import pricing_outcome

TYPE = "K80.1:51.2301"


def configured(config, categories=(), types=(), bed_day=None, **dip):
    region = config.region_year("360500", 2026)
    catalogue = region.dip_catalogue.model_copy(update={"entries": {**region.dip_catalogue.entries,
                                                                    **{t.code: t for t in types}}})
    update = {"policy": region.policy.model_copy(update={"dip": DipPolicy(**dip)}), "dip_catalogue": catalogue}
    if bed_day is not None:
        update["bed_day"] = bed_day
    hospitals = {**config.hospitals, "D1": config.hospitals["D1"].model_copy(update={"categories": categories}),
                 "D2": config.hospitals["D2"].model_copy(update={"categories": categories})}
    return config.model_copy(update={"hospitals": hospitals, "region_years": {
        **config.region_years, "360500-2026": region.model_copy(update=update)}})


def dip(make_case, total, fund, hospital="D1", code=TYPE, **extra):
    return make_case(code, total, fund, hospital=hospital, region="360500", **extra)


BONUSES = {"重点专科": D("0.05"), "中医医院": D("0.03")}


def test_score_bonus_by_hospital_category_with_its_explanation(config, make_case):
    # D1 is 重点专科 + 中医医院: b = 0.05 + 0.03 = 0.08; P = 1000 × 1.2 × 1.08 = 1296 -> 12960.00
    # FundDue = 8000 + 12960 − 12000 = 8960.00
    cfg = configured(config, categories=("重点专科", "中医医院"), bonuses=BONUSES)
    p = price_case(dip(make_case, "12000.00", "8000.00"), cfg)
    assert (p.paid_weight, p.payment, p.fund_due, p.score_bonus) == (D("1296"), D("12960.00"), D("8960.00"), D("0.08"))
    outcome = pricing_outcome(p, cfg)
    assert outcome.score_bonus == D("0.08") and "分值加成 重点专科, 中医医院: points × (1 + 0.08)" in outcome.explanation


def test_bonus_is_capped_and_not_given_to_base_types(config, make_case):
    # 0.15 + 0.10 = 0.25 capped at max_bonus 0.2: P = 1200 × 1.2 = 1440 -> 14400.00
    cfg = configured(config, categories=("重点专科", "中医医院"),
                     bonuses={"重点专科": D("0.15"), "中医医院": D("0.10")})
    assert price_case(dip(make_case, "12000.00", "8000.00"), cfg).payment == D("14400.00")
    # J18.9:保守 is a base type: C = 1, no bonus: P = 500 -> 5000.00
    base = price_case(dip(make_case, "5000.00", "3000.00", code="J18.9:保守"), cfg)
    assert (base.payment, base.score_bonus) == (D("5000.00"), None)


def test_severity_level_multiplies_the_points(config, make_case):
    # level 2, default coefficient 1.2: P = 1000 × 1.2 × 1.2 = 1440 -> 14400.00
    # FundDue = 8000 + 14400 − 12000 = 10400.00
    p = price_case(dip(make_case, "12000.00", "8000.00", dip_severity=2), configured(config))
    assert (p.payment, p.fund_due, p.severity_coefficient) == (D("14400.00"), D("10400.00"), D("1.2"))


def test_primary_care_type_pays_the_same_score_at_every_level(config, make_case):
    # 基层病种: C = 1 whatever the level, no bonus: P = 1000 -> 10000.00 at D1 (C 1.2) and D2 (C 0.9)
    cfg = configured(config, categories=("重点专科",), bonuses=BONUSES, primary_types=(TYPE,))
    for hospital in ("D1", "D2"):
        p = price_case(dip(make_case, "10000.00", "6000.00", hospital=hospital, dip_category="primary"), cfg)
        assert (p.coefficient, p.payment, p.fund_due) == (D("1"), D("10000.00"), D("6000.00"))


def test_tcm_type_same_score_across_levels_with_ratio_and_bonus(config, make_case):
    # 中医优势病种 at D2 (中医医院 0.03): P = 1000 × 1.1 × 1 × 1.03 = 1133 -> 11330.00
    cfg = configured(config, categories=("中医医院",), bonuses=BONUSES, tcm={"types": (TYPE,), "score_ratio": "1.1"})
    p = price_case(dip(make_case, "10000.00", "6000.00", hospital="D2", dip_category="tcm"), cfg)
    assert (p.coefficient, p.paid_weight, p.payment) == (D("1"), D("1133.000"), D("11330.00"))


def test_abnormal_cost_adjustment_for_a_lowered_admission(config, make_case):
    # J18.9:保守 (mean 5000), 1 day, T = 1000 < 0.3 × 5000: low outlier m = 1000 / 5000 = 0.2,
    # P = 500 × 1 × 0.2 × 0.8 = 80 -> 800.00; FundDue = 600 + 800 − 1000 = 400.00
    cfg = configured(config, abnormal_cost={"coefficient": "0.8"})
    p = price_case(dip(make_case, "1000.00", "600.00", code="J18.9:保守", los_days=1), cfg)
    assert (p.kind, p.paid_weight, p.payment, p.fund_due) == (CaseKind.LOW_OUTLIER, D("80.0"), D("800.00"), D("400.00"))
    # a 3-day stay is not: P = 500 × 0.2 = 100 -> 1000.00
    assert price_case(dip(make_case, "1000.00", "600.00", code="J18.9:保守", los_days=3), cfg).payment == D("1000.00")


def test_day_surgery_type_is_priced_by_its_own_score(config, make_case):
    # 日间:13.4100 D = 700, mean 7000 at D1: P = 700 × 1.2 = 840 -> 8400.00
    cfg = configured(config, types=[DipType(code="日间:13.4100", score=D("700"), mean_cost=D("7000"))])
    p = price_case(dip(make_case, "7000.00", "4000.00", code="日间:13.4100", los_days=1, dip_category="day_surgery"), cfg)
    assert (p.kind, p.payment, p.fund_due) == (CaseKind.NORMAL, D("8400.00"), D("5400.00"))


def test_a_dip_region_bed_day_type_is_paid_per_day_before_any_type(config):
    # 按床日 in a DIP region (seed 003 四(四)): the region's bed-day category takes F20-F29 before the DIP
    # type the grouper found: 120 days × 320 = 38400.00
    cfg = configured(config, bed_day={"psychiatric": BedDayCategory(rate=D("320"), diagnoses=("F20-F29",))})
    claim = ClaimFacts(
        claim_id="C1", version=1, setl_id="S1", hospital_code="D1", psn_no="P1", insu_admdvs="360500",
        treat_admdvs="360500", insutype="310", setl_period="2026-03", gender="1", age=40,
        adm_time=datetime(2026, 1, 1), dscg_time=datetime(2026, 5, 1), los=120, dscg_way="1",
        scope=ClaimScope.LOCAL, diagnoses=["F20.000"], procedures=[], total_cost=D("50000.00"),
        basic_fund_payment=D("30000.00"), fund_payments=[FundAmount(fund_pay_type="310100", amount=D("30000.00"))])
    grouping = GroupingOutcome(payment_method="DIP", scheme="test DIP", status="grouped", dip_type=TYPE)
    p = price_case(case_inputs(claim, grouping), cfg)
    assert (p.kind, p.basis, p.payment) == (CaseKind.BED_DAY, PaymentBasis.BED_DAY, D("38400.00"))


def test_a_referred_case_carries_the_reason_on_the_outcome(config, make_case):
    p = price_case(dip(make_case, "60000.00", "40000.00"), config)
    outcome = pricing_outcome(p, config)
    assert outcome.special_review == "dip-above-multiple" and outcome.payment == D("48000.00")
    assert any("referred to special-case review" in line for line in outcome.explanation)
