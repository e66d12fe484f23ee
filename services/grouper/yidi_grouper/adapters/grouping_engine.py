"""Loads the scheme and code tables once per process and runs QC + grouping on a settlement list.

DRG or DIP per treatment region and year, as the regional configuration says (`scheme` and
`scheme_version` of `regions/<region>-<year>.toml`): a DIP region's lists are grouped against that
region's configured catalogue (`dip_catalogue`); a DRG region's with the CHS-DRG scheme its version
names (YIDI_DRG_SCHEMES maps versions to directories, each compiled once and cached). YIDI_SCHEME_DIR,
when set, is the one scheme for every region; a version with no directory gets the default scheme,
with a warning.
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
from ..domain.qc import CodeTables, reference_problems, run_qc
from ..domain.scheme import Scheme, load_scheme

log = structlog.get_logger()

DEMO_SCHEME = REPO_ROOT / "demo" / "scheme"


def resolve_scheme_dir(settings: Settings) -> Path:
    if settings.yidi_scheme_dir:
        return settings.yidi_scheme_dir
    published = settings.yidi_reference_dir / "chs-drg-1.1"
    return published if published.is_dir() else DEMO_SCHEME


PROCEDURE_CATEGORIES = Path("icd") / "icd9cm3-procedure-category.dat"


def scheme_label(scheme: Scheme) -> str:
    return f"CHS-DRG {scheme.version}"


def version_dirs(settings: Settings) -> dict[str, Path]:
    """scheme_version -> directory, for the versions whose files are present (none when YIDI_SCHEME_DIR is set)."""
    if settings.yidi_scheme_dir:
        return {}
    dirs = {version: settings.yidi_reference_dir / path for version, path in settings.yidi_drg_schemes.items()}
    return {version: path for version, path in dirs.items() if (path / "3_DRG.txt").is_file()}


@dataclass
class GroupingEngine:
    scheme: Scheme  # the default: regions without configuration or whose version has no directory
    codes: CodeTables | None
    scheme_name: str
    config: ConfigProvider | None = None  # None: CHS-DRG for every region
    procedure_kinds: dict[str, str] = field(default_factory=dict)  # procedure code -> kind, for DIP
    version_dirs: dict[str, Path] = field(default_factory=dict)
    _by_version: dict[str, Scheme | None] = field(default_factory=dict)

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
        engine = cls(scheme, codes, scheme_label(scheme), config, kinds, version_dirs(settings))
        used = sorted({ry.scheme_version for ry in config.current.region_years.values()
                       if ry.scheme is PaymentScheme.DRG}) if config else []
        loaded = {version: str(engine.version_dirs[version]) for version in used if engine.scheme_for_version(version)}
        log.info("grouping engine ready", scheme=str(scheme_dir), code_tables=bool(codes), region_schemes=loaded,
                 warnings=len(scheme.load_warnings), regional_config=bool(config), procedure_kinds=len(kinds))
        if scheme_dir == DEMO_SCHEME:
            log.warning("grouping with the small demo scheme: no published CHS-DRG files under YIDI_REFERENCE_DIR",
                        reference_dir=str(settings.yidi_reference_dir))
        return engine

    def scheme_for_version(self, version: str) -> Scheme | None:
        """The compiled scheme a region's scheme_version names; None when it has no directory here."""
        if version not in self._by_version:
            path = self.version_dirs.get(version)
            self._by_version[version] = load_scheme(path) if path else None
            if path is None:
                log.warning("no scheme directory for this version: the default scheme groups its regions",
                            version=version, default=self.scheme_name, known=sorted(self.version_dirs))
        return self._by_version[version]

    def drg_scheme(self, region: RegionYear | None) -> tuple[Scheme, str]:
        """The scheme for a region's lists and the name results carry: its configured version, or the default's."""
        found = self.scheme_for_version(region.scheme_version) if region is not None else None
        return (found, region.scheme_version) if found else (self.scheme, self.scheme_name)

    def quality_problems(self, sl: SettlementList) -> list[QcProblem]:
        errors = run_qc(sl, self.codes)
        if self.config is not None:
            errors += reference_problems(sl, self.config.current)
        return [QcProblem(field=p.field, rule=p.rule, message=p.message) for p in errors]

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
        return self.group_drg(sl, region)

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

    def group_drg(self, sl: SettlementList, region: RegionYear | None) -> GroupingOutcome:
        scheme, name = self.drg_scheme(region)
        result = group_case(GroupingInput.from_settlement_list(sl), scheme)
        return GroupingOutcome(
            payment_method="DRG",
            scheme=name,
            status=result.status,
            mdc=result.mdc,
            adrg=result.adrg,
            drg=result.drg,
            complications=list(result.counted),
            explanation=list(result.reasons),
        )
