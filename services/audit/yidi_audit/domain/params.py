"""Rule parameters per treatment region: province defaults, sparse region overrides, one TOML file.

The treatment region audits its cases with its own standards (seed 001 (八)), so a claim is
audited with `config.for_region(claim.reviewing_region)` (a 省本级 claim's pool region, else its treatment region). File layout (see demo/audit/rules.toml):

    [province.self_pay]          # province-wide values, over the built-in defaults
    max_share = 0.10
    [regions.360100.self_pay]    # a region's overrides, over the province values
    max_share = 0.08
    [group_norms]                # 病组标杆 CSVs (see norms.py), paths relative to this file
    province = "group-norms.csv"
    regions = { "360500" = "group-norms-360500.csv" }

Numbers are read as Decimal (tomllib parse_float=Decimal), never as floats.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .norms import GroupNorms, GroupNormsError, load_group_norms
from .special_cases import QuotaLimit, QuotaPeriod
from .rules.cost_shifting import Params as CostShiftingParams
from .rules.early_discharge import Params as EarlyDischargeParams
from .rules.lowered_admission import Params as LoweredAdmissionParams
from .rules.score_drift import Params as ScoreDriftParams
from .rules.self_pay import Params as SelfPayParams
from .rules.split_admission import Params as SplitAdmissionParams
from .rules.symptom_principal import Params as SymptomPrincipalParams
from .rules.upcoding import Params as UpcodingParams

REGION_CODE = re.compile(r"^\d{6}$")


class HospitalQuota(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_case_share: Decimal = Field(ge=0, le=1)
    max_fund_share: Decimal = Field(ge=0, le=1)


class SpecialCaseParams(BaseModel):
    """特例单议 quota (seed 000 二(一): "具体数量比例由就医地统筹区医保部门与...定点医疗机构协商谈判确定,
    按统筹区统一管理"). The seeds give no number: the defaults (5 % of a hospital's cases and 5 % of its fund
    per year) are configuration; `hospitals` holds each hospital's negotiated figures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_case_share: Decimal = Field(default=Decimal("0.05"), ge=0, le=1)
    max_fund_share: Decimal = Field(default=Decimal("0.05"), ge=0, le=1)
    period: QuotaPeriod = QuotaPeriod.YEAR
    open_from_list_flag: bool = True  # the list's setlinfo.special_case_review opens a case (origin hospital-list)
    hospitals: dict[str, HospitalQuota] = Field(default_factory=dict)

    def limit_for(self, hospital_code: str) -> QuotaLimit:
        own = self.hospitals.get(hospital_code)
        if own is not None:
            return QuotaLimit(own.max_case_share, own.max_fund_share)
        return QuotaLimit(self.max_case_share, self.max_fund_share)


class AuditParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    split_admission: SplitAdmissionParams = SplitAdmissionParams()
    upcoding: UpcodingParams = UpcodingParams()
    lowered_admission: LoweredAdmissionParams = LoweredAdmissionParams()
    cost_shifting: CostShiftingParams = CostShiftingParams()
    early_discharge: EarlyDischargeParams = EarlyDischargeParams()
    self_pay: SelfPayParams = SelfPayParams()
    symptom_principal: SymptomPrincipalParams = SymptomPrincipalParams()
    score_drift: ScoreDriftParams = ScoreDriftParams()
    special_cases: SpecialCaseParams = SpecialCaseParams()

    @property
    def history_days(self) -> int:
        """How far back a claim's earlier stays matter to the rules that look at them."""
        return max(self.split_admission.window_days, self.early_discharge.readmission_days)


@dataclass(frozen=True, slots=True)
class AuditConfig:
    province: AuditParams = AuditParams()
    regions: Mapping[str, AuditParams] = field(default_factory=dict)
    province_norms: GroupNorms = field(default_factory=dict)
    region_norms: Mapping[str, GroupNorms] = field(default_factory=dict)

    def for_region(self, region: str) -> AuditParams:
        return self.regions.get(region, self.province)

    def norms_for(self, region: str) -> GroupNorms:
        return self.region_norms.get(region, self.province_norms)

    def history_days(self) -> int:
        return max(p.history_days for p in (self.province, *self.regions.values()))


class AuditConfigError(ValueError):
    pass


def merged(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` over `base`, table by table."""
    out = dict(base)
    for key, value in override.items():
        out[key] = merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) else value
    return out


def audit_config(raw: Mapping[str, Any], source: str = "<dict>", base_dir: Path | None = None) -> AuditConfig:
    unknown = set(raw) - {"province", "regions", "group_norms"}
    if unknown:
        raise AuditConfigError(
            f"{source}: unknown top-level tables {sorted(unknown)}; expected province, regions, group_norms")
    province_raw = raw.get("province", {})
    regions: dict[str, AuditParams] = {}
    try:
        province = AuditParams.model_validate(province_raw)
        for code, override in raw.get("regions", {}).items():
            if not REGION_CODE.match(code):
                raise AuditConfigError(f"{source}: regions.{code} is not a six-digit region code")
            regions[code] = AuditParams.model_validate(merged(province_raw, override))
    except ValidationError as e:
        raise AuditConfigError(f"{source}: {e}") from None
    province_norms, region_norms = _group_norms(raw.get("group_norms", {}), source, base_dir or Path("."))
    return AuditConfig(province=province, regions=regions, province_norms=province_norms, region_norms=region_norms)


def _group_norms(raw: Mapping[str, Any], source: str, base_dir: Path) -> tuple[GroupNorms, dict[str, GroupNorms]]:
    unknown = set(raw) - {"province", "regions"}
    if unknown:
        raise AuditConfigError(f"{source}: group_norms: unknown keys {sorted(unknown)}; expected province, regions")
    problems: list[str] = []

    def load(path: str) -> GroupNorms:
        try:
            return load_group_norms(base_dir / path)
        except (OSError, GroupNormsError) as e:
            problems.append(str(e))
            return {}

    province = load(raw["province"]) if "province" in raw else {}
    regions: dict[str, GroupNorms] = {}
    for code, path in raw.get("regions", {}).items():
        if not REGION_CODE.match(code):
            problems.append(f"group_norms.regions.{code} is not a six-digit region code")
        else:
            regions[code] = load(path)
    if problems:
        raise AuditConfigError(f"{source}: " + "; ".join(problems))
    return province, regions


def load_audit_config(path: Path) -> AuditConfig:
    with path.open("rb") as f:
        try:
            raw = tomllib.load(f, parse_float=Decimal)
        except tomllib.TOMLDecodeError as e:
            raise AuditConfigError(f"{path}: {e}") from None
    return audit_config(raw, str(path), path.parent)
