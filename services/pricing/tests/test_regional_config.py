"""Configuration as data: loader, validation errors, lookups, published CSV layouts."""
import shutil
from decimal import Decimal as D
from pathlib import Path

import pytest

from yidi_common.regional_config import ConfigError, Origin, load_config, load_weight_table
from yidi_common.settlement_list import InsuranceType

HERE = Path(__file__).resolve().parent
FIXTURE_CONFIG = HERE / "fixtures" / "config"
DEMO_CONFIG = HERE.parents[2] / "demo" / "config"
PAYMENT = HERE.parents[3] / "shared" / "reference" / "payment"
DRG_LIST = HERE.parents[3] / "shared" / "reference" / "chs-drg-1.1" / "3_DRG.txt"
needs_reference = pytest.mark.skipif(not PAYMENT.exists(), reason="../shared/reference not present")


@pytest.fixture
def config_dir(tmp_path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(FIXTURE_CONFIG, target)
    return target


def test_fixture_config_lookups(config):
    assert config.version == "test-1" and str(config.effective_date) == "2026-01-01"
    assert config.hospital("H1").coefficient == D("1.15")
    assert config.hospital("H1").classes == ("三甲", "3")
    key = config.pool_for("360100", 2026, "390", cross_region=True)
    assert (key.insutype, key.origin, key.label) == (InsuranceType.RESIDENT, Origin.CROSS, "360100-2026-DRG-390-cross")
    merged = config.pool_for("360500", 2026, "310", cross_region=True)
    assert merged.label == "360500-2026-DIP-all-all" and config.pool(merged).provisional_rate == D("10")
    assert config.insured_budget("360500", 2026).budget == D("50000.00")
    assert config.region_year("360100", 2026).policy.risk_reserve == D("0.05")
    with pytest.raises(KeyError, match="no configuration for 2027"):
        config.region_year("360100", 2027)
    with pytest.raises(KeyError, match="hospital NOPE"):
        config.hospital("NOPE")


def test_values_are_exact_decimals(config):
    policy = config.region_year("360100", 2026).policy
    assert policy.overrun_cap == D("0.10") and isinstance(policy.overrun_cap, D)


def test_region_policy_overrides_province_defaults(config_dir):
    region = config_dir / "regions" / "360100-2026.toml"
    region.write_text(region.read_text() + "\n[policy]\nrisk_reserve = 0.03\n[policy.outlier]\nhigh = 3.0\n")
    config = load_config(config_dir)
    policy = config.region_year("360100", 2026).policy
    assert policy.risk_reserve == D("0.03") and policy.outlier.high == D("3.0") and policy.outlier.low == D("0.4")
    assert config.region_year("360500", 2026).policy.risk_reserve == D("0.05")


def test_error_names_file_and_field_for_bad_hospital(config_dir):
    path = config_dir / "hospitals.csv"
    path.write_text(path.read_text() + "H9,坏医院,360100,4,,1.0,\n")
    with pytest.raises(ConfigError, match=r"hospitals.csv: line 7.level: Input should be less than or equal to 3"):
        load_config(config_dir)


def test_error_for_missing_pool_and_missing_budget(config_dir):
    region = config_dir / "regions" / "360100-2026.toml"
    text = region.read_text()
    region.write_text(text.replace('budget_source = "item_fund_payments"', ""))
    with pytest.raises(ConfigError, match=r"360100-2026.toml: pools\[3\].*budget is required"):
        load_config(config_dir)
    region.write_text(text.split("[[pools]]")[0] + "[[pools]]" + text.split("[[pools]]")[1])
    with pytest.raises(ConfigError, match="pools missing: 360100-2026-DRG-310-cross"):
        load_config(config_dir)


def test_error_for_policy_value_and_split(config_dir):
    province = config_dir / "province.toml"
    province.write_text(province.read_text() + "\n[policy.recovered_split]\nprovince = 0.3\n")
    with pytest.raises(ConfigError, match=r"province.toml: policy.recovered_split.*sum to 1"):
        load_config(config_dir)


def test_error_for_hospital_in_unconfigured_region(config_dir):
    path = config_dir / "hospitals.csv"
    path.write_text(path.read_text() + "H9,外地医院,360900,2,,0.9,\n")
    with pytest.raises(ConfigError, match="hospital H9.region: 360900 has no region configuration"):
        load_config(config_dir)


def test_unknown_weight_table_column_is_reported(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("DRG编码,DRG名称,RW,神秘列\nAA11,甲,1.2,x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="odd.csv: column '神秘列': unknown column"):
        load_weight_table(path)
    table = load_weight_table(path, strict=False)
    assert table.ignored_columns == ("神秘列",) and table.entries["AA11"].rw == D("1.2")
    missing = tmp_path / "noweight.csv"
    missing.write_text("DRG编码,DRG名称\nAA11,甲\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no weight column"):
        load_weight_table(missing)


def test_bad_number_names_line_and_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("DRG编码,RW\nAA11,1.2\nBB13,abc\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.csv: line 3, column 'RW': not a number"):
        load_weight_table(path)


def test_threshold_columns_ratio_or_amount(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("DRG编码,RW,费率,低倍率临界值,高倍率临界值（三级）\nAA11,1.0,8000,0.35,30000\n", encoding="utf-8")
    entry = load_weight_table(path).entries["AA11"]
    assert entry.rates[0].value == D("8000")
    assert entry.low_ratios[0].value == D("0.35")
    assert (entry.high_amounts[0].value, entry.high_amounts[0].hospital_class) == (D("30000"), "3")


def test_demo_config_loads_and_covers_every_drg():
    config = load_config(DEMO_CONFIG)
    assert len(config.hospitals) >= 20 and {h.level for h in config.hospitals.values()} == {1, 2, 3}
    assert len(config.region_years) == 11
    assert config.region_year("360500", 2026).scheme == "DIP"
    if DRG_LIST.exists():
        codes = {line.split()[0] for line in DRG_LIST.read_text("utf-8").splitlines() if line.strip()}
        table = config.region_year("360100", 2026).weight_table
        assert codes <= {c for c, e in table.entries.items() if e.rw}


@needs_reference
@pytest.mark.parametrize("path", sorted(PAYMENT.glob("*.csv")), ids=lambda p: p.name)
def test_every_published_layout_loads(path):
    table = load_weight_table(path, strict=path.name != "urumqi-2022.csv")
    assert len(table.entries) > 500
    assert sum(1 for e in table.entries.values() if e.rw) > 500


@needs_reference
def test_published_conflicting_duplicate_is_an_error_when_strict():
    with pytest.raises(ConfigError, match="line 124, code 'DR13': conflicts with line 31"):
        load_weight_table(PAYMENT / "urumqi-2022.csv")
    table = load_weight_table(PAYMENT / "urumqi-2022.csv", strict=False)
    assert table.entries["DR13"].rw == D("1.4547") and table.warnings


@needs_reference
def test_published_markers():
    changsha = load_weight_table(PAYMENT / "changsha-2023.csv")
    assert changsha.weight_header == "初始权重"
    assert sum(e.base_group for e in changsha.entries.values()) == 14
    lanzhou = load_weight_table(PAYMENT / "lanzhou-2022.csv")
    assert lanzhou.entries["AA19"].per_item_reason == "未覆盖组"
    beijing = load_weight_table(PAYMENT / "beijing-2022.csv")
    assert sum(1 for e in beijing.entries.values() if e.per_item_reason and "按项目" in e.per_item_reason) > 0
    linfen = load_weight_table(PAYMENT / "linfen-2022.csv")
    assert sum(e.base_group for e in linfen.entries.values()) == 11  # 病组标识 = 分级诊疗
