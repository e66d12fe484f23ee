"""One firing case and one near miss per rule, with exact evidence and suspected amounts."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

from yidi_audit.domain.rules import (
    cost_shifting,
    early_discharge,
    lowered_admission,
    self_pay,
    split_admission,
    symptom_principal,
    upcoding,
)

CST = timezone(timedelta(hours=8))


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST)


# AUD-SPLIT-ADMISSION


def previous_stay(claim, discharged: str, **changes):
    return claim(claim_id="C0", setl_id="S0", adm_time=at("2025-02-10"), dscg_time=at(discharged, 10),
                 principal_diagnosis="J18.000", **changes)


def test_split_admission_fires_on_related_readmission_within_window(claim):
    previous = previous_stay(claim, "2025-02-20")
    [f] = split_admission.evaluate(claim(), [previous], split_admission.Params())
    assert (f.rule_id, f.claim_id, f.version, f.severity) == ("AUD-SPLIT-ADMISSION", "C1", 1, "high")
    assert f.suspected_amount == D("6600.00")
    assert (f.treatment_region, f.insured_region, f.hospital_code) == ("360700", "360100", "H3607001")
    assert f.evidence == {
        "previous_claim_id": "C0",
        "previous_version": 1,
        "previous_setl_id": "S0",
        "previous_principal_diagnosis": "J18.000",
        "previous_adrg": "ES3",
        "previous_discharge": "2025-02-20T10:00:00+08:00",
        "principal_diagnosis": "J18.900",
        "adrg": "ES3",
        "admission": "2025-03-01T09:00:00+08:00",
        "gap_days": 9,
        "window_days": 15,
        "related_by": ["icd_category", "adrg"],
        "fund_due": "6600.00",
    }


def test_split_admission_counts_the_window_inclusively(claim):
    assert split_admission.evaluate(claim(), [previous_stay(claim, "2025-02-14")], split_admission.Params())


def test_split_admission_near_miss_sixteen_days(claim):
    assert split_admission.evaluate(claim(), [previous_stay(claim, "2025-02-13")], split_admission.Params()) == []


def test_split_admission_ignores_other_hospital_unrelated_diagnosis_and_planned_courses(claim):
    params = split_admission.Params()
    elsewhere = previous_stay(claim, "2025-02-20", hospital_code="H3607002")
    unrelated = previous_stay(claim, "2025-02-20", adrg="GS1")
    assert split_admission.evaluate(claim(), [elsewhere], params) == []
    assert split_admission.evaluate(claim(principal_diagnosis="K80.100", adrg="HC2"), [unrelated], params) == []
    assert split_admission.evaluate(claim(principal_diagnosis="Z51.100"), [previous_stay(claim, "2025-02-20")], params) == []
    left = previous_stay(claim, "2025-02-20", dscg_way="4")
    assert split_admission.evaluate(claim(), [left], params) == []


# AUD-UPCODING


def upcoded(claim, **changes):
    base = dict(drg="ES31", complications=("J96.000",), drg_without_complications="ES35",
                group_avg_cost=D("12000"), group_avg_los=D("11"),
                lower_group_avg_cost=D("8500"), lower_group_avg_los=D("8"), payment=D("12600.00"))
    return claim(**{**base, **changes})


def test_upcoding_fires_when_cost_and_stay_fit_the_lower_split(claim):
    [f] = upcoding.evaluate(upcoded(claim), [], upcoding.Params())
    # lower payment 12600 x 8500 / 12000 = 8925.00; lower due 5600 + 8925 - 8000 = 6525.00; 10200 - 6525
    assert f.suspected_amount == D("3675.00")
    assert f.evidence == {
        "drg": "ES31",
        "drg_without_complications": "ES35",
        "complications": ["J96.000"],
        "total_cost": "8000.00",
        "los": 7,
        "lower_group_avg_cost": "8500",
        "lower_group_avg_los": "8",
        "cost_ratio_to_lower": "0.9412",
        "los_ratio_to_lower": "0.8750",
        "group_avg_cost": "12000",
        "payment": "12600.00",
        "estimated_lower_payment": "8925.00",
        "fund_due": "10200.00",
        "estimated_lower_fund_due": "6525.00",
    }


def test_upcoding_derives_the_no_complication_split(claim):
    [f] = upcoding.evaluate(upcoded(claim, drg_without_complications=None), [], upcoding.Params())
    assert f.evidence["drg_without_complications"] == "ES35"


def test_upcoding_near_miss_cost_a_fen_above_the_lower_average(claim):
    assert upcoding.evaluate(upcoded(claim, total_cost=D("8500.01")), [], upcoding.Params()) == []
    assert upcoding.evaluate(upcoded(claim, los=9), [], upcoding.Params()) == []
    assert upcoding.evaluate(upcoded(claim, drg="ES35", complications=()), [], upcoding.Params()) == []


def dip_severity_raised(claim, **changes):
    base = dict(payment_method="DIP", drg=None, adrg=None, dip_type="K80.1:51.2301", dip_severity=2,
                severity_coefficient=D("1.2"), cost_ratio=D("0.8"), complications=("J96.000",), payment=D("12600.00"))
    return claim(**{**base, **changes})


def test_upcoding_covers_dip_scores_raised_by_severity_without_cost_support(claim):
    # seed 003 三(一) severity catalogue + 五(二) 高套分值: level 2 (× 1.2) at 0.8 × the type's mean cost.
    # Payment without severity 12600 / 1.2 = 10500.00; its due 5600 + 10500 − 8000 = 8100.00;
    # suspected 10200 − 8100 = 2100.00
    [f] = upcoding.evaluate(dip_severity_raised(claim), [], upcoding.Params())
    assert (f.rule_id, f.suspected_amount) == ("AUD-UPCODING", D("2100.00"))
    assert f.evidence == {
        "scheme": "DIP", "dip_type": "K80.1:51.2301", "severity_level": 2, "severity_coefficient": "1.2",
        "severity_diagnoses": ["J96.000"], "total_cost": "8000.00", "cost_ratio_to_type_mean": "0.8000",
        "max_cost_ratio": "1", "payment": "12600.00", "estimated_payment_without_severity": "10500.00",
        "fund_due": "10200.00", "estimated_fund_due_without_severity": "8100.00",
    }


def test_dip_upcoding_near_misses(claim):
    assert upcoding.evaluate(dip_severity_raised(claim, cost_ratio=D("1.0001")), [], upcoding.Params()) == []
    assert upcoding.evaluate(dip_severity_raised(claim, dip_severity=0, severity_coefficient=None), [],
                             upcoding.Params()) == []
    assert upcoding.evaluate(dip_severity_raised(claim, case_kind="high_outlier"), [], upcoding.Params()) == []


# AUD-LOW-ADMISSION


def short_cold(claim, **changes):
    base = dict(principal_diagnosis="J06.900", los=2, dscg_time=at("2025-03-03"),
                fee_by_category={"01": D("300.00"), "04": D("500.00"), "09": D("1200.00")},
                payment=D("2000.00"), case_kind="low_outlier", fund_payments={"310100": D("1400.00")},
                group_avg_cost=D("4500"))
    return claim(**{**base, **changes})


def test_lowered_admission_fires_on_short_cheap_outpatient_condition(claim):
    [f] = lowered_admission.evaluate(short_cold(claim), [], lowered_admission.Params())
    assert f.suspected_amount == D("1400.00")
    assert f.evidence == {
        "principal_diagnosis": "J06.900",
        "outpatient_code": "J06",
        "los": 2,
        "max_los": 2,
        "total_cost": "2000.00",
        "group_avg_cost": "4500",
        "cost_share_of_group_avg": "0.4444",
        "max_cost_share": "0.5",
        "fund_due": "1400.00",
    }


def test_lowered_admission_near_miss_three_days_or_half_the_average(claim):
    params = lowered_admission.Params()
    assert lowered_admission.evaluate(short_cold(claim, los=3), [], params) == []
    assert lowered_admission.evaluate(short_cold(claim, group_avg_cost=D("4000")), [], params) == []
    assert lowered_admission.evaluate(short_cold(claim, principal_diagnosis="J18.900"), [], params) == []


# AUD-COST-SHIFT

LOW_DRUGS = {"01": D("1500.00"), "05": D("4500.00"), "07": D("1000.00"), "09": D("700.00"), "04": D("300.00")}


def test_cost_shifting_fires_below_the_floor_share(claim):
    [f] = cost_shifting.evaluate(claim(fee_by_category=LOW_DRUGS), [], cost_shifting.Params())
    # X = (0.15 x 8000 - 1000) / 0.85 = 235.294...
    assert f.suspected_amount == D("235.29")
    assert f.evidence == {
        "categories": ["03", "04", "08", "09", "10", "11"],
        "categories_amount": "1000.00",
        "total_cost": "8000.00",
        "share": "0.1250",
        "threshold": "0.15",
        "expected_share": "0.15",
        "group_share": None,
        "estimated_moved_out": "235.29",
        "los": 7,
    }


def test_cost_shifting_near_miss_at_the_floor(claim):
    fees = {**LOW_DRUGS, "09": D("900.00"), "05": D("4300.00")}
    assert cost_shifting.evaluate(claim(fee_by_category=fees), [], cost_shifting.Params()) == []
    assert cost_shifting.evaluate(claim(fee_by_category=LOW_DRUGS, los=2), [], cost_shifting.Params()) == []


def test_cost_shifting_against_the_group_profile_caps_at_fund_due(claim):
    fees = {"01": D("1000.00"), "05": D("5000.00"), "09": D("1500.00"), "04": D("500.00")}
    profile = {"09": D("0.40"), "04": D("0.20"), "01": D("0.10")}
    [f] = cost_shifting.evaluate(claim(fee_by_category=fees, group_avg_fee_share=profile), [], cost_shifting.Params())
    # share 0.25 < 0.5 x 0.60; X = (0.60 x 8000 - 2000) / 0.40 = 7000.00, capped at fund_due 6600.00
    assert (f.evidence["threshold"], f.evidence["group_share"], f.evidence["estimated_moved_out"]) == ("0.300", "0.60", "7000.00")
    assert f.suspected_amount == D("6600.00")
    near = {**fees, "09": D("1900.00"), "05": D("4600.00")}  # share 0.30
    assert cost_shifting.evaluate(claim(fee_by_category=near, group_avg_fee_share=profile), [], cost_shifting.Params()) == []


# AUD-EARLY-DISCHARGE


def test_early_discharge_fires_on_a_very_short_stay(claim):
    [f] = early_discharge.evaluate(claim(los=2, dscg_time=at("2025-03-03")), [], early_discharge.Params())
    assert (f.claim_id, f.suspected_amount) == ("C1", D("1000.00"))
    assert f.evidence == {
        "way": "short_stay",
        "los": 2,
        "group_avg_los": "8",
        "los_share_of_group_avg": "0.2500",
        "max_los_share": "0.3",
        "dscg_way": "1",
        "case_kind": "normal",
        "payment": "9000.00",
        "total_cost": "8000.00",
        "retained_surplus": "1000.00",
    }


def test_early_discharge_near_miss_short_stay(claim):
    params = early_discharge.Params()
    assert early_discharge.evaluate(claim(los=3, dscg_time=at("2025-03-04")), [], params) == []
    assert early_discharge.evaluate(claim(los=2, dscg_way="4"), [], params) == []
    assert early_discharge.evaluate(claim(los=2, case_kind="low_outlier"), [], params) == []


def cut_short(claim):
    return claim(claim_id="C0", setl_id="S0", adm_time=at("2025-02-01"), dscg_time=at("2025-02-04"), los=3)


def test_early_discharge_flags_the_earlier_stay_when_the_patient_comes_back(claim):
    readmission = claim(hospital_code="H3607002", adm_time=at("2025-02-24"), dscg_time=at("2025-03-03"))
    [f] = early_discharge.evaluate(readmission, [cut_short(claim)], early_discharge.Params())
    assert (f.claim_id, f.setl_id, f.hospital_code, f.suspected_amount) == ("C0", "S0", "H3607001", D("1000.00"))
    assert f.evidence == {
        "way": "readmitted",
        "los": 3,
        "group_avg_los": "8",
        "los_share_of_group_avg": "0.3750",
        "max_los_share": "0.5",
        "dscg_way": "1",
        "case_kind": "normal",
        "payment": "9000.00",
        "total_cost": "8000.00",
        "retained_surplus": "1000.00",
        "readmission_claim_id": "C1",
        "readmission_version": 1,
        "readmission_hospital_code": "H3607002",
        "readmission": "2025-02-24T09:00:00+08:00",
        "gap_days": 20,
        "readmission_days": 31,
        "related_by": ["icd_category", "adrg"],
    }


def test_early_discharge_near_miss_readmission_after_the_window(claim):
    late = claim(adm_time=at("2025-03-08"), dscg_time=at("2025-03-15"))  # 32 days
    assert early_discharge.evaluate(late, [cut_short(claim)], early_discharge.Params()) == []
    unrelated = claim(adm_time=at("2025-02-24"), principal_diagnosis="K80.100", adrg="HC2")
    assert early_discharge.evaluate(unrelated, [cut_short(claim)], early_discharge.Params()) == []


# AUD-SELF-PAY


def test_self_pay_fires_above_ten_percent(claim):
    [f] = self_pay.evaluate(claim(fulamt_ownpay=D("900.00"), psn_ownpay=D("1000.00")), [], self_pay.Params())
    assert f.suspected_amount == D("200.00")  # 1000 - 0.10 x 8000
    assert f.evidence == {
        "fulamt_ownpay": "900.00",
        "psn_ownpay": "1000.00",
        "self_pay": "1000.00",
        "total_cost": "8000.00",
        "self_pay_share": "0.1250",
        "max_share": "0.10",
    }


def test_self_pay_near_miss_at_ten_percent_or_a_tiny_bill(claim):
    assert self_pay.evaluate(claim(psn_ownpay=D("800.00")), [], self_pay.Params()) == []
    tiny = claim(fee_by_category={"01": D("500.00")}, fulamt_ownpay=D("0.00"), psn_ownpay=D("90.00"))
    assert self_pay.evaluate(tiny, [], self_pay.Params()) == []


# AUD-QC-SYMPTOM-PRINCIPAL


def test_symptom_principal_fires_when_a_specific_diagnosis_is_coded(claim):
    c = claim(principal_diagnosis="R10.400", other_diagnoses=("Z99.100", "K35.800"))
    [f] = symptom_principal.evaluate(c, [], symptom_principal.Params())
    assert (f.rule_id, f.severity, f.suspected_amount) == ("AUD-QC-SYMPTOM-PRINCIPAL", "low", D("0.00"))
    assert f.evidence == {"principal_diagnosis": "R10.400", "specific_diagnoses": ["K35.800"]}


def test_symptom_principal_near_miss_only_symptoms_and_factors(claim):
    c = claim(principal_diagnosis="R10.400", other_diagnoses=("R50.900", "Z99.100"))
    assert symptom_principal.evaluate(c, [], symptom_principal.Params()) == []
    assert symptom_principal.evaluate(claim(other_diagnoses=("K35.800",)), [], symptom_principal.Params()) == []


def test_evidence_is_json_serialisable(claim):
    [f] = split_admission.evaluate(claim(), [previous_stay(claim, "2025-02-20")], split_admission.Params())
    assert json.loads(json.dumps(f.evidence)) == f.evidence
