"""Loads the scheme and code tables once per process and runs QC + grouping on a settlement list.

DRG or DIP per treatment region and year, as the regional configuration says (`scheme` and
`scheme_version` of `regions/<region>-<year>.toml`): a DIP region's lists are grouped against that
region's configured catalogue (`dip_catalogue`); a DRG region's with the CHS-DRG scheme its version
names (YIDI_DRG_SCHEMES maps versions to directories, each compiled once and cached). YIDI_SCHEME_DIR,
when set, is the one scheme for every region; so is the small demo scheme when YIDI_REFERENCE_DIR holds
no published scheme (the versions must still be named in YIDI_DRG_SCHEMES).

An unknown scheme version is a configuration error, not a fallback (issue 13 item 5): a DRG region-year
whose `scheme_version` has no scheme here stops the service at startup and makes a configuration reload
be refused (the previous configuration stays), every such region-year named with the reason. Should a
list of such a region be reached anyway, QC rejects it (QC-SCHEME-VERSION-UNKNOWN) and grouping answers
`ungroupable` naming the version: never grouped with another version's scheme.

Each scheme version has grouping settings (YIDI_SCHEME_OPTIONS, domain.scheme.SchemeOptions): where a
CC-only case goes in a 1/5 split, whether interventional procedures are operating-room procedures
(decided from the 医保版 ICD-9-CM-3 category file; without it, from the surgical ADRG lists, said at
startup), and the 医保版 ICD version QC checks the region's lists with (CHS-DRG 1.0: 1.0, others: 2.0).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import structlog

from yidi_common.claims import claim_scope
from yidi_common.config_provider import ConfigProvider
from yidi_common.events.v1 import GroupingOutcome, QcProblem
from yidi_common.regional_config import ConfigError, ProvinceConfig, RegionYear, Scheme as PaymentScheme, load_config
from yidi_common.settings import REPO_ROOT, Settings
from yidi_common.settlement_list import ChargeCategory, SettlementList

from ..domain.dip import load_procedure_kinds
from ..domain.dip_assign import assign_dip
from ..domain.drg import GroupingInput, group_case
from ..domain.qc import CodeTables, QcError, reference_problems, run_qc
from ..domain.scheme import Scheme, SchemeOptions, load_scheme, with_options

log = structlog.get_logger()

DEMO_SCHEME = REPO_ROOT / "demo" / "scheme"


def resolve_scheme_dir(settings: Settings) -> Path:
    if settings.yidi_scheme_dir:
        return settings.yidi_scheme_dir
    published = settings.yidi_reference_dir / "chs-drg-1.1"
    return published if published.is_dir() else DEMO_SCHEME


PROCEDURE_CATEGORIES = Path("icd") / "icd9cm3-procedure-category.dat"


# the 医保版 ICD version of each scheme version when YIDI_SCHEME_OPTIONS does not say: CHS-DRG 1.0 was published
# with the 1.0 code lists; 1.1 and 2.0 group 2.0 codes
DEFAULT_ICD_VERSIONS = {"CHS-DRG 1.0": "1.0"}
DEFAULT_ICD_VERSION = "2.0"


def scheme_options(settings: Settings) -> dict[str, SchemeOptions]:
    """YIDI_SCHEME_OPTIONS, validated: scheme_version -> SchemeOptions (ConfigError naming every bad entry)."""
    options, problems = {}, []
    for version, values in settings.yidi_scheme_options.items():
        try:
            options[version] = SchemeOptions(**{"icd_version": DEFAULT_ICD_VERSIONS.get(version, DEFAULT_ICD_VERSION),
                                                **values})
        except (TypeError, ValueError) as error:
            problems.append(f"{version}: {error}")
    if problems:
        raise ConfigError("YIDI_SCHEME_OPTIONS", "scheme options", "; ".join(problems))
    return options


def scheme_label(scheme: Scheme) -> str:
    return f"CHS-DRG {scheme.version}"


def configured_dirs(settings: Settings) -> dict[str, Path]:
    """YIDI_DRG_SCHEMES: scheme_version -> directory (relative ones under YIDI_REFERENCE_DIR), present or not."""
    return {version: settings.yidi_reference_dir / path for version, path in settings.yidi_drg_schemes.items()}


def version_dirs(settings: Settings) -> dict[str, Path]:
    """scheme_version -> directory, for the versions whose files are present (none when YIDI_SCHEME_DIR is set)."""
    if settings.yidi_scheme_dir:
        return {}
    return {version: path for version, path in configured_dirs(settings).items() if (path / "3_DRG.txt").is_file()}


def one_scheme(settings: Settings) -> bool:
    """The default scheme groups every DRG region: YIDI_SCHEME_DIR set (documented: THE scheme), or no
    published scheme under YIDI_REFERENCE_DIR (the demo scheme stands in for every version)."""
    return bool(settings.yidi_scheme_dir) or resolve_scheme_dir(settings) == DEMO_SCHEME


def herbal_share(sl: SettlementList) -> Decimal:
    """中药饮片 (charge category 10) as a share of the list's total cost: a TCM marker (DipTcm)."""
    total = sl.total_cost
    herbal = sum((i.amt for i in sl.iteminfo if i.med_chrgitm_type == ChargeCategory.HERBAL_PIECES), Decimal(0))
    return herbal / total if total else Decimal(0)


@dataclass
class GroupingEngine:
    scheme: Scheme  # the default: regions without configuration or whose version has no directory
    codes: CodeTables | None
    scheme_name: str
    config: ConfigProvider | None = None  # None: CHS-DRG for every region
    procedure_kinds: dict[str, str] = field(default_factory=dict)  # procedure code -> kind, for DIP
    version_dirs: dict[str, Path] = field(default_factory=dict)
    # True: the default scheme groups every DRG region whatever its version (YIDI_SCHEME_DIR, or the demo
    # scheme when no published one is present); False: each DRG region-year's version must be in version_dirs
    one_scheme: bool = False
    # YIDI_DRG_SCHEMES as configured, present or not: the versions a configuration may name (None: not checked
    # in one_scheme mode; otherwise version_dirs) and where a missing one was looked for
    configured: dict[str, Path] | None = None
    options: dict[str, SchemeOptions] = field(default_factory=dict)  # YIDI_SCHEME_OPTIONS by scheme_version
    icd_dir: Path | None = None  # where the code lists of other ICD versions than `codes` are read from
    _by_version: dict[str, Scheme | None] = field(default_factory=dict)
    _optioned: dict[tuple[str, str], Scheme] = field(default_factory=dict)
    _code_tables: dict[str, CodeTables] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, config: ConfigProvider | None = None) -> "GroupingEngine":
        """config: the regional configuration; loaded from YIDI_CONFIG_DIR when not given and it exists."""
        scheme_dir = resolve_scheme_dir(settings)
        scheme = load_scheme(scheme_dir)
        icd_dir = settings.yidi_reference_dir / "icd"
        codes = CodeTables.load(icd_dir) if icd_dir.is_dir() and scheme_dir != DEMO_SCHEME else None
        kinds_path = settings.yidi_reference_dir / PROCEDURE_CATEGORIES
        kinds = load_procedure_kinds(kinds_path) if kinds_path.is_file() else {}
        if not kinds:
            log.warning("procedure category file absent: operating-room procedures are those of the scheme's "
                        "surgical ADRG lists (also every interventional one there)", path=str(kinds_path))
        engine = cls(scheme, codes, scheme_label(scheme), None, kinds, version_dirs(settings), one_scheme(settings),
                     None if settings.yidi_scheme_dir else configured_dirs(settings), scheme_options(settings),
                     icd_dir if codes is not None else None)
        if config is None and settings.yidi_config_dir.is_dir():
            config = ConfigProvider.load(settings.yidi_config_dir, engine.checked_loader(load_config))
        elif config is not None:
            engine.check(config.current, config.directory)
            config.loader = engine.checked_loader(config.loader)
        engine.config = config
        used = sorted({ry.scheme_version for ry in config.current.region_years.values()
                       if ry.scheme is PaymentScheme.DRG}) if config else []
        loaded = {version: str(engine.version_dirs[version]) for version in used if engine.scheme_for_version(version)}
        settings_in_force = {version: engine.options_for(version) for version in used}
        log.info("grouping engine ready", scheme=str(scheme_dir), code_tables=bool(codes), region_schemes=loaded,
                 scheme_options={version: f"cc_only_split={o.cc_only_split} interventional={o.interventional} "
                                 f"icd_version={o.icd_version}" for version, o in settings_in_force.items()},
                 warnings=len(scheme.load_warnings), regional_config=bool(config), procedure_kinds=len(kinds))
        if scheme_dir == DEMO_SCHEME:
            log.warning("grouping with the small demo scheme: no published CHS-DRG files under YIDI_REFERENCE_DIR",
                        reference_dir=str(settings.yidi_reference_dir))
        return engine

    def options_for(self, version: str) -> SchemeOptions:
        """The grouping settings of a scheme version: YIDI_SCHEME_OPTIONS, else the defaults."""
        found = self.options.get(version)
        return found or SchemeOptions(icd_version=DEFAULT_ICD_VERSIONS.get(version, DEFAULT_ICD_VERSION))

    def optioned(self, base: Scheme, version: str) -> Scheme:
        """`base` under the settings of `version` (CC-only split, operating-room procedures), built once."""
        key = (base.source_hash or base.version, version)
        if key not in self._optioned:
            self._optioned[key] = with_options(base, self.options_for(version), self.procedure_kinds)
        return self._optioned[key]

    def code_tables(self, icd_version: str) -> CodeTables | None:
        """The 医保版 code lists of one ICD version; None when QC runs without code lists (no reference data)."""
        if self.codes is None:
            return None
        if icd_version == self.codes.version:
            return self.codes
        if icd_version not in self._code_tables:
            if self.icd_dir is None:
                raise FileNotFoundError(f"no ICD directory for the {icd_version} code lists")
            self._code_tables[icd_version] = CodeTables.load(self.icd_dir, icd_version)
        return self._code_tables[icd_version]

    def icd_version(self, region: RegionYear | None) -> str:
        """The ICD version a region-year's lists are checked with: its scheme version's (DEFAULT_ICD_VERSION
        for lists of no configured region)."""
        return self.options_for(region.scheme_version).icd_version if region is not None else DEFAULT_ICD_VERSION

    def code_list_problems(self, config: ProvinceConfig) -> list[str]:
        """Every region-year whose ICD version has no code lists here."""
        problems = []
        for ry in sorted(config.region_years.values(), key=lambda ry: (ry.region, ry.year)):
            try:
                self.code_tables(self.icd_version(ry))
            except FileNotFoundError as error:
                problems.append(f"region {ry.region} year {ry.year} ({ry.scheme_version}): {error}")
        return problems

    def scheme_for_version(self, version: str) -> Scheme | None:
        """The compiled scheme a region's scheme_version names; None when it has no directory here."""
        if version not in self._by_version:
            path = self.version_dirs.get(version)
            self._by_version[version] = self.optioned(load_scheme(path), version) if path else None
        return self._by_version[version]

    def missing_scheme(self, region: RegionYear) -> str | None:
        """Why a DRG region-year's scheme_version has no scheme here; None when it has one (or is not DRG)."""
        if region.scheme is not PaymentScheme.DRG:
            return None  # DIP regions group with their catalogue
        version = region.scheme_version
        configured = self.configured if self.configured is not None else (None if self.one_scheme else self.version_dirs)
        if configured is not None and version not in configured:
            known = ", ".join(sorted(configured)) or "none"
            return f"scheme_version {version!r} is not in YIDI_DRG_SCHEMES (known: {known})"
        if self.one_scheme or version in self.version_dirs:
            return None
        return (f"scheme_version {version!r}: YIDI_DRG_SCHEMES names {configured[version]}, "
                f"which holds no scheme (3_DRG.txt)")

    def scheme_problems(self, config: ProvinceConfig) -> list[str]:
        """Every DRG region-year whose scheme_version has no scheme here, with the reason."""
        problems = []
        for ry in sorted(config.region_years.values(), key=lambda ry: (ry.region, ry.year)):
            reason = self.missing_scheme(ry)
            if reason:
                problems.append(f"region {ry.region} year {ry.year}: {reason}")
        return problems

    def check(self, config: Any, directory: Path | str) -> Any:
        """The configuration, if every DRG region-year's scheme_version has a scheme; else ConfigError naming them."""
        problems = self.scheme_problems(config) if isinstance(config, ProvinceConfig) else []
        if problems:
            raise ConfigError(directory, "scheme_version",
                              "no grouping scheme for " + "; ".join(problems)
                              + " (an unknown scheme version is a configuration error, not a fallback)")
        missing_codes = self.code_list_problems(config) if isinstance(config, ProvinceConfig) else []
        if missing_codes:
            raise ConfigError(directory, "scheme_version", "no 医保版 code lists for " + "; ".join(missing_codes))
        return config

    def checked_loader(self, loader: Callable[[Path], Any]) -> Callable[[Path], Any]:
        """The configuration provider's loader, refusing a configuration naming a version without a scheme:
        at startup the service stops; a reload is refused and the previous configuration stays."""
        if getattr(loader, "scheme_checked", False):
            return loader

        def load(directory: Path) -> Any:
            return self.check(loader(directory), directory)
        load.scheme_checked = True  # type: ignore[attr-defined]
        return load

    def drg_scheme(self, region: RegionYear | None) -> tuple[Scheme, str] | None:
        """The scheme for a region's lists and the name results carry: its configured version's, or the default
        (no region, a DIP region without catalogue, one-scheme mode); None when its version has no scheme here.
        YIDI_SCHEME_DIR leaves version_dirs empty: then the default groups every region."""
        if region is None or region.scheme is not PaymentScheme.DRG:
            return self.optioned(self.scheme, self.scheme_name), self.scheme_name
        found = self.scheme_for_version(region.scheme_version)
        if found:
            return found, region.scheme_version
        if self.one_scheme and not self.missing_scheme(region):
            return self.optioned(self.scheme, region.scheme_version), self.scheme_name
        return None

    def quality_problems(self, sl: SettlementList) -> list[QcProblem]:
        """QC with the code lists of the treatment region's ICD version (issue 13 item 5)."""
        region = self.region_year(sl)
        errors = run_qc(sl, self.code_tables(self.icd_version(region)))
        if self.config is not None:
            errors += reference_problems(sl, self.config.current)
            reason = self.missing_scheme(region) if region is not None else None
            if reason:
                errors.append(QcError("setlinfo.treat_admdvs", "QC-SCHEME-VERSION-UNKNOWN",
                                      f"configuration error: treatment region {region.region} year {region.year}: "
                                      f"{reason}; not grouped with another scheme"))
        return [QcProblem(field=p.field, rule=p.rule, message=p.message) for p in errors]

    def region_year(self, sl: SettlementList) -> RegionYear | None:
        """The configuration of the region whose rules take the list (the treatment region, or the hospital's
        pool region for its cross-region cases: 省本级) for the settlement year; None when not configured."""
        if self.config is None:
            return None
        info, config = sl.setlinfo, self.config.current
        scope = claim_scope(insured_region=info.insu_admdvs, treatment_region=info.treat_admdvs)
        try:
            region = config.pricing_region(info.fixmedins_code, info.treat_admdvs, scope)
            return config.region_year(region, int(str(info.setl_period)[:4]))
        except (KeyError, ValueError):
            return None

    def group(self, sl: SettlementList) -> GroupingOutcome:
        region = self.region_year(sl)
        if region is not None and region.scheme is PaymentScheme.DIP and region.dip_catalogue is not None:
            return self.group_dip(sl, region)
        return self.group_drg(sl, region)

    def group_dip(self, sl: SettlementList, region: RegionYear) -> GroupingOutcome:
        catalogue = region.dip_catalogue
        result = assign_dip(GroupingInput.from_settlement_list(sl), catalogue.entries, self.procedure_kinds,
                            region.policy.dip, herbal_share(sl))
        source = f"{region.region}/{region.year} is DIP: catalogue {catalogue.name} ({len(catalogue.entries)} types)"
        if not self.procedure_kinds:
            source += "; procedure kind file absent, every procedure counts as 治疗性操作"
        return GroupingOutcome(
            payment_method="DIP",
            scheme=region.scheme_version,
            status="grouped" if result.type_code else "ungroupable",
            dip_type=result.type_code or None,
            dip_score=result.score if result.type_code else None,
            dip_category=result.category,
            dip_severity=result.severity if result.type_code else None,
            complications=list(result.severity_codes),
            explanation=[source, *result.explanation],
        )

    def group_drg(self, sl: SettlementList, region: RegionYear | None) -> GroupingOutcome:
        chosen = self.drg_scheme(region)
        if chosen is None:
            return GroupingOutcome(payment_method="DRG", scheme=region.scheme_version, status="ungroupable", explanation=[
                f"configuration error: {region.region}/{region.year}: {self.missing_scheme(region)}; "
                "not grouped with another scheme"])
        scheme, name = chosen
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
