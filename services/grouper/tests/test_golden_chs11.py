"""Golden cases for CHS-DRG 1.1, each checked by hand against the scheme text.

Line numbers: D = 4_ADRG_DETAIL.txt, R = 3_DRG.txt, MCC = 5_MCC.txt, CC = 6_CC.txt,
CCE = 7_CCE.txt, all under reference/chs-drg-1.1/.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from yidi_grouper.domain.dip import load_procedure_kinds
from yidi_grouper.domain.drg import GroupingInput, group_case
from yidi_grouper.domain.scheme import SchemeOptions, with_options

from .conftest import make_case, reference_path

G, QY, U = "grouped", "ambiguous", "ungroupable"

GOLDEN = [
    # --- MDCA (pre-MDC) ---------------------------------------------------------------------
    # D:2-4 AA1 心脏移植 "包含以下主要手术或操作" 37.5100; R:1 AA19 not split.
    ("AA1 heart transplant", dict(diagnoses=["I42.000"], procedures=["37.5100"]), ("MDCA", "AA1", "AA19", G)),
    # D:14-21 AC1 "同时包含以下手术" 52.8000 (D:16) "和" 55.6901 (D:21): both present -> AC1,
    # which the text lists before AE1 (kidney alone); R:3 AC19.
    ("AC1 pancreas+kidney", dict(diagnoses=["E10.200"], procedures=["55.6901", "52.8000"]), ("MDCA", "AC1", "AC19", G)),
    # D:28-30 AE1 肾移植, main procedure 55.6901 alone.
    ("AE1 kidney", dict(diagnoses=["N18.500"], procedures=["55.6901"]), ("MDCA", "AE1", "AE19", G)),
    # D:51 AH1 "有创呼吸机支持≥96 小时": 120 ventilator hours qualify without a procedure code;
    # no other diagnosis -> R:10 AH15.
    ("AH1 ventilator 120h", dict(diagnoses=["J18.900"], ventilator_hours=120), ("MDCA", "AH1", "AH15", G)),
    # 95 h is below the threshold: no pre-MDC; J18.900 肺炎 is in ES3 (D:20276 block) -> ES35.
    ("ventilator 95h is not AH1", dict(diagnoses=["J18.900"], ventilator_hours=95), ("MDCE", "ES3", "ES35", G)),
    # D:54 39.6500 ECMO is an AH1 main procedure; J96.000 急性呼吸衰竭 is MCC 表 7-109 (MCC:1137),
    # J18.900 is in table 7-101 so nothing excludes it -> R:9 AH11.
    ("AH1 ECMO with MCC", dict(diagnoses=["J18.900", "J96.000"], procedures=["39.6500"]), ("MDCA", "AH1", "AH11", G)),
    # --- MDCP (newborns, by age in days) -----------------------------------------------------
    # D:62769-62771 PR1 新生儿呼吸窘迫综合征, principal P22.000, 3 days old -> R:465 PR15.
    ("PR1 newborn RDS", dict(diagnoses=["P22.000"], age=0, age_days=3, birth_weight=3000), ("MDCP", "PR1", "PR15", G)),
    # D:62777-62779 PS1 "主要诊断或其他诊断中包含" P07.200, name: 出生体重＜1500g; 1200 g -> R:468 PS15.
    ("PS1 birth weight 1200g", dict(diagnoses=["P07.200"], gender="2", age=0, age_days=5, birth_weight=1200),
     ("MDCP", "PS1", "PS15", G)),
    # D:62786 PS2 (1500-1999g) via the OTHER diagnosis P07.300; P07.300 is a CC (CC:4719, 表 7-163) and
    # the principal P59.901 is in 表 7-167 (CCE:21248), so it counts: a CC, no MCC. PS2 has only DRGs
    # 1 伴严重并发症或合并症 and 5 (R:469-470): a CC-only case goes to 5 (cc_only_split default, issue 13).
    ("PS2 via other diagnosis", dict(diagnoses=["P59.901", "P07.300"], gender="2", age=0, age_days=5, birth_weight=1700),
     ("MDCP", "PS2", "PS25", G)),
    # D:62813 PU1 足月儿相关疾患 holds P59.901 (D:63098); newborn 5 days, 3200 g -> PU15.
    ("PU1 term newborn", dict(diagnoses=["P59.901"], gender="2", age=0, age_days=5, birth_weight=3200),
     ("MDCP", "PU1", "PU15", G)),
    # D:63279 PV1 "29 天≤出生年龄＜1 周岁", P59.901 at D:63555; 60 days old -> R:477 PV15.
    ("PV1 infant 60 days", dict(diagnoses=["P59.901"], gender="2", age=0, age_days=60), ("MDCP", "PV1", "PV15", G)),
    # P59.901 is only in the MDCP list (D:61108); a 2-year-old cannot enter MDCP -> 0000.
    ("newborn code at 2 years", dict(diagnoses=["P59.901"], gender="2", age=2), ("", "", "0000", U)),
    # --- MDCY (HIV) ----------------------------------------------------------------------------
    # D:83766 MDCY 主诊表 B20.003; D:83848-83853 YR1 HIV 相关疾患 -> R:619 YR15.
    ("MDCY HIV", dict(diagnoses=["B20.003"], age=35), ("MDCY", "YR1", "YR15", G)),
    # --- MDCZ (multiple trauma) ---------------------------------------------------------------
    # D:83958 S06.500 under 头颈部创伤, D:84214 S36.101 under 腹部创伤: two regions, no procedure
    # -> ZZ1 (D:90118 "符合 MDCZ 主诊表，且无手术"); S36.101 is an MCC outside S06.500's table -> ZZ11.
    ("MDCZ two regions", dict(diagnoses=["S06.500", "S36.101"], age=35), ("MDCZ", "ZZ1", "ZZ11", G)),
    # One region only: not MDCZ; S06.500 is also in the MDCB list (D:2911) and in BY1 (D:7293).
    ("trauma in one region", dict(diagnoses=["S06.500"], age=35), ("MDCB", "BY1", "BY15", G)),
    # --- one medical case per regular MDC: principal in the MDC list (first line) and in the ADRG
    # block (second line), no other diagnosis -> suffix 5, or 9 when the ADRG is not split.
    ("MDCB BR1", dict(diagnoses=["G91.000x002"], age=70), ("MDCB", "BR1", "BR15", G)),  # D:1985, D:4764
    ("MDCC CR1", dict(diagnoses=["C43.100x001"], age=70), ("MDCC", "CR1", "CR19", G)),  # D:7985, D:10088
    ("MDCD DR1", dict(diagnoses=["C41.000x019"], age=70), ("MDCD", "DR1", "DR19", G)),  # D:11948, D:15933
    ("MDCE ER1", dict(diagnoses=["C33.x00"], age=70), ("MDCE", "ER1", "ER15", G)),  # D:18435, D:19797
    ("MDCF FR1", dict(diagnoses=["I21.003"], age=70), ("MDCF", "FR1", "FR19", G)),  # D:21300, D:25736
    ("MDCG GR1", dict(diagnoses=["C15.000"], age=70), ("MDCG", "GR1", "GR15", G)),  # D:27943, D:30683
    ("MDCH HR1", dict(diagnoses=["C22.000"], age=70), ("MDCH", "HR1", "HR19", G)),  # D:32439, D:33731
    ("MDCI IR1", dict(diagnoses=["M84.000x052"], age=70), ("MDCI", "IR1", "IR19", G)),  # D:36347, D:40541
    ("MDCJ JR1", dict(diagnoses=["C43.501"], age=70), ("MDCJ", "JR1", "JR19", G)),  # D:44346, D:46663
    ("MDCK KR1", dict(diagnoses=["C48.000x002"], age=70), ("MDCK", "KR1", "KR19", G)),  # D:48325, D:49769
    ("MDCL LR1", dict(diagnoses=["I12.000x001"], age=70), ("MDCL", "LR1", "LR15", G)),  # D:51002, D:52440
    ("MDCM MR1", dict(diagnoses=["D40.700x003"], age=70), ("MDCM", "MR1", "MR15", G)),  # D:53425, D:54175
    ("MDCN NR1", dict(diagnoses=["C48.100x006"], gender="2", age=60), ("MDCN", "NR1", "NR15", G)),  # D:54554, D:56391
    ("MDCO OR1", dict(diagnoses=["Z37.000"], gender="2", age=28), ("MDCO", "OR1", "OR19", G)),  # D:58502, D:59454
    ("MDCQ QR1", dict(diagnoses=["C26.100"], age=70), ("MDCQ", "QR1", "QR15", G)),  # D:63732, D:64624
    ("MDCS SR1", dict(diagnoses=["A01.003"], age=70), ("MDCS", "SR1", "SR15", G)),  # D:70719, D:71637
    ("MDCT TR1", dict(diagnoses=["F20.000"], age=30), ("MDCT", "TR1", "TR19", G)),  # D:72677, D:73201
    ("MDCU UR1", dict(diagnoses=["F10.000"], age=30), ("MDCU", "UR1", "UR15", G)),  # D:73839, D:73996
    ("MDCV VR1", dict(diagnoses=["S00.102"], age=30), ("MDCV", "VR1", "VR19", G)),  # D:74223, D:79040
    ("MDCW WZ1", dict(diagnoses=["T20.000"], age=30), ("MDCW", "WZ1", "WZ15", G)),  # D:80216, D:80987
    ("MDCX XR1", dict(diagnoses=["R41.000"], age=30), ("MDCX", "XR1", "XR15", G)),  # D:81504, D:82541
    # --- surgical and non-OR rules --------------------------------------------------------------
    # D:25302-25304 FM1 经皮冠状动脉支架植入 main procedure 36.0601 (non-OR K-Q part) -> FM19.
    ("FM1 coronary stent", dict(diagnoses=["I21.003"], procedures=["36.0601"], age=70), ("MDCF", "FM1", "FM19", G)),
    # D:30009-30017 GD1 needs principal (K35.200, D:30012) AND main procedure (47.0100, D:30017).
    ("GD1 principal+procedure", dict(diagnoses=["K35.200"], procedures=["47.0100"], age=30), ("MDCG", "GD1", "GD15", G)),
    # K35.800x001 is not in GD1's principal list, so the same procedure gives GD2 (D:30027).
    ("GD2 procedure only", dict(diagnoses=["K35.800x001"], procedures=["47.0100"], age=30), ("MDCG", "GD2", "GD25", G)),
    # D:45963-46021 JA2 "包含以下主要诊断+手术表 1": C50.900 (D:45983) + 85.4600 (手术表 1).
    ("JA2 diagnosis+table 1", dict(diagnoses=["C50.900"], procedures=["85.4600"], gender="2"), ("MDCJ", "JA2", "JA29", G)),
    # "或包含以下主要诊断+手术表 2+手术表 3": 85.4100x001 (手术表 2) + 40.2300 (手术表 3).
    ("JA2 diagnosis+tables 2,3", dict(diagnoses=["C50.900"], procedures=["85.4100x001", "40.2300"], gender="2"),
     ("MDCJ", "JA2", "JA29", G)),
    # 手术表 2 alone completes no JA2 combination; 85.4100x001 is a JB2 乳腺切除手术 main procedure.
    ("JA2 incomplete -> JB2", dict(diagnoses=["C50.900"], procedures=["85.4100x001"], gender="2"),
     ("MDCJ", "JB2", "JB29", G)),
    # D:23865-23872 FF1 main 38.5901; FF2 (D:23882) "同时包含" 38.5901 (D:23985) and 00.5500x009
    # (after 和, D:24320-24323). FF2 refines FF1, so with both procedures FF2 wins.
    ("FF1 saphenous", dict(diagnoses=["I83.901"], procedures=["38.5901"], age=60), ("MDCF", "FF1", "FF19", G)),
    ("FF2 with intervention", dict(diagnoses=["I83.901"], procedures=["38.5901", "00.5500x009"], age=60),
     ("MDCF", "FF2", "FF25", G)),
    # --- ambiguous (QY) --------------------------------------------------------------------------
    # J18.900 (MDCE) with appendectomy 47.0100, an operating-room procedure of MDCG (D:30017),
    # fits no surgical ADRG of MDCE -> EQY.
    ("QY appendectomy in pneumonia", dict(diagnoses=["J18.900"], procedures=["47.0100"], age=30), ("MDCE", "EQY", "EQY", QY)),
    # --- sex-specific MDCs -----------------------------------------------------------------------
    # I86.200 盆腔静脉曲张 is in both the MDCM and MDCN lists: the patient's sex chooses.
    ("MDCM/N code, male", dict(diagnoses=["I86.200"], age=40), ("MDCM", "MZ1", "MZ19", G)),
    ("MDCM/N code, female", dict(diagnoses=["I86.200"], gender="2", age=40), ("MDCN", "NZ1", "NZ19", G)),
    # --- 0000 ----------------------------------------------------------------------------------
    ("delivery code for a man", dict(diagnoses=["Z37.000"], age=28), ("", "", "0000", U)),
    ("principal missing", dict(diagnoses=[]), ("", "", "0000", U)),
    ("principal not in any list", dict(diagnoses=["Q99.999x999"]), ("", "", "0000", U)),
    # --- normalisation: dagger/asterisk suffix is dropped (A17.000+G01* 结核性脑膜炎, MDCB BT2) ----
    ("dagger code", dict(diagnoses=["A17.000+G01*"], age=30), ("MDCB", "BT2", "BT25", G)),
    ("full-width and lower case", dict(diagnoses=["ａ17.000"], age=30), ("MDCB", "BT2", "BT25", G)),
]


@pytest.mark.parametrize("name,fields,expected", GOLDEN, ids=[g[0] for g in GOLDEN])
def test_golden(scheme11, name, fields, expected):
    fields = dict(fields)
    result = group_case(make_case(fields.pop("diagnoses"), fields.pop("procedures", ()), **fields), scheme11)
    assert (result.mdc, result.adrg, result.drg, result.status) == expected, result.reasons


# LR1 肾功能不全 (D:52438), principal I12.000x001 is in 表 7-92 (CCE:11556, 11580); R:400-402.
@pytest.mark.parametrize("other,drg,level", [
    ([], "LR15", ""),
    (["J96.000"], "LR11", "MCC"),  # MCC:1137 表 7-109, not the principal's table -> counts
    (["J18.900"], "LR13", "CC"),  # CC:3569 表 7-101 -> counts
    (["I12.000"], "LR15", ""),  # MCC:931 表 7-92 = the principal's table -> excluded
    (["I12.000", "J18.900"], "LR13", "CC"),  # the excluded MCC does not hide the CC
])
def test_complication_split_and_exclusion(scheme11, other, drg, level):
    result = group_case(make_case(["I12.000x001", *other], age=70), scheme11)
    assert (result.drg, result.complication) == (drg, level)
    if "I12.000" in other:
        assert result.excluded == (("I12.000", "表7-92"),)
        assert any("excluded" in reason and "表7-92" in reason for reason in result.reasons)


def test_explanation_names_rule_and_codes(scheme11):
    result = group_case(make_case(["K35.200", "J96.000"], ["47.0100"], age=30), scheme11)
    steps = [d.step for d in result.decisions]
    assert steps == ["mdc", "adrg", "complication", "drg"]
    assert "principal K35.200" in result.decisions[1].detail and "main procedure 47.0100" in result.decisions[1].detail
    assert result.decisions[2].code == "J96.000" and "MCC" in result.decisions[2].detail
    assert result.drg == "GD13"  # R:GD13/GD15 only: an MCC takes the "3" DRG


def test_ungroupable_reason_says_why(scheme11):
    result = group_case(make_case(["Z37.000"], age=28), scheme11)
    assert "female" in result.reasons[-1]
    result = group_case(make_case(["P59.901"], gender="2", age=2), scheme11)
    assert "newborn" in result.reasons[-1]


# --- the golden file: cases derived from the published files by golden/derive_chs11.py (no grouper code) ------
GOLDEN_FILE = Path(__file__).parent / "golden" / "chs11_cases.jsonl"


def golden_file_cases() -> list[dict]:
    return [json.loads(line) for line in GOLDEN_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_golden_file_covers_every_mdc_with_300_cases_each_with_its_reason():
    cases = golden_file_cases()
    assert len(cases) >= 300
    assert {case["expected"]["mdc"] for case in cases} >= {f"MDC{letter}" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    assert all(case["reason"] for case in cases)


def test_the_golden_file_against_the_published_scheme(scheme11):
    """Grouped as the grouper is configured by default (SchemeOptions(), the procedure category file)."""
    categories = load_procedure_kinds(reference_path("icd", "icd9cm3-procedure-category.dat"))
    scheme = with_options(scheme11, SchemeOptions(), categories)
    wrong = []
    for case in golden_file_cases():
        result = group_case(GroupingInput.from_dict({"id": case["id"], **case["case"]}), scheme)
        got = {"mdc": result.mdc, "adrg": result.adrg, "drg": result.drg, "status": result.status}
        if got != case["expected"]:
            wrong.append(f"{case['id']}: expected {case['expected']}, got {got} ({case['reason']}; grouper: {result.reasons})")
    assert not wrong, f"{len(wrong)} of {len(golden_file_cases())} differ:\n" + "\n".join(wrong[:20])
