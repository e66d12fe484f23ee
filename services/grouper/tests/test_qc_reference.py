"""QC against the regional configuration: lists pricing could not price are rejected at the grouper."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from yidi_common.regional_config import load_config
from yidi_common.settlement_list import Diagnosis, FeeItem, FundPayment, PayInfo, SetlInfo, SettlementList
from yidi_grouper.domain.qc import reference_problems

from .conftest import REPO_ROOT


@pytest.fixture(scope="module")
def config():
    return load_config(REPO_ROOT / "demo" / "config")


def make_list(*, hospital="H36070000002", treat="360700", insured="360100", period="2026-10", insutype="310",
              cross_province=False) -> SettlementList:
    info = SetlInfo(
        setl_id="S1", fixmedins_code=hospital, psn_no="P1", certno="360102199001011234", psn_name="张三", gend="1",
        brdy="1960-01-01", age=66, insutype=insutype, insu_admdvs=insured, treat_admdvs=treat,
        adm_time=datetime(2026, 10, 1, 9), dscg_time=datetime(2026, 10, 6, 10), act_ipt_days=5, dscg_way="1",
        setl_period=period, cross_province=cross_province,
    )
    return SettlementList(setlinfo=info, diseinfo=[Diagnosis(diag_code="I63.900", maindiag_flag=True)],
                          iteminfo=[FeeItem(med_chrgitm_type="06", amt=Decimal("1000"))],
                          payinfo=PayInfo(funds=[FundPayment(fund_pay_type="310100", fund_payamt=Decimal("700"))],
                                          psn_selfpay=Decimal("300")))


def found(errors) -> list[tuple[str, str]]:
    return [(e.field, e.rule) for e in errors]


def test_a_configured_hospital_in_its_region_and_year_passes(config):
    assert reference_problems(make_list(), config) == []
    assert reference_problems(make_list(insured="360700", insutype="390"), config) == []


def test_each_missing_piece_is_named(config):
    assert found(reference_problems(make_list(hospital="H99999999999"), config)) == [
        ("setlinfo.fixmedins_code", "QC-HOSPITAL-UNKNOWN")]
    assert found(reference_problems(make_list(treat="360100"), config)) == [
        ("setlinfo.treat_admdvs", "QC-HOSPITAL-REGION")]
    errors = reference_problems(make_list(period="2027-01"), config)
    assert found(errors) == [("setlinfo.setl_period", "QC-REGION-YEAR-UNCONFIGURED")]
    assert errors[0].message == "treatment region 360700 has no configuration for 2027"


def test_a_region_without_the_cases_pool_rejects_it_unless_paid_outside_the_pools(config):
    region = config.region_years["360700-2026"]
    without_resident_pools = region.model_copy(update={"pools": {k: p for k, p in region.pools.items() if "390" not in k}})
    narrowed = config.model_copy(update={"region_years": {**config.region_years, "360700-2026": without_resident_pools}})
    assert found(reference_problems(make_list(insutype="390"), narrowed)) == [("setlinfo.insutype", "QC-POOL-MISSING")]
    assert reference_problems(make_list(insutype="310"), narrowed) == []
    # insured in 广州 (44), treated in 赣州 (36): cross-province, paid per item
    assert reference_problems(make_list(insutype="390", insured="440100", cross_province=True), narrowed) == []


def test_the_pool_is_the_local_or_the_cross_region_one_as_the_insured_region_says():
    config = load_config(REPO_ROOT / "demo" / "config-transition")  # separate local / cross pools
    region = config.region_years["360700-2026"]
    only_local = region.model_copy(update={"pools": {k: p for k, p in region.pools.items() if k.endswith("-local")}})
    narrowed = config.model_copy(update={"region_years": {**config.region_years, "360700-2026": only_local}})
    assert reference_problems(make_list(insured="360700"), narrowed) == []  # insured where treated: local
    errors = reference_problems(make_list(insured="360100"), narrowed)  # insured in 南昌, treated in 赣州
    assert found(errors) == [("setlinfo.insutype", "QC-POOL-MISSING")]
    assert errors[0].message == "treatment region 360700 has no pool 360700-2026-DRG-310-cross in 2026"


def test_the_treatment_region_must_be_in_the_configured_province(config):
    assert config.province == "360000"
    errors = reference_problems(make_list(), config.model_copy(update={"province": "440000"}))
    assert [(e.field, e.rule, e.message) for e in errors] == [
        ("setlinfo.treat_admdvs", "QC-TREATMENT-PROVINCE",
         "treat_admdvs 360700 is not in the configured province 440000")]
    # a hospital configured in 赣州 whose list says 广州: no region-year or pool of Jiangxi is looked up for 440100
    assert found(reference_problems(make_list(treat="440100"), config)) == [
        ("setlinfo.treat_admdvs", "QC-TREATMENT-PROVINCE"), ("setlinfo.treat_admdvs", "QC-HOSPITAL-REGION")]
