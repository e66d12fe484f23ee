"""Regional payment configuration as data: per treatment region and year (DOMAIN.md §5-7).

`load_config(directory)` reads TOML parameters + CSV tables (format and reasons in loader.py)
and returns a frozen, validated `ProvinceConfig`; `load_weight_table(csv)` reads any published
regional DRG table layout (weight_table.py). Errors are `ConfigError`s naming file and field.
"""
from .closing import Advance, GuaranteeRelease, Prepayment, ReleaseBand
from .errors import ConfigError
from .loader import load_config, load_dip_catalogue, load_region_year
from .models import (
    AlertBasis,
    AlertLevel,
    AlertThresholds,
    BedDayCategory,
    BudgetHistoryError,
    BudgetSource,
    DipCatalogue,
    DipThresholds,
    DipType,
    Hospital,
    InsuredBudget,
    Origin,
    OutlierThresholds,
    Policy,
    PoolConfig,
    PoolKey,
    ProvinceConfig,
    Qualified,
    RecoveredSplit,
    RegionYear,
    Scheme,
    ThresholdBand,
    WeightEntry,
    WeightTable,
    folds_into,
    pick_qualified,
    pool_year_total,
)
from .weight_table import load_weight_table

__all__ = [
    "Advance",
    "GuaranteeRelease",
    "Prepayment",
    "ReleaseBand",
    "AlertBasis",
    "AlertLevel",
    "AlertThresholds",
    "BedDayCategory",
    "BudgetHistoryError",
    "BudgetSource",
    "ConfigError",
    "DipCatalogue",
    "DipThresholds",
    "DipType",
    "Hospital",
    "InsuredBudget",
    "Origin",
    "OutlierThresholds",
    "Policy",
    "PoolConfig",
    "PoolKey",
    "ProvinceConfig",
    "Qualified",
    "RecoveredSplit",
    "RegionYear",
    "Scheme",
    "ThresholdBand",
    "WeightEntry",
    "WeightTable",
    "folds_into",
    "load_config",
    "load_dip_catalogue",
    "load_region_year",
    "load_weight_table",
    "pick_qualified",
    "pool_year_total",
]
