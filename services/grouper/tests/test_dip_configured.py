"""DIP against a region's configured catalogue (group_dip_configured) and the engine's DRG/DIP choice."""
from __future__ import annotations

from decimal import Decimal

import pytest

from yidi_common.config_provider import ConfigProvider
from yidi_common.regional_config import DipCatalogue, DipType, load_config
from yidi_common.settlement_list import SettlementList
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.dip import build_catalogue, chapter_key, group_dip, group_dip_configured, icd10_chapter
from yidi_grouper.domain.scheme import load_scheme

from .conftest import DEMO_SCHEME_DIR, REPO_ROOT, make_case, reference_path

KINDS = {"51.2300": "手术", "87.5401": "诊断性操作", "99.2501": "治疗性操作", "00.6600": "介入治疗"}


def entry(code: str, score: str, mean: str) -> DipType:
    return DipType(code=code, name=code, score=Decimal(score), mean_cost=Decimal(mean))


TYPES = {t.code: t for t in (
    entry("K80.1:51.2300", "1500", "15000"),
    entry("K80.1:保守", "400", "4000"),
    entry("K80:手术", "1200", "12000"),
    entry("K00-K93:诊断性操作", "700", "7000"),
    entry("I00-I99:介入治疗", "4000", "40000"),
)}


@pytest.mark.parametrize("code, chapter", [
    ("A01.000x005", "A00-B99"), ("B99", "A00-B99"), ("D48.900", "C00-D48"), ("D50.000", "D50-D89"),
    ("H59.800", "H00-H59"), ("H60.000", "H60-H95"), ("K80.100x001", "K00-K93"), ("K95.000", "K00-K93"),
    ("T98.300", "S00-T98"), ("U07.100", "U00-U85"), ("Z51.100+C34.9", "Z00-Z99"), ("00.6600", None),
])
def test_icd10_chapter(code, chapter):
    assert icd10_chapter(code) == chapter


def test_core_type_first():
    r = group_dip_configured(make_case(["K80.100x001", "I10.x00"], ["51.2300"], id="c1"), TYPES, KINDS)
    assert (r.id, r.type_code, r.kind, r.score) == ("c1", "K80.1:51.2300", "core", Decimal("1500"))
    assert r.explanation[0].startswith("core type K80.1:51.2300")
    conservative = group_dip_configured(make_case(["K80.101"]), TYPES, KINDS)
    assert (conservative.type_code, conservative.kind) == ("K80.1:保守", "core")


def test_comprehensive_by_category_then_chapter():
    # two procedures: no core type for the pair; the most invasive kind (手术) picks the category type
    r = group_dip_configured(make_case(["K80.100x001"], ["87.5401", "51.2300"]), TYPES, KINDS)
    assert (r.type_code, r.kind, r.score) == ("K80:手术", "comprehensive", Decimal("1200"))
    assert "no core type K80.1:51.2300+87.5401" in r.explanation[0]
    assert "by category K80 + procedure kind 手术" in r.explanation[0]
    # no K81 category type: the digestive chapter's type for the kind
    r = group_dip_configured(make_case(["K81.000"], ["87.5401"]), TYPES, KINDS)
    assert (r.type_code, r.kind) == ("K00-K93:诊断性操作", "comprehensive")
    assert "by chapter K00-K93" in r.explanation[0]
    r = group_dip_configured(make_case(["I21.000"], ["00.6600"]), TYPES, KINDS)
    assert r.type_code == "I00-I99:介入治疗"


def test_no_type_fits_says_why():
    r = group_dip_configured(make_case(["J18.900"]), TYPES, KINDS)
    assert (r.type_code, r.kind, r.score) == ("", "", Decimal(0))
    assert "no core type J18.9:保守 and no comprehensive type J18:保守 or J00-J99:保守" in r.explanation[0]
    # a procedure the kind file does not list counts as 治疗性操作, and the explanation says so
    r = group_dip_configured(make_case(["K80.100x001"], ["99.9999"]), TYPES, KINDS)
    assert r.type_code == "" and "99.9999 治疗性操作 (not listed)" in r.explanation[0]
    assert group_dip_configured(make_case([]), TYPES, KINDS).explanation == ("principal diagnosis missing",)


def test_build_catalogue_rolls_thin_categories_up_to_chapters():
    history = [(make_case(["K80.100"], ["51.2300", "87.5401"]), Decimal("10000"))] * 3
    history += [(make_case(["K81.000"], ["51.2300"]), Decimal("7000"))]
    history += [(make_case(["K82.000"], ["51.2300"]), Decimal("9000"))]
    catalogue = build_catalogue(history, KINDS, min_cases=15, min_category_cases=2)
    assert set(catalogue.types) == {"K80:手术", "K00-K93:手术"}
    chapter = catalogue.types["K00-K93:手术"]
    assert (chapter.kind, chapter.cases, chapter.mean_cost) == ("comprehensive", 2, Decimal("8000.00"))
    assert chapter_key("K81.000", ["51.2300"], KINDS) == ("K00-K93", "手术")
    r = group_dip(make_case(["K83.000"], ["51.2300"]), catalogue)
    assert r.type_code == "K00-K93:手术" and "chapter K00-K93" in r.explanation[0]


# ------------------------------------------------------------------ engine: DRG or DIP per region


def settlement_list(region: str, hospital: str, diagnoses, procedures=(), period: str = "2026-10") -> SettlementList:
    return SettlementList.model_validate({
        "setlinfo": {
            "setl_id": "T0001", "fixmedins_code": hospital, "psn_no": f"{region}0001", "certno": f"{region}19700101001X",
            "psn_name": "患者", "gend": "1", "brdy": "1970-01-01", "age": 56, "insutype": "310",
            "insu_admdvs": region, "treat_admdvs": region, "adm_time": f"{period}-01T08:00:00",
            "dscg_time": f"{period}-06T09:00:00", "act_ipt_days": 5, "dscg_way": "1", "setl_period": period,
        },
        "diseinfo": [{"diag_code": c, "maindiag_flag": i == 0} for i, c in enumerate(diagnoses)],
        "oprninfo": [{"oprn_code": c, "main_oprn_flag": i == 0} for i, c in enumerate(procedures)],
        "iteminfo": [{"med_chrgitm_type": "09", "amt": "8000.00"}],
        "payinfo": {"funds": [{"fund_pay_type": "310100", "fund_payamt": "5000.00"}], "psn_selfpay": "3000.00",
                    "psn_cash_pay": "3000.00"},
    })


@pytest.fixture(scope="module")
def engine():
    config = load_config(REPO_ROOT / "demo" / "config")
    region = config.region_years["360500-2026"]
    catalogue = DipCatalogue(name="test-360500", source="test", entries=TYPES)
    config = config.model_copy(update={"region_years": {
        **config.region_years, "360500-2026": region.model_copy(update={"dip_catalogue": catalogue})}})
    return GroupingEngine(load_scheme(DEMO_SCHEME_DIR), None, "CHS-DRG demo", ConfigProvider(REPO_ROOT / "demo" / "config", config),
                          dict(KINDS), one_scheme=True)  # the demo scheme for every DRG region


def test_a_dip_region_gets_its_catalogue_types(engine):
    out = engine.group(settlement_list("360500", "H36050000001", ["K80.100x001"], ["87.5401", "51.2300"]))
    assert (out.payment_method, out.status, out.dip_type, out.dip_score) == ("DIP", "grouped", "K80:手术", Decimal("1200"))
    assert out.scheme == "新余 DIP 2026 (demo)" and out.drg is None
    assert out.explanation[0] == "360500/2026 is DIP: catalogue test-360500 (5 types)"
    assert "comprehensive type K80:手术" in out.explanation[1]


def test_a_dip_case_no_type_fits_is_ungroupable(engine):
    out = engine.group(settlement_list("360500", "H36050000001", ["J18.900"]))
    assert (out.payment_method, out.status, out.dip_type, out.dip_score) == ("DIP", "ungroupable", None, None)
    assert "no DIP type fits" in out.explanation[1]


def test_drg_regions_and_unconfigured_years_stay_drg(engine):
    out = engine.group(settlement_list("360100", "H36010000001", ["K80.100x001"], ["51.2300"]))
    assert out.payment_method == "DRG" and out.dip_type is None
    # 360500 has no 2025 configuration: DRG as before (pricing reports the missing year)
    assert engine.group(settlement_list("360500", "H36050000001", ["K80.100"], period="2025-10")).payment_method == "DRG"
    without_config = GroupingEngine(engine.scheme, None, engine.scheme_name)
    assert without_config.group(settlement_list("360500", "H36050000001", ["K80.100"])).payment_method == "DRG"


def test_demo_catalogue_is_in_the_grouper_key_form():
    """Every type of the demo DIP catalogue is reachable: core, category or chapter key + a known kind."""
    catalogue = load_config(REPO_ROOT / "demo" / "config").region_year("360500", 2026).dip_catalogue
    kinds = {"保守", "诊断性操作", "治疗性操作", "介入治疗", "手术"}
    chapters = [code for code in catalogue.entries if "-" in code.split(":")[0]]
    assert len(chapters) >= 22 and all(code.split(":")[1] in kinds for code in chapters)
    assert all(icd10_chapter(code.split(":")[0][:3]) == code.split(":")[0] for code in chapters)
    assert len(catalogue.entries) <= 400


# ------------------------------------------------------------------ engine: CHS-DRG version per region


def test_each_drg_region_is_grouped_with_the_scheme_its_version_names():
    reference = reference_path()
    config = load_config(REPO_ROOT / "demo" / "config")
    versions = {"360100-2026": "CHS-DRG 1.0", "360200-2026": "CHS-DRG 1.1", "360300-2026": "CHS-DRG 9.9"}
    config = config.model_copy(update={"region_years": {
        **config.region_years,
        **{key: config.region_years[key].model_copy(update={"scheme_version": v}) for key, v in versions.items()}}})
    engine = GroupingEngine(load_scheme(DEMO_SCHEME_DIR), None, "CHS-DRG demo",
                            ConfigProvider(REPO_ROOT / "demo" / "config", config),
                            version_dirs={"CHS-DRG 1.0": reference / "chs-drg-1.0", "CHS-DRG 1.1": reference / "chs-drg-1.1"})
    schemes = {region: engine.group(settlement_list(region, f"H{region}00001", ["K80.100x001"], ["51.2300"])).scheme
               for region in ("360100", "360200", "360300")}
    # 9.9 has no directory here: a configuration error, never grouped with the default (demo) scheme
    assert schemes == {"360100": "CHS-DRG 1.0", "360200": "CHS-DRG 1.1", "360300": "CHS-DRG 9.9"}
    assert engine.group(settlement_list("360300", "H36030000001", ["K80.100x001"], ["51.2300"])).status == "ungroupable"
    assert engine.scheme_for_version("CHS-DRG 1.0").source_hash != engine.scheme_for_version("CHS-DRG 1.1").source_hash
    assert engine.scheme_for_version("CHS-DRG 1.0") is engine.scheme_for_version("CHS-DRG 1.0")  # compiled once
