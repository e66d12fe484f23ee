"""Loads the scheme and code tables once per process and runs QC + grouping on a settlement list.

DRG or DIP per treatment region and year, as the regional configuration says (`scheme` of
`regions/<region>-<year>.toml`): a DIP region's lists are grouped against that region's configured
catalogue (`dip_catalogue`), everything else with CHS-DRG.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import structlog

from yidi_common.config_provider import ConfigProvider
from yidi_common.events.v1 import GroupingOutcome, QcProblem
from yidi_common.regional_config import RegionYear, Scheme as PaymentScheme
from yidi_common.settings import REPO_ROOT, Settings
from yidi_common.settlement_list import SettlementList

from ..domain.dip import group_dip_configured, load_procedure_kinds
from ..domain.drg import GroupingInput, group_case
from ..domain.qc import CodeTables, run_qc
from ..domain.scheme import Scheme, load_scheme

log = structlog.get_logger()

DEMO_SCHEME = REPO_ROOT / "demo" / "scheme"


def resolve_scheme_dir(settings: Settings) -> Path:
    if settings.yidi_scheme_dir:
        return settings.yidi_scheme_dir
    published = settings.yidi_reference_dir / "chs-drg-1.1"
    return published if published.is_dir() else DEMO_SCHEME


PROCEDURE_CATEGORIES = Path("icd") / "icd9cm3-procedure-category.dat"


@dataclass
class GroupingEngine:
    scheme: Scheme
    codes: CodeTables | None
    scheme_name: str
    config: ConfigProvider | None = None  # None: CHS-DRG for every region
    procedure_kinds: dict[str, str] = field(default_factory=dict)  # procedure code -> kind, for DIP

    @classmethod
    def from_settings(cls, settings: Settings, config: ConfigProvider | None = None) -> "GroupingEngine":
        """config: the regional configuration; loaded from YIDI_CONFIG_DIR when not given and it exists."""
        scheme_dir = resolve_scheme_dir(settings)
        scheme = load_scheme(scheme_dir)
        icd_dir = settings.yidi_reference_dir / "icd"
        codes = CodeTables.load(icd_dir) if icd_dir.is_dir() and scheme_dir != DEMO_SCHEME else None
        if config is None and settings.yidi_config_dir.is_dir():
            config = ConfigProvider.load(settings.yidi_config_dir)
        kinds_path = settings.yidi_reference_dir / PROCEDURE_CATEGORIES
        kinds = load_procedure_kinds(kinds_path) if kinds_path.is_file() else {}
        log.info("grouping engine ready", scheme=str(scheme_dir), code_tables=bool(codes),
                 warnings=len(scheme.load_warnings), regional_config=bool(config), procedure_kinds=len(kinds))
        return cls(scheme, codes, f"CHS-DRG {scheme.version}", config, kinds)

    def quality_problems(self, sl: SettlementList) -> list[QcProblem]:
        return [QcProblem(field=p.field, rule=p.rule, message=p.message) for p in run_qc(sl, self.codes)]

    def region_year(self, sl: SettlementList) -> RegionYear | None:
        """The treatment region's configuration for the settlement year; None when not configured."""
        if self.config is None:
            return None
        info = sl.setlinfo
        try:
            return self.config.current.region_year(info.treat_admdvs, int(str(info.setl_period)[:4]))
        except (KeyError, ValueError):
            return None

    def group(self, sl: SettlementList) -> GroupingOutcome:
        region = self.region_year(sl)
        if region is not None and region.scheme is PaymentScheme.DIP and region.dip_catalogue is not None:
            return self.group_dip(sl, region)
        return self.group_drg(sl)

    def group_dip(self, sl: SettlementList, region: RegionYear) -> GroupingOutcome:
        catalogue = region.dip_catalogue
        result = group_dip_configured(GroupingInput.from_settlement_list(sl), catalogue.entries, self.procedure_kinds)
        source = f"{region.region}/{region.year} is DIP: catalogue {catalogue.name} ({len(catalogue.entries)} types)"
        if not self.procedure_kinds:
            source += "; procedure kind file absent, every procedure counts as 治疗性操作"
        return GroupingOutcome(
            payment_method="DIP",
            scheme=region.scheme_version,
            status="grouped" if result.type_code else "ungroupable",
            dip_type=result.type_code or None,
            dip_score=result.score if result.type_code else None,
            explanation=[source, *result.explanation],
        )

    def group_drg(self, sl: SettlementList) -> GroupingOutcome:
        result = group_case(GroupingInput.from_settlement_list(sl), self.scheme)
        return GroupingOutcome(
            payment_method="DRG",
            scheme=self.scheme_name,
            status=result.status,
            mdc=result.mdc,
            adrg=result.adrg,
            drg=result.drg,
            complications=list(result.counted),
            explanation=list(result.reasons),
        )
