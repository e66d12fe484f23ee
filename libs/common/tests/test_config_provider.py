"""Configuration changes reach a running service only when they validate."""
from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from yidi_common.config_provider import ConfigProvider

DEMO_CONFIG = Path(__file__).resolve().parents[3] / "demo" / "config"
REGION_FILE = Path("regions") / "360100-2026.toml"


def rate(provider: ConfigProvider) -> Decimal:
    return provider.current.region_year("360100", 2026).pools["360100-2026-DRG-310-all"].provisional_rate


def rewrite(directory: Path, old: str, new: str) -> None:
    path = directory / REGION_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a coarse clock still sees it


@pytest.fixture
def provider(tmp_path: Path) -> ConfigProvider:
    shutil.copytree(DEMO_CONFIG, tmp_path / "config", ignore=shutil.ignore_patterns("*.py", "README.md"))
    return ConfigProvider.load(tmp_path / "config")


def test_unchanged_files_are_not_reloaded(provider: ConfigProvider):
    before = provider.current
    assert provider.reload_if_changed() is False and provider.current is before


def test_a_changed_rate_is_in_force_after_the_next_check(provider: ConfigProvider):
    assert rate(provider) == Decimal("11800")
    rewrite(provider.directory, "provisional_rate = 11800", "provisional_rate = 11950")
    assert provider.reload_if_changed() is True
    assert rate(provider) == Decimal("11950")


def test_an_invalid_change_keeps_the_running_configuration_and_is_not_retried(provider: ConfigProvider):
    rewrite(provider.directory, "provisional_rate = 11800", "provisional_rate = -5")
    assert provider.reload_if_changed() is False
    assert rate(provider) == Decimal("11800")
    assert provider.reload_if_changed() is False  # the same broken files: checked once, not on every poll
