"""Load a province configuration directory into a validated `ProvinceConfig`.

Layout (paths inside province.toml are relative to it; inside a region file, to that file):

    province.toml          province, version, effective_date, file names, [policy] defaults
    hospitals.csv          code,name,region,level,grade,basic_coefficient,bonus_coefficient
                           [,hospital_type][,pool_region]   (optional columns)
    insured_budgets.csv    region,year,budget   (cross-region budget per insured region)
    regions/<region>-<year>.toml
                           scheme, version, weight_table or dip_catalogue, merge flags,
                           [policy] overrides, [bed_day.<category>], [[pools]]
    weights/*.csv          any published layout (see weight_table.py)
    dip/*.csv              code,name,score,mean_cost,base_group

Parameters are TOML (stdlib `tomllib`, read with parse_float=Decimal so no value ever passes
through a float, comments allowed, dates native) and tables are CSV (the layout regions
publish, editable in a spreadsheet). YAML would need a dependency and parses 0.10 as a float.
"""
from __future__ import annotations

import csv
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import ConfigError, from_validation
from .models import (
    DipCatalogue,
    DipType,
    Hospital,
    InsuredBudget,
    Policy,
    PoolConfig,
    PoolKey,
    ProvinceConfig,
    RegionYear,
)
from .weight_table import load_weight_table

_YES = {"1", "true", "yes", "y", "是"}


def load_config(directory: Path | str) -> ProvinceConfig:
    directory = Path(directory)
    province_file = directory / "province.toml"
    raw = _toml(province_file)
    policy_defaults = raw.get("policy", {})
    policy = _validate(Policy, policy_defaults, province_file, "policy")
    hospitals = {h.code: h for h in _csv_models(directory / raw.get("hospitals", "hospitals.csv"), Hospital)}
    budgets_file = directory / raw.get("insured_budgets", "insured_budgets.csv")
    insured = _csv_models(budgets_file, InsuredBudget) if budgets_file.exists() else []
    regions_dir = directory / raw.get("regions", "regions")
    region_files = sorted(regions_dir.glob("*.toml"))
    if not region_files:
        raise ConfigError(regions_dir, "", "no region files (*.toml)")
    region_years, region_paths = {}, {}
    for path in region_files:
        ry = load_region_year(path, policy_defaults)
        key = f"{ry.region}-{ry.year}"
        if key in region_years:
            raise ConfigError(path, "region/year", f"{key} is configured twice")
        region_years[key], region_paths[key] = ry, path
    fields = {k: v for k, v in raw.items() if k in ("province", "name", "version", "effective_date")}
    config = _validate(
        ProvinceConfig,
        {
            **fields,
            "source_dir": directory,
            "hospitals": hospitals,
            "region_years": region_years,
            "insured_budgets": {f"{b.region}-{b.year}": b for b in insured},
            "policy": policy,
        },
        province_file,
    )
    _check_hospital_regions(config, directory / raw.get("hospitals", "hospitals.csv"))
    _check_bed_day_rates(config, region_paths)
    return config


def _check_bed_day_rates(config: ProvinceConfig, region_paths: dict[str, Path]) -> None:
    """A bed-day category without a `rate` for every class must list each class of the hospitals whose
    stays it may take (the region's own, and those whose pool_region it is): found here, not at pricing."""
    for key, ry in config.region_years.items():
        hospitals = [h for h in config.hospitals.values() if ry.region in (h.region, h.pool_region)]
        for code, category in ry.bed_day.items():
            missing = sorted({h.code for h in hospitals if category.daily_rate(h) is None})
            if missing:
                raise ConfigError(region_paths[key], f"bed_day.{code}.rates",
                                  f"no rate for the class of {', '.join(missing)} and no `rate` for every class")


def load_region_year(path: Path, policy_defaults: dict[str, Any]) -> RegionYear:
    raw = _toml(path)
    data = {k: v for k, v in raw.items() if k not in ("weight_table", "dip_catalogue", "pools", "policy")}
    data["policy"] = _validate(Policy, _merge(policy_defaults, raw.get("policy", {})), path, "policy")
    if "weight_table" in raw:
        data["weight_table"] = load_weight_table(path.parent / raw["weight_table"])
    if "dip_catalogue" in raw:
        data["dip_catalogue"] = load_dip_catalogue(path.parent / raw["dip_catalogue"])
    pools = {}
    for i, pool in enumerate(raw.get("pools", [])):
        key_fields = {k: pool.get(k) for k in ("insutype", "origin")}
        body = {k: v for k, v in pool.items() if k not in key_fields}
        try:
            key = PoolKey(region=raw.get("region"), year=raw.get("year"), scheme=raw.get("scheme"), **key_fields)
            pools[key.label] = PoolConfig(key=key, **body)
        except ValidationError as e:
            raise from_validation(path, e, f"pools[{i}]") from None
    data["pools"] = pools
    return _validate(RegionYear, data, path)


def load_dip_catalogue(path: Path | str, name: str | None = None) -> DipCatalogue:
    path = Path(path)
    entries = {}
    for row in _csv_rows(path):
        row["base_group"] = row.get("base_group", "").strip().lower() in _YES
        entry = _validate(DipType, row, path, f"line {row.pop('_line')}")
        if entry.code in entries:
            raise ConfigError(path, f"code {entry.code!r}", "listed twice")
        entries[entry.code] = entry
    return DipCatalogue(name=name or path.stem, source=str(path), entries=entries)


def _check_hospital_regions(config: ProvinceConfig, path: Path) -> None:
    regions = {ry.region for ry in config.region_years.values()}
    for h in config.hospitals.values():
        if h.region not in regions:
            raise ConfigError(path, f"hospital {h.code}.region", f"{h.region} has no region configuration")
        if h.pool_region is not None and h.pool_region not in regions:
            raise ConfigError(path, f"hospital {h.code}.pool_region", f"{h.pool_region} has no region configuration")


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f, parse_float=Decimal)
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "", f"invalid TOML: {e}") from None


def _csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = []
            for line, row in enumerate(csv.DictReader(f), start=2):
                cleaned = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                rows.append({k: v for k, v in cleaned.items() if v != ""} | {"_line": line})
            return rows
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None


def _csv_models(path: Path, model: type) -> list:
    return [_validate(model, row, path, f"line {row.pop('_line')}") for row in _csv_rows(path)]


def _validate(model: type, data: dict[str, Any], source: Path, prefix: str = ""):
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise from_validation(source, e, prefix) from None


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return merged
