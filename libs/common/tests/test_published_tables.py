"""Issue 13 item 3, published DRG weight tables read as published (DOMAIN.md §5, §10):

- every table under the shared reference folder's payment/ loads, and `describe` lists what was read;
- base groups (基础病组) are paid at C = 1 whatever the level-coefficient columns repeat on their
  rows (lanzhou-2023), while a base group's own published coefficient and standard are kept (suzhou);
- remarks and other informative columns (备注, 说明, averages) are listed in `ignored_columns`,
  never refused and never read into an entry.

The reference folder sits beside the repository (env YIDI_REFERENCE_DIR, else /work/shared/reference);
the tests that need it are skipped where it is absent.
"""
import os
from decimal import Decimal
from pathlib import Path

import pytest

from yidi_common.regional_config import ConfigError, load_weight_table
from yidi_common.regional_config.models import pick_qualified
from yidi_common.regional_config.weight_table import describe, main

REFERENCE = Path(os.environ.get("YIDI_REFERENCE_DIR", "/work/shared/reference"))
PAYMENT = REFERENCE / "payment"
needs_reference = pytest.mark.skipif(not PAYMENT.is_dir(), reason=f"no published tables at {PAYMENT}")

# Files in payment/ that are not DRG weight tables, with the reason (none today: yinchuan-2023's
# 标准分值 is a DRG points table, which the loader reads as weights priced at a point value).
NOT_WEIGHT_TABLES: dict[str, str] = {}
# Tables whose published text has two different groups under one code: they load with the
# conflict as a warning (strict=False) and the first row kept; strict loading refuses them.
CONFLICTING_CODES = {"urumqi-2022.csv": "DR13"}  # line 31 颅内岀血性疾患…, line 124 头、颈、耳、鼻…恶性肿瘤


def published_tables() -> list[Path]:
    if not PAYMENT.is_dir():
        return []
    return sorted(p for p in PAYMENT.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))


@needs_reference
def test_the_reference_folder_holds_the_published_tables():
    assert len(published_tables()) >= 20


@needs_reference
@pytest.mark.parametrize("path", published_tables(), ids=lambda p: p.name)
def test_every_published_table_loads_and_the_report_lists_what_was_read(path):
    if path.name in NOT_WEIGHT_TABLES:
        pytest.skip(f"{path.name}: {NOT_WEIGHT_TABLES[path.name]}")
    if path.suffix.lower() == ".xlsx":
        pytest.skip(f"{path.name}: the loader reads CSV; export the sheet as UTF-8 CSV")
    code = CONFLICTING_CODES.get(path.name)
    if code:
        with pytest.raises(ConfigError, match=code):
            load_weight_table(path)
    table = load_weight_table(path, strict=code is None)
    assert len(table.entries) > 100
    assert any(e.rw is not None for e in table.entries.values())
    for entry in table.entries.values():
        assert (entry.rw is None) == (entry.per_item_reason is not None)
        if entry.base_group and entry.coefficients:  # kept only when it is the group's own: one value for all
            assert len({q.value for q in entry.coefficients}) == 1
    report = describe(table)
    text = "\n".join(report)
    assert report[0] == f"table {path.stem}: {path}"
    assert "columns used: " in text and table.weight_header in text and "columns ignored" in text
    assert f"groups: {len(table.entries)}," in text
    assert f"base groups (基础病组): {sum(e.base_group for e in table.entries.values())}" in text
    assert f"warnings: {len(table.warnings)}" in text
    if code:
        assert any(code in w for w in table.warnings)


@pytest.fixture(scope="module")
def lanzhou_2023():
    path = PAYMENT / "lanzhou-2023.csv"
    if not path.is_file():
        pytest.skip(f"no {path}")
    return load_weight_table(path)


@needs_reference
def test_lanzhou_2023_base_group_has_no_per_group_coefficients_so_c_is_1(lanzhou_2023):
    # line 46: BR25,脑缺血性疾患，不伴并发症或合并症,0.7739,基础病组,9986.9352,1.1476,1.003,0.8308,0.7487
    br25 = lanzhou_2023.get("BR25")
    assert br25.base_group and br25.rw == Decimal("0.7739")
    assert br25.coefficients == ()  # pricing then takes the policy's base-group coefficient (1)
    for hospital_class in ("省三甲", "三甲", "3", "2"):
        assert pick_qualified(br25.coefficients, (hospital_class,), "310") is None
    assert pick_qualified(br25.rates, (), "310") == Decimal("9986.9352")  # the rate is still the table's
    base = [e for e in lanzhou_2023.entries.values() if e.base_group]
    assert len(base) == 35 and all(e.coefficients == () for e in base)
    assert any("35 base-group rows" in w and "BR25" in w for w in lanzhou_2023.warnings)


@needs_reference
def test_lanzhou_2023_ordinary_group_keeps_its_published_level_coefficients(lanzhou_2023):
    # line 288: GB11,食管、胃、十二指肠大手术，伴严重并发症或合并症,8.6278,普通病组,9986.9352,1.1476,1.003,0.8308,0.7487
    gb11 = lanzhou_2023.get("GB11")
    assert not gb11.base_group and gb11.rw == Decimal("8.6278")
    assert {q.hospital_class: q.value for q in gb11.coefficients} == {
        "省三甲": Decimal("1.1476"), "三甲": Decimal("1.003"), "3": Decimal("0.8308"), "2": Decimal("0.7487")}
    # line 288's neighbour ES35A (line 186) is a base group on the same ADRG: no coefficients
    assert lanzhou_2023.get("ES35A").base_group and lanzhou_2023.get("ES35A").coefficients == ()


@needs_reference
def test_suzhou_base_group_keeps_its_own_published_coefficient_and_standard():
    path = PAYMENT / "suzhou-2023.csv"
    if not path.is_file():
        pytest.skip(f"no {path}")
    table = load_weight_table(path)
    # BR25,脑缺血性疾患，不伴并发症或合并症,1.247342,是,,1.02,1.02,1.02,11104.91868,11104.91868,11104.91868
    br25 = table.get("BR25")
    assert br25.base_group
    assert {q.value for q in br25.coefficients} == {Decimal("1.02")}
    assert pick_qualified(br25.standards, ("1",), "310") == Decimal("11104.91868")
    assert not any("基础病组" in w for w in table.warnings)


REMARKS_TABLE = (
    "DRG编码,DRG名称,RW,基础病组,二级医院系数,三级医院系数,备注,说明,例均费用,平均住院日\n"
    "AB19,肝移植,20.5,,0.9,1.1,按项目付费试点 5.5,2023年新增,180000,21\n"
    "BR25,脑缺血性疾患，不伴并发症或合并症,0.8,是,0.9,1.1,不稳定病组 单议病组 是,,8000,9.5\n"
    "GB11,食管、胃、十二指肠大手术,8.6,,0.9,1.1,,另行测算 系数 1.3,90000,15\n"
)
REMARK_TEXTS = ("按项目付费试点", "5.5", "2023年新增", "不稳定病组 单议病组", "另行测算", "1.3", "180000", "9.5")


def test_remarks_columns_are_listed_as_ignored_and_never_reach_an_entry(tmp_path):
    path = tmp_path / "remarks.csv"
    path.write_text(REMARKS_TABLE, encoding="utf-8")
    table = load_weight_table(path)  # strict: a remarks column is known, not refused
    assert table.ignored_columns == ("备注", "说明", "例均费用", "平均住院日")
    assert sorted(table.entries) == ["AB19", "BR25", "GB11"]
    for entry in table.entries.values():
        assert entry.per_item_reason is None and entry.tags == ()
        dumped = entry.model_dump_json()
        assert not any(text in dumped for text in REMARK_TEXTS), dumped
    assert table.get("AB19").rw == Decimal("20.5")
    # the base group's level coefficients (they differ by level) are not its own
    assert table.get("BR25").base_group and table.get("BR25").coefficients == ()
    assert {q.value for q in table.get("GB11").coefficients} == {Decimal("0.9"), Decimal("1.1")}
    assert "columns ignored (not priced): 备注, 说明, 例均费用, 平均住院日" in describe(table)


def test_an_unknown_column_is_still_refused(tmp_path):
    path = tmp_path / "unknown.csv"
    path.write_text("DRG编码,DRG名称,RW,神秘列\nAB19,肝移植,20.5,3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="神秘列"):
        load_weight_table(path)
    assert load_weight_table(path, strict=False).ignored_columns == ("神秘列",)


def test_describe_and_the_command_line_list_what_was_read(tmp_path, capsys):
    path = tmp_path / "remarks.csv"
    path.write_text(REMARKS_TABLE, encoding="utf-8")
    report = describe(load_weight_table(path))
    assert report == [
        f"table remarks: {path}",
        "columns used: DRG编码 (code); DRG名称 (name); RW (weight); 基础病组 (base_yes);"
        " 二级医院系数 (coefficient); 三级医院系数 (coefficient)",
        "columns ignored (not priced): 备注, 说明, 例均费用, 平均住院日",
        "groups: 3, weight-paid 3 (weight column RW), per item 0",
        "base groups (基础病组): 1: BR25",
        "base groups' own published coefficient: none (C = the base-group coefficient)",
        "base groups' own published standard: none",
        "groups with per-group values: rates 0, coefficients 2, standards 0, thresholds 0",
        "warnings: 1",
        "  基础病组: the hospital levels' coefficients repeated on 1 base-group rows are not the groups' own"
        " and are not kept (C = the base-group coefficient applies): BR25",
    ]
    assert main([str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == report
    bad = tmp_path / "bad.csv"
    bad.write_text("DRG编码,DRG名称,RW,神秘列\nAB19,肝移植,20.5,3\n", encoding="utf-8")
    assert main([str(bad)]) == 1
    assert "神秘列" in capsys.readouterr().err
    assert main([str(bad), "--lenient"]) == 0


def test_a_single_level_coefficient_repeated_on_a_base_row_is_not_its_own(tmp_path):
    path = tmp_path / "one-level.csv"
    path.write_text(
        "DRG编码,DRG名称,RW,基础病组,二级医院系数\n"
        "AB19,肝移植,20.5,,0.9\nGB11,食管大手术,8.6,,0.9\nBR25,脑缺血,0.8,是,0.9\nDT15,中耳炎,0.4,是,1\n",
        encoding="utf-8",
    )
    table = load_weight_table(path)
    assert table.get("BR25").coefficients == ()  # the 0.9 every row repeats: the level's
    assert [q.value for q in table.get("DT15").coefficients] == [Decimal("1")]  # its own
    assert [q.value for q in table.get("GB11").coefficients] == [Decimal("0.9")]
