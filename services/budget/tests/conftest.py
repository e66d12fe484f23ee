from decimal import Decimal
from pathlib import Path

import pytest

from yidi_common.regional_config import ProvinceConfig, load_config
from yidi_pricing.domain import CaseInputs

FIXTURE_CONFIG = Path(__file__).resolve().parents[2] / "pricing" / "tests" / "fixtures" / "config"


@pytest.fixture(scope="session")
def config() -> ProvinceConfig:
    return load_config(FIXTURE_CONFIG)


def _case(group, total, fund, hospital="H1", insured="360100", insutype="310", **extra):
    return CaseInputs("S1", hospital, "360100", insured, 2026, insutype, Decimal(total), Decimal(fund),
                      group_code=group, settlement_month="2026-03", **extra)


@pytest.fixture(scope="session")
def make_case():
    return _case
