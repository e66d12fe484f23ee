from pathlib import Path

import pytest

from yidi_common.regional_config import ProvinceConfig, load_config

# Round numbers for worked examples. Region 360100 (DRG), 2026: pools 310-local B_p 200000.00,
# 310-cross 100000.00, 390-local 150000.00, 390-cross budgeted by per-item payments (B_p = Σ F);
# ρ = 5 %; alerts at 80 / 90 / 100 % of B_p. Insured regions' cross-region budgets: 360100 100000.00,
# 360500 50000.00.
FIXTURE_CONFIG = Path(__file__).parent / "fixtures" / "config"


@pytest.fixture(scope="session")
def config() -> ProvinceConfig:
    return load_config(FIXTURE_CONFIG)
