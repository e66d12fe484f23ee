"""Shared fixtures: the reference scheme (skipped cleanly when absent) and the demo scheme."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from yidi_grouper.domain.drg import GroupingInput
from yidi_grouper.domain.scheme import load_scheme

REPO_ROOT = next(p for p in Path(__file__).resolve().parents if (p / "services").is_dir() and (p / "pyproject.toml").is_file())
REFERENCE_DIR = Path(os.environ.get("YIDI_REFERENCE_DIR", REPO_ROOT.parent / "shared" / "reference"))
DEMO_SCHEME_DIR = REPO_ROOT / "demo" / "scheme"

# the keys sealing stored personal data: a test key, never the development key file under .local
os.environ.setdefault("YIDI_DATA_KEY", Fernet.generate_key().decode())


def reference_path(*parts: str) -> Path:
    path = REFERENCE_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data absent: {path} (set YIDI_REFERENCE_DIR)")
    return path


@pytest.fixture(scope="session")
def scheme11():
    return load_scheme(reference_path("chs-drg-1.1"))


@pytest.fixture(scope="session")
def demo_scheme():
    return load_scheme(DEMO_SCHEME_DIR)


def make_case(diagnoses, procedures=(), *, gender="1", age=50, **extra) -> GroupingInput:
    return GroupingInput(id=extra.pop("id", "t"), gender=gender, age=age, diagnoses=tuple(diagnoses),
                         procedures=tuple(procedures), **extra)
