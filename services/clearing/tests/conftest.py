from decimal import Decimal
from pathlib import Path

import pytest

from yidi_common.regional_config import ProvinceConfig, load_config
from yidi_pricing.domain import CaseInputs

FIXTURE_CONFIG = Path(__file__).resolve().parents[2] / "pricing" / "tests" / "fixtures" / "config"


@pytest.fixture(scope="session")
def config() -> ProvinceConfig:
    return load_config(FIXTURE_CONFIG)


def _case(group, total, fund, hospital="H1", region="360100", insured=None, insutype="310", month="2026-03", **extra):
    return CaseInputs(
        setl_id=extra.pop("setl_id", "S1"),
        hospital_code=hospital,
        treatment_region=region,
        insured_region=insured or region,
        year=2026,
        insutype=insutype,
        total_cost=Decimal(total),
        basic_fund_payment=Decimal(fund),
        group_code=group,
        settlement_month=month,
        **extra,
    )


@pytest.fixture(scope="session")
def make_case():
    return _case


def with_budget(config: ProvinceConfig, region: str, label: str, budget: str) -> ProvinceConfig:
    ry = config.region_year(region, 2026)
    pools = {**ry.pools, label: ry.pools[label].model_copy(update={"budget": Decimal(budget)})}
    regions = {**config.region_years, f"{region}-2026": ry.model_copy(update={"pools": pools})}
    return config.model_copy(update={"region_years": regions})


@pytest.fixture(scope="session")
def set_budget():
    return with_budget
