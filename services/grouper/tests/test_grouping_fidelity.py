"""Grouping fidelity (issue 13 item 5): the CC-only rule of 1/5 splits, operating-room procedures from the
医保版 ICD-9-CM-3 category file, and QC with the code lists of the region's ICD version.

Every expectation is worked by hand from the published files; line numbers: D = 4_ADRG_DETAIL.txt,
R = 3_DRG.txt, MCC = 5_MCC.txt, CC = 6_CC.txt, CCE = 7_CCE.txt under reference/chs-drg-1.1/, CAT =
icd/icd9cm3-procedure-category.dat, ICD10-1.0/2.0 and ICD9-1.0/2.0 = the 医保版 code lists under icd/.
"""
from __future__ import annotations

import pytest

from yidi_common.regional_config import ConfigError
from yidi_grouper.adapters import grouping_engine
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.dip import load_procedure_kinds
from yidi_grouper.domain.drg import group_case
from yidi_grouper.domain.scheme import SchemeOptions, with_options

from .conftest import make_case, reference_path
from .test_dip_configured import settlement_list
from .test_scheme_versions import config_dir, settings, with_version  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def categories():
    return load_procedure_kinds(reference_path("icd", "icd9cm3-procedure-category.dat"))


def grouped(scheme, diagnoses, procedures=(), **extra):
    result = group_case(make_case(diagnoses, procedures, **extra), scheme)
    return result.drg, result.complication


# --- a. CC-only cases in an ADRG split only into 1 and 5 ---------------------------------------------
# BR1 颅内出血性疾患 (D:4762) holds I61.900x002 脑出血 (D:4865, before BR2 at D:4925); R:30-31 BR11
# 伴严重并发症或合并症 / BR15 不伴并发症或合并症, no BR13. The principal is in 表 7-96 (CCE:12328).
# J18.900 肺炎 is a CC of 表 7-101 (CC:3569), J96.000 急性呼吸衰竭 an MCC of 表 7-109 (MCC:1137): both count.
@pytest.mark.parametrize("others, split, drg, level", [
    ([], "5", "BR15", ""),
    (["J18.900"], "5", "BR15", "CC"),  # CC only: 5 by default
    (["J96.000"], "5", "BR11", "MCC"),
    (["J18.900", "J96.000"], "5", "BR11", "MCC"),
    (["J18.900"], "1", "BR11", "CC"),  # a scheme that says otherwise
    ([], "1", "BR15", ""),
])
def test_cc_only_goes_to_5_unless_the_scheme_says_1(scheme11, others, split, drg, level):
    scheme = with_options(scheme11, SchemeOptions(cc_only_split=split), None)
    assert grouped(scheme, ["I61.900x002", *others], age=70) == (drg, level)


def test_cc_only_in_a_1_3_5_split_still_goes_to_3(scheme11):
    # LR1 肾功能不全 has LR11/LR13/LR15 (R:400-402); J18.900 counts as CC for I12.000x001 (表 7-92)
    for split in ("5", "1"):
        scheme = with_options(scheme11, SchemeOptions(cc_only_split=split), None)
        assert grouped(scheme, ["I12.000x001", "J18.900"], age=70) == ("LR13", "CC")


def test_the_explanation_names_the_setting(scheme11):
    result = group_case(make_case(["I61.900x002", "J18.900"], age=70), with_options(scheme11, SchemeOptions(), None))
    assert "CC without MCC in an ADRG split only into 1 and 5 -> suffix 5" in result.decisions[-1].detail


def test_options_are_validated():
    with pytest.raises(ValueError, match="cc_only_split '3'"):
        SchemeOptions(cc_only_split="3")
    with pytest.raises(ValueError, match="interventional 'maybe'"):
        SchemeOptions(interventional="maybe")


# --- b. operating-room procedures from the category file ---------------------------------------------
def test_99_2802_is_not_an_operating_room_procedure(scheme11, categories):
    # 99.2802 小剂量白介素治疗 is 治疗性操作 (CAT:13499) but listed in QJ1's procedures (D:64610, QJ1 at
    # D:64377), so the old inference made it an OR procedure: R41.000 定向障碍 (MDCX, XR1) + 99.2802 went to
    # XJ1 其他接触健康服务的诊断伴手术室操作 (D:82537 "包含全部手术"). From the category file it is not
    # one: no surgical ADRG, no QY, the medical XR1 -> XR15 (no other diagnosis).
    assert categories["99.2802"] == "治疗性操作"
    assert grouped(with_options(scheme11, SchemeOptions(), categories), ["R41.000"], ["99.2802"], age=30)[0] == "XR15"
    # without the category file the scheme-inferred rule stays (and the engine says so at startup)
    assert grouped(with_options(scheme11, SchemeOptions(), None), ["R41.000"], ["99.2802"], age=30)[0] == "XJ15"


@pytest.mark.parametrize("code, rule, drg", [
    # 00.5500x009 经皮周围动脉药物洗脱支架置入术: 介入治疗 (CAT:94), in FF2's surgical list (D:24323, FF2
    # at D:23882) and FN1's non-OR list (D:25413). For J18.900 肺炎 (MDCE) no E ADRG names it.
    ("00.5500x009", "scheme", "EQY"),  # the scheme operates it as a surgery: OR -> ambiguous
    ("00.5500x009", "or", "EQY"),
    ("00.5500x009", "non_or", "ES35"),  # not OR: the medical ES3 (D:20276 block), no CC -> 5
    # 00.6100 经皮颅外血管成形术: 介入治疗 (CAT:116), in no ADRG list of 1.1
    ("00.6100", "scheme", "ES35"),
    ("00.6100", "or", "EQY"),
    ("00.6100", "non_or", "ES35"),
])
def test_interventional_procedures_as_configured(scheme11, categories, code, rule, drg):
    assert categories[code] == "介入治疗"
    scheme = with_options(scheme11, SchemeOptions(interventional=rule), categories)
    assert grouped(scheme, ["J18.900"], [code], age=50)[0] == drg


def test_a_surgery_in_no_adrg_list_is_still_an_operating_room_procedure(scheme11, categories):
    # 47.0100 腹腔镜阑尾切除术 (手术) in a pneumonia case: EQY as before (test_golden_chs11)
    assert categories["47.0100"] == "手术"
    assert grouped(with_options(scheme11, SchemeOptions(), categories), ["J18.900"], ["47.0100"], age=30)[0] == "EQY"


def test_engine_falls_back_without_the_category_file_and_says_so(config_dir, tmp_path, monkeypatch):  # noqa: F811
    reference = tmp_path / "reference"
    reference.mkdir()
    (reference / "chs-drg-1.1").symlink_to(reference_path("chs-drg-1.1"))
    (reference / "icd").mkdir()
    for file in reference_path("icd").iterdir():
        if file.name != "icd9cm3-procedure-category.dat":
            (reference / "icd" / file.name).symlink_to(file)
    warnings = []
    monkeypatch.setattr(grouping_engine.log, "warning", lambda event, **_: warnings.append(event))
    engine = GroupingEngine.from_settings(settings(config_dir, reference=reference))
    assert any(event.startswith("procedure category file absent") for event in warnings)
    sl = settlement_list("360200", "H36020000001", ["R41.000"], ["99.2802"])
    assert engine.group(sl).drg == "XJ15"
    full = GroupingEngine.from_settings(settings(config_dir))
    assert full.group(sl).drg == "XR15"


# --- c. QC with the code lists of the region's ICD version ---------------------------------------------
# K52.905 急性胃肠炎 is in ICD10-1.0 (line 15578) only (2.0 maps it to A09.901); K58.100 腹泻型肠易激综合征
# in ICD10-2.0 (line 15514) only; 01.2412 硬脑膜外切开引流术 in ICD9-1.0 (line 8268) only; 00.5000x004
# 三腔永久起搏器置入术 in ICD9-2.0 (line 77) only. J18.900 肺炎 is in both. 360100 is put on CHS-DRG 1.0
# (1.0 code lists), 360200 stays on 1.1 (2.0 code lists).
def unknown_codes(engine, region, diagnoses, procedures=()):
    sl = settlement_list(region, f"H{region}00001", diagnoses, procedures)
    return sorted((p.rule, p.message.split()[0]) for p in engine.quality_problems(sl)
                  if p.rule in ("QC-DIAG-UNKNOWN", "QC-OPRN-UNKNOWN", "QC-DIAG-GRAY-PRINCIPAL"))


@pytest.fixture
def versioned_engine(config_dir):  # noqa: F811
    with_version(config_dir, "360100", "CHS-DRG 1.0")
    return GroupingEngine.from_settings(settings(config_dir))


def test_a_1_0_code_is_accepted_in_a_1_0_region_and_rejected_in_a_2_0_region(versioned_engine):
    assert unknown_codes(versioned_engine, "360100", ["J18.900", "K52.905"], ["01.2412"]) == []
    assert unknown_codes(versioned_engine, "360200", ["J18.900", "K52.905"], ["01.2412"]) == [
        ("QC-DIAG-UNKNOWN", "K52.905"), ("QC-OPRN-UNKNOWN", "01.2412")]
    # the 1.0→2.0 crosswalks name their 2.0 codes: K52.905 -> A09.901 (icd10-chs-1.0-to-2.0.dat line 33275),
    # 01.2412 -> 01.2402 (icd9cm3-chs-1.0-to-2.0.dat line 12918)
    sl = settlement_list("360200", "H36020000001", ["J18.900", "K52.905"], ["01.2412"])
    messages = [p.message for p in versioned_engine.quality_problems(sl) if p.rule.endswith("-UNKNOWN")]
    assert messages == ["K52.905 is not in 医保版 ICD-10 2.0 (医保版 2.0 code: A09.901)",
                        "01.2412 is not in 医保版 ICD-9-CM-3 2.0 (医保版 2.0 code: 01.2402)"]


def test_a_2_0_code_is_accepted_in_a_2_0_region_and_rejected_in_a_1_0_region(versioned_engine):
    assert unknown_codes(versioned_engine, "360200", ["J18.900", "K58.100"], ["00.5000x004"]) == []
    problems = unknown_codes(versioned_engine, "360100", ["J18.900", "K58.100"], ["00.5000x004"])
    assert problems == [("QC-DIAG-UNKNOWN", "K58.100"), ("QC-OPRN-UNKNOWN", "00.5000x004")]
    sl = settlement_list("360100", "H36010000001", ["J18.900", "K58.100"])
    [message] = [p.message for p in versioned_engine.quality_problems(sl) if p.rule == "QC-DIAG-UNKNOWN"]
    assert message == "K58.100 is not in 医保版 ICD-10 1.0"


def test_gray_codes_are_a_2_0_rule(versioned_engine):
    # A00.000 霍乱 heads ICD10-2.0 gray (icd10-chs-2.0-gray.dat line 1): not a principal under 2.0; 1.0 has
    # no gray list
    assert unknown_codes(versioned_engine, "360200", ["A00.000"]) == [("QC-DIAG-GRAY-PRINCIPAL", "A00.000")]
    assert unknown_codes(versioned_engine, "360100", ["A00.000"]) == []


def test_the_icd_version_is_a_scheme_setting(config_dir):  # noqa: F811
    engine = GroupingEngine.from_settings(settings(config_dir, yidi_scheme_options={"CHS-DRG 1.1": {"icd_version": "1.0"}}))
    assert unknown_codes(engine, "360200", ["J18.900", "K52.905"]) == []
    with pytest.raises(ConfigError, match="CHS-DRG 1.1: cc_only_split '2'"):
        GroupingEngine.from_settings(settings(config_dir, yidi_scheme_options={"CHS-DRG 1.1": {"cc_only_split": "2"}}))
    with pytest.raises(ConfigError, match=r"region 360100 year 2026 \(CHS-DRG 1.1\).*icd10-chs-9.9.dat"):
        GroupingEngine.from_settings(settings(config_dir, yidi_scheme_options={"CHS-DRG 1.1": {"icd_version": "9.9"}}))


def test_the_engine_groups_each_region_with_its_scheme_settings(config_dir):  # noqa: F811
    sl = settlement_list("360200", "H36020000001", ["I61.900x002", "J18.900"])
    assert GroupingEngine.from_settings(settings(config_dir)).group(sl).drg == "BR15"
    one = GroupingEngine.from_settings(settings(config_dir, yidi_scheme_options={"CHS-DRG 1.1": {"cc_only_split": "1"}}))
    assert one.group(sl).drg == "BR11"
