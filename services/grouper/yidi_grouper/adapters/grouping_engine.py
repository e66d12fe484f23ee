"""Loads the scheme and code tables once per process and runs QC + grouping on a settlement list."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import structlog

from yidi_common.events.v1 import GroupingOutcome, QcProblem
from yidi_common.settings import REPO_ROOT, Settings
from yidi_common.settlement_list import SettlementList

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


@dataclass
class GroupingEngine:
    scheme: Scheme
    codes: CodeTables | None
    scheme_name: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "GroupingEngine":
        scheme_dir = resolve_scheme_dir(settings)
        scheme = load_scheme(scheme_dir)
        icd_dir = settings.yidi_reference_dir / "icd"
        codes = CodeTables.load(icd_dir) if icd_dir.is_dir() and scheme_dir != DEMO_SCHEME else None
        log.info("grouping engine ready", scheme=str(scheme_dir), code_tables=bool(codes),
                 warnings=len(scheme.load_warnings))
        return cls(scheme, codes, f"CHS-DRG {scheme.version}")

    def quality_problems(self, sl: SettlementList) -> list[QcProblem]:
        return [QcProblem(field=p.field, rule=p.rule, message=p.message) for p in run_qc(sl, self.codes)]

    def group(self, sl: SettlementList) -> GroupingOutcome:
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
