from __future__ import annotations

from decimal import Decimal

from yidi_grouper.domain.dip import DipCatalogue, build_catalogue, group_dip, load_procedure_kinds

from .conftest import make_case, reference_path

KINDS = {"51.2300": "手术", "87.5401": "诊断性操作", "99.2501": "治疗性操作"}


def history():
    rows = []
    for _ in range(15):  # core: K80.1 + laparoscopic cholecystectomy, mean 12 000
        rows.append((make_case(["K80.100x001"], ["51.2300"]), Decimal("12000")))
    for _ in range(15):  # core: K80.1 conservative, mean 4 000
        rows.append((make_case(["K80.101"]), Decimal("4000")))
    rows.append((make_case(["K80.200"], ["87.5401"]), Decimal("3000")))  # comprehensive K80 诊断性操作
    rows.append((make_case(["K80.500"], ["87.5401", "51.2300"]), Decimal("9000")))  # comprehensive K80 手术
    rows.append((make_case(["K80.500"], ["51.2300", "87.5401"]), Decimal("11000")))
    return rows


def test_catalogue_types_and_scores():
    catalogue = build_catalogue(history(), KINDS, min_cases=15)
    mean_all = (Decimal(15 * 12000 + 15 * 4000 + 3000 + 9000 + 11000) / 33)
    assert set(catalogue.types) == {"K80.1:51.2300", "K80.1:保守", "K80:诊断性操作", "K80:手术"}
    core = catalogue.types["K80.1:51.2300"]
    assert (core.kind, core.cases, core.mean_cost) == ("core", 15, Decimal("12000.00"))
    assert core.score == (Decimal(1000) * Decimal(12000) / mean_all).quantize(Decimal("0.0001"))
    assert catalogue.types["K80:手术"].mean_cost == Decimal("10000.00")


def test_threshold_is_configurable_and_base_type():
    catalogue = build_catalogue(history(), KINDS, min_cases=16, base_type="K80:手术")
    assert all(t.kind == "comprehensive" for t in catalogue.types.values())
    assert catalogue.types["K80:手术"].score == Decimal("1000.0000")


def test_group_dip_core_then_comprehensive(tmp_path):
    catalogue = build_catalogue(history(), KINDS)
    path = tmp_path / "catalogue.json"
    catalogue.save(path)
    loaded = DipCatalogue.load(path)
    assert loaded == catalogue
    core = group_dip(make_case(["K80.100x001"], ["51.2300"]), loaded)
    assert (core.type_code, core.kind) == ("K80.1:51.2300", "core")
    broad = group_dip(make_case(["K80.100x001"], ["51.2300", "99.2501"]), loaded)
    assert (broad.type_code, broad.kind) == ("K80:手术", "comprehensive")
    assert "no core type" in broad.explanation[0]
    none = group_dip(make_case(["J18.900"]), loaded)
    assert none.type_code == "" and none.score == 0


def test_procedure_kinds_file():
    kinds = load_procedure_kinds(reference_path("icd", "icd9cm3-procedure-category.dat"))
    assert kinds["00.0100"] == "治疗性操作" and len(kinds) > 13000
