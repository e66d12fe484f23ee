"""An unknown scheme version is a configuration error, not a fallback (issue 13 item 5).

A DRG region-year whose scheme_version has no scheme (not in YIDI_DRG_SCHEMES, or its directory holds
none) stops the grouper at startup and makes a reload be refused, naming region, year and version; a list
of such a region, if reached anyway, is rejected by QC and never grouped with another scheme.
YIDI_SCHEME_DIR, when set, is THE scheme for every region; DIP regions do not use DRG schemes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from yidi_common.config_provider import ConfigProvider
from yidi_common.regional_config import ConfigError, load_config
from yidi_common.settings import Settings
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.scheme import load_scheme

from .conftest import DEMO_SCHEME_DIR, REFERENCE_DIR, REPO_ROOT
from .test_dip_configured import settlement_list

DEMO_CONFIG = REPO_ROOT / "demo" / "config"


def with_version(directory: Path, region: str, version: str) -> None:
    path = directory / "regions" / f"{region}-2026.toml"
    text = path.read_text(encoding="utf-8")
    current = next(line for line in text.splitlines() if line.startswith("scheme_version"))
    path.write_text(text.replace(current, f'scheme_version = "{version}"'), encoding="utf-8")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A hand-made copy of the demo configuration (its CSV references are relative to it)."""
    directory = tmp_path / "config"
    shutil.copytree(DEMO_CONFIG, directory)
    return directory


def settings(config_dir: Path, **extra) -> Settings:
    return Settings(yidi_config_dir=config_dir, yidi_reference_dir=extra.pop("reference", REFERENCE_DIR),
                    yidi_config_poll_seconds=0, **extra)


@pytest.mark.parametrize("directory", ["config", "config-transition"])
def test_the_demo_configurations_load(directory):
    engine = GroupingEngine.from_settings(settings(REPO_ROOT / "demo" / directory))
    assert engine.config is not None and engine.scheme_problems(engine.config.current) == []


def test_known_versions_are_fine(config_dir):
    with_version(config_dir, "360100", "CHS-DRG 1.0")
    engine = GroupingEngine.from_settings(settings(config_dir))
    assert engine.config.current.region_year("360100", 2026).scheme_version == "CHS-DRG 1.0"
    sl = settlement_list("360200", "H36020000001", ["K80.100x001"], ["51.2300"])
    assert not [p for p in engine.quality_problems(sl) if p.rule == "QC-SCHEME-VERSION-UNKNOWN"]


def test_an_unknown_version_stops_the_grouper_naming_region_year_and_version(config_dir):
    with_version(config_dir, "360300", "CHS-DRG 9.9")
    with_version(config_dir, "360700", "CHS-DRG 9.9")
    with pytest.raises(ConfigError) as raised:
        GroupingEngine.from_settings(settings(config_dir))
    message = str(raised.value)
    assert "region 360300 year 2026" in message and "region 360700 year 2026" in message
    assert "'CHS-DRG 9.9' is not in YIDI_DRG_SCHEMES" in message
    assert "360100" not in message  # the known ones are not named


def test_an_unknown_version_is_an_error_with_the_demo_scheme_fallback_too(config_dir, tmp_path):
    """No published scheme under YIDI_REFERENCE_DIR: the demo scheme stands in for every known version, not 9.9."""
    empty = tmp_path / "no-reference"
    empty.mkdir()
    engine = GroupingEngine.from_settings(settings(config_dir, reference=empty))
    out = engine.group(settlement_list("360100", "H36010000001", ["C34.900", "E11.900"]))
    assert (out.scheme, out.status) == (engine.scheme_name, "grouped")
    with_version(config_dir, "360300", "CHS-DRG 9.9")
    with pytest.raises(ConfigError, match=r"region 360300 year 2026: scheme_version 'CHS-DRG 9.9'"):
        GroupingEngine.from_settings(settings(config_dir, reference=empty))


def test_a_known_version_whose_directory_holds_no_scheme_is_an_error(config_dir, tmp_path):
    if not (REFERENCE_DIR / "chs-drg-1.1" / "3_DRG.txt").is_file():
        pytest.skip("needs the published CHS-DRG 1.1 under YIDI_REFERENCE_DIR")
    with_version(config_dir, "360100", "CHS-DRG 1.0")
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match=r"region 360100 year 2026: scheme_version 'CHS-DRG 1.0': YIDI_DRG_SCHEMES names"):
        GroupingEngine.from_settings(settings(config_dir, yidi_drg_schemes={"CHS-DRG 1.0": missing,
                                                                            "CHS-DRG 1.1": Path("chs-drg-1.1")}))


def test_a_reload_introducing_an_unknown_version_is_refused_and_the_previous_configuration_stays(config_dir):
    engine = GroupingEngine.from_settings(settings(config_dir))
    provider = engine.config
    before = provider.current
    with_version(config_dir, "360300", "CHS-DRG 9.9")
    with pytest.raises(ConfigError, match=r"region 360300 year 2026: scheme_version 'CHS-DRG 9.9'"):
        provider.reload()  # POST /v1/config/reload answers this ConfigError with 422
    assert provider.current is before
    assert provider.reload_if_changed() is False  # the watcher: logged, refused
    with_version(config_dir, "360300", "CHS-DRG 1.1")
    assert provider.reload_if_changed() is True and provider.current is not before


def test_a_given_provider_is_checked_and_its_reloads_too(config_dir):
    provider = ConfigProvider.load(config_dir)
    GroupingEngine.from_settings(settings(config_dir), provider)
    with_version(config_dir, "360300", "CHS-DRG 9.9")
    with pytest.raises(ConfigError, match="360300"):
        provider.reload()
    with pytest.raises(ConfigError, match="360300"):
        GroupingEngine.from_settings(settings(config_dir), ConfigProvider.load(config_dir))


def test_yidi_scheme_dir_is_the_scheme_for_every_region(config_dir, tmp_path):
    with_version(config_dir, "360300", "CHS-DRG 9.9")
    with_version(config_dir, "360100", "CHS-DRG 1.0")
    one = tmp_path / "one-scheme"  # not demo/scheme itself, which is also the no-reference fallback
    shutil.copytree(DEMO_SCHEME_DIR, one)
    engine = GroupingEngine.from_settings(settings(config_dir, yidi_scheme_dir=one))
    for region in ("360100", "360200", "360300"):
        sl = settlement_list(region, f"H{region}00001", ["C34.900", "E11.900"])  # ER13 in the demo scheme
        out = engine.group(sl)
        assert (out.scheme, out.status) == (engine.scheme_name, "grouped")
        assert not [p for p in engine.quality_problems(sl) if p.rule == "QC-SCHEME-VERSION-UNKNOWN"]


def test_dip_regions_need_no_drg_scheme(config_dir):
    with_version(config_dir, "360500", "某 DIP 9.9")
    engine = GroupingEngine.from_settings(settings(config_dir))
    assert engine.config.current.region_year("360500", 2026).scheme_version == "某 DIP 9.9"


def test_a_list_of_such_a_region_reached_anyway_is_rejected_not_grouped_with_another_scheme():
    config = load_config(DEMO_CONFIG)
    key = "360300-2026"
    config = config.model_copy(update={"region_years": {
        **config.region_years, key: config.region_years[key].model_copy(update={"scheme_version": "CHS-DRG 9.9"})}})
    # built by hand, around the configuration check
    engine = GroupingEngine(load_scheme(DEMO_SCHEME_DIR), None, "CHS-DRG demo", ConfigProvider(DEMO_CONFIG, config))
    sl = settlement_list("360300", "H36030000001", ["K80.100x001"], ["51.2300"])
    [problem] = [p for p in engine.quality_problems(sl) if p.rule == "QC-SCHEME-VERSION-UNKNOWN"]
    assert "360300 year 2026" in problem.message and "CHS-DRG 9.9" in problem.message
    out = engine.group(sl)
    assert (out.scheme, out.status, out.drg) == ("CHS-DRG 9.9", "ungroupable", None)
    assert "configuration error" in out.explanation[0]
