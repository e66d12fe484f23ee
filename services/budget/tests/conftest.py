from pathlib import Path

import pytest

from yidi_common.regional_config import ProvinceConfig, load_config

# Round numbers for worked examples. Region 360100 (DRG), 2026: pools 310-local B_p 200000.00,
# 310-cross 100000.00, 390-local 150000.00, 390-cross budgeted by per-item payments (B_p = Σ F);
# ρ = 5 %; alerts at 80 / 90 / 100 % of B_p. Insured regions' cross-region budgets: 360100 100000.00,
# 360500 50000.00. 360100 2027 merges origins: 310-all budgeted by 2026's clearing totals × 1.05, 390-all
# by the mean of 2024-2026's × 1.02. 360400 2026 (employee/resident merged): all-local 80000.00, all-cross
# budgeted by per-item payments with budget_estimate 20000.00.
FIXTURE_CONFIG = Path(__file__).parent / "fixtures" / "config"


@pytest.fixture(scope="session")
def config() -> ProvinceConfig:
    return load_config(FIXTURE_CONFIG)
