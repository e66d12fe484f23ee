"""Clearing (DOMAIN.md §6-7): monthly pre-settlement, annual clearing with final rates and
overrun sharing, two-level cross-region statements, recovered-funds split. Pure functions."""
from .allocation import pro_rata_fen
from .annual import (
    AnnualClearing,
    HospitalAdjustments,
    HospitalAnnual,
    HospitalPoolLine,
    PoolClearing,
    annual_clearing,
)
from .cases import ClearingCase, ClearingCases
from .cross_region import (
    CrossRegionClearing,
    CrossRegionLine,
    RegionTotal,
    cross_region_statements,
)
from .deductions import ConfirmedDeduction, per_hospital
from .monthly import MonthlyLine, monthly_presettlement
from .recovered import RecoveredShares, split_recovered

__all__ = [
    "AnnualClearing",
    "ClearingCase",
    "ClearingCases",
    "ConfirmedDeduction",
    "CrossRegionClearing",
    "CrossRegionLine",
    "HospitalAdjustments",
    "HospitalAnnual",
    "HospitalPoolLine",
    "MonthlyLine",
    "PoolClearing",
    "RecoveredShares",
    "RegionTotal",
    "annual_clearing",
    "cross_region_statements",
    "monthly_presettlement",
    "per_hospital",
    "pro_rata_fen",
    "split_recovered",
]
