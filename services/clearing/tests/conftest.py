from decimal import Decimal
from pathlib import Path

import pytest

from yidi_common.regional_config import ProvinceConfig, load_config

from .factories import priced_case

FIXTURE_CONFIG = Path(__file__).resolve().parents[2] / "pricing" / "tests" / "fixtures" / "config"


@pytest.fixture(scope="session")
def config() -> ProvinceConfig:
    return load_config(FIXTURE_CONFIG)


@pytest.fixture(scope="session")
def make_case():
    return priced_case


def with_budget(config: ProvinceConfig, region: str, label: str, budget: str) -> ProvinceConfig:
    ry = config.region_year(region, 2026)
    pools = {**ry.pools, label: ry.pools[label].model_copy(update={"budget": Decimal(budget)})}
    regions = {**config.region_years, f"{region}-2026": ry.model_copy(update={"pools": pools})}
    return config.model_copy(update={"region_years": regions})


@pytest.fixture(scope="session")
def set_budget():
    return with_budget
