from decimal import Decimal
from pathlib import Path

import pytest

from yidi_common.claims import ClaimScope
from yidi_common.regional_config import ProvinceConfig, load_config
from yidi_pricing.domain import CaseInputs, GroupingStatus

FIXTURE_CONFIG = Path(__file__).parent / "fixtures" / "config"
REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference"


@pytest.fixture(scope="session")
def config() -> ProvinceConfig:
    return load_config(FIXTURE_CONFIG)


def case(
    group: str | None,
    total: str,
    fund: str,
    hospital: str = "H1",
    region: str = "360100",
    insutype: str = "310",
    scope: ClaimScope = ClaimScope.LOCAL,
    **extra,
) -> CaseInputs:
    return CaseInputs(
        setl_id=extra.pop("setl_id", "S1"),
        hospital_code=hospital,
        treatment_region=region,
        year=2026,
        insutype=insutype,
        scope=scope,
        total_cost=Decimal(total),
        basic_fund_payment=Decimal(fund),
        los_days=extra.pop("los_days", 8),
        group_code=group,
        grouping_status=extra.pop("grouping_status", GroupingStatus.GROUPED),
        settlement_month="2026-03",
        **extra,
    )


@pytest.fixture(scope="session")
def make_case():
    return case
