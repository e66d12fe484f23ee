from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from yidi_common.settlement_list import (
    Diagnosis, FeeItem, FundPayment, PayInfo, Procedure, SetlInfo, SettlementList,
)
from yidi_grouper.domain.drg import GroupingInput
from yidi_grouper.domain.qc import CodeTables, run_qc

from .conftest import reference_path


def make_list(diagnoses=("K35.800x001",), procedures=("47.0100",), gender="1", age=30, age_days=None, birth_weight=None,
              los=3, items=None, funds=(("310100", "700.00"),), selfpay="300.00", ownpay="0", insured="360100",
              cross_province=False) -> SettlementList:
    info = SetlInfo(
        setl_id="S1", fixmedins_code="H1", psn_no="P1", certno="360102199001011234", psn_name="张三", gend=gender,
        brdy="1990-01-01", age=age, nwb_age_days=age_days, nwb_bir_wt=birth_weight, insutype="310",
        insu_admdvs=insured, treat_admdvs="360700", adm_time=datetime(2025, 3, 1, 9), dscg_time=datetime(2025, 3, 4, 10),
        act_ipt_days=los, dscg_way="1", setl_period="2025-03", cross_province=cross_province,
    )
    return SettlementList(
        setlinfo=info,
        diseinfo=[Diagnosis(diag_code=code, maindiag_flag=i == 0) for i, code in enumerate(diagnoses)],
        oprninfo=[Procedure(oprn_code=code, main_oprn_flag=i == 0) for i, code in enumerate(procedures)],
        iteminfo=items or [FeeItem(med_chrgitm_type="06", amt=Decimal("600")), FeeItem(med_chrgitm_type="09", amt=Decimal("400"))],
        payinfo=PayInfo(funds=[FundPayment(fund_pay_type=t, fund_payamt=Decimal(a)) for t, a in funds],
                        psn_selfpay=Decimal(selfpay), psn_ownpay=Decimal(ownpay)),
    )


@pytest.fixture(scope="module")
def codes():
    return CodeTables.load(reference_path("icd"), version="2.0")


def rules(errors):
    return sorted((e.field, e.rule) for e in errors)


def test_clean_list_passes(codes):
    assert run_qc(make_list(), codes) == []
    assert run_qc(make_list()) == []


def test_every_error_is_listed(codes):
    sl = make_list(
        diagnoses=("A00.000", "O80.000", "N40.x00", "BOGUS.1"),  # A00.000 is a 2.0 gray code
        procedures=("99.9999x999",),
        los=9,
        items=[FeeItem(med_chrgitm_type="06", amt=Decimal("600"), claa_sumfee=Decimal("100")),
               FeeItem(med_chrgitm_type="09", amt=Decimal("400"))],
        selfpay="200.00",
    )
    assert rules(run_qc(sl, codes)) == sorted([
        ("diseinfo[0].diag_code", "QC-DIAG-GRAY-PRINCIPAL"),
        ("diseinfo[1].diag_code", "QC-SEX-FEMALE-CODE"),
        ("diseinfo[3].diag_code", "QC-DIAG-UNKNOWN"),
        ("oprninfo[0].oprn_code", "QC-OPRN-UNKNOWN"),
        ("setlinfo.act_ipt_days", "QC-LOS-DATES"),
        ("iteminfo[0].amt", "QC-FEE-ITEM-SPLIT"),
        ("payinfo", "QC-PAY-BALANCE"),
    ])


def test_male_code_for_a_woman_and_newborn_rules():
    errors = run_qc(make_list(diagnoses=("N40.x00", "P59.901"), gender="2", age=40))
    assert rules(errors) == [("diseinfo[0].diag_code", "QC-SEX-MALE-CODE"), ("diseinfo[1].diag_code", "QC-AGE-NEWBORN-CODE")]
    newborn = make_list(diagnoses=("P59.901",), age=0, age_days=3, birth_weight=None)
    assert rules(run_qc(newborn)) == [("setlinfo.nwb_bir_wt", "QC-NEWBORN-WEIGHT-MISSING")]
    assert run_qc(make_list(diagnoses=("P59.901",), age=0, age_days=100)) == []  # PV1 infants
    assert rules(run_qc(make_list(diagnoses=("P59.901",), age=0, age_days=100), newborn_max_days=29)) == [
        ("diseinfo[0].diag_code", "QC-AGE-NEWBORN-CODE")]


def test_missing_age_days_and_dagger_codes(codes):
    assert rules(run_qc(make_list(diagnoses=("J18.900",), age=0))) == [("setlinfo.nwb_age_days", "QC-AGE-DAYS-MISSING")]
    assert run_qc(make_list(diagnoses=("A01.000x005+J17.0*",)), codes) == []


def test_error_messages_name_the_code(codes):
    errors = run_qc(make_list(diagnoses=("BOGUS.1",)), codes)
    assert errors[0].message.startswith("BOGUS.1") and "2.0" in errors[0].message


def test_grouping_input_from_settlement_list():
    case = GroupingInput.from_settlement_list(make_list(diagnoses=("K35.800x001", "E11.900"), procedures=("47.0100", "99.0400")))
    assert (case.id, case.gender, case.age, case.los, case.discharge_way) == ("S1", "1", 30, 3, "1")
    assert case.diagnoses == ("K35.800x001", "E11.900") and case.procedures == ("47.0100", "99.0400")


# Treated in 赣州 (360700, Jiangxi 36): the flag must say what the insured region's province prefix says.
@pytest.mark.parametrize("insured, cross_province", [
    ("360700", False),  # local
    ("360100", False),  # 南昌: cross-region, same prefix 36
    ("440100", True),  # 广州: prefix 44, cross-province
])
def test_a_flag_agreeing_with_the_codes_passes(insured, cross_province):
    assert run_qc(make_list(insured=insured, cross_province=cross_province)) == []


@pytest.mark.parametrize("insured, cross_province, message", [
    ("360100", True, "cross_province is true (insured in another province) but insu_admdvs 360100 is in province "
                     "360000, the treatment region's (treat_admdvs 360700)"),
    ("360700", True, "cross_province is true (insured in another province) but insu_admdvs 360700 is in province "
                     "360000, the treatment region's (treat_admdvs 360700)"),
    ("440100", False, "cross_province is false (insured in this province) but insu_admdvs 440100 is in province "
                      "440000, not the treatment region's 360000 (treat_admdvs 360700)"),
])
def test_a_cross_province_flag_contradicting_the_codes_is_named_on_both_fields(insured, cross_province, message):
    errors = run_qc(make_list(insured=insured, cross_province=cross_province))
    assert [(e.field, e.rule, e.message) for e in errors] == [
        ("setlinfo.cross_province", "QC-CROSS-PROVINCE-FLAG", message),
        ("setlinfo.insu_admdvs", "QC-CROSS-PROVINCE-FLAG", message),
    ]
