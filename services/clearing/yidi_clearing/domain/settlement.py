"""What each run settles: the claim versions not yet settled at their current version, as differences.

A claim is settled once per stage (DOMAIN.md §7):

- `monthly`: the treatment region pays its hospital the claim's provisional FundDue (less the guarantee)
  and the per-item part in full (the other funds' payments; for a cross-province claim every fund's);
- `annual`: the annual run (or, after it, an annual adjustment) settles FundDue at the final rate;
- `cross-region`: the insured region remits the claim's fund payments through the province;
- `cross-province`: the national platform reimburses the treatment region's receivable.

A run of a stage takes every claim whose current version that stage has not settled, and settles the
difference from the version it settled before (nothing for a first settlement). So a late list or a
correction enters the next run (or a supplementary run of its own month) as an adjustment that keeps
its own period, and no version is settled twice: (stage, claim, version) is settled at most once.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from yidi_common.claims import ClaimScope

from .cases import ClearingCase

ZERO = Decimal("0.00")


class Stage(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"
    CROSS_REGION = "cross-region"
    CROSS_PROVINCE = "cross-province"


@dataclass(frozen=True, slots=True)
class Settled:
    """One claim version as a run of a stage settled it."""

    stage: Stage
    claim_id: str
    version: int
    run: str  # the run's key: kind/book/period#seq
    period: str  # the claim's settlement month
    hospital_code: str
    treatment_region: str
    insured_region: str
    fund_due: Decimal  # provisional (monthly) or final (annual) FundDue; 0 outside the pools
    per_item: Decimal  # paid as charged: other funds in a pool, every fund of a cross-province claim
    provisional: Decimal = ZERO  # annual: the provisional FundDue the final one replaced
    pool: str | None = None  # annual: the pool the version was cleared in


@dataclass(frozen=True, slots=True)
class Difference:
    """What a run owes for one claim: its current version less what the stage settled before."""

    case: ClearingCase
    before: Settled | None

    @property
    def is_correction(self) -> bool:
        return self.before is not None


def stage_amounts(stage: Stage, case: ClearingCase) -> tuple[Decimal, Decimal]:
    """(FundDue, per item) the stage settles for a claim version at the provisional rate.

    monthly / annual: FundDue for a claim in a pool and the other funds' payments per item; a
    cross-province claim (no pool) every fund's payment per item. cross-region / cross-province: every
    fund payment of a claim in that scope, nothing otherwise. A 手工报销 claim: nothing at any stage.
    """
    scope = case.scope
    if case.settled_by_hand:  # the insured region paid the person: nothing for any stage to settle
        return ZERO, ZERO
    if stage is Stage.CROSS_REGION:
        return (ZERO, case.fund_payments) if scope is ClaimScope.CROSS_REGION else (ZERO, ZERO)
    if stage is Stage.CROSS_PROVINCE or scope is ClaimScope.CROSS_PROVINCE:
        return (ZERO, case.fund_payments) if scope is ClaimScope.CROSS_PROVINCE else (ZERO, ZERO)
    return case.fund_due, case.other_funds


def unsettled(stage: Stage, cases: Iterable[ClearingCase], settled: Mapping[str, Settled]) -> list[Difference]:
    """The cases whose current version the stage has not settled, each with what it settled before
    (settled: per claim, the latest version the stage settled). A claim outside the stage's scope is
    taken only when the stage settled an earlier version in scope: the run settles it back to zero."""
    out = []
    for case in cases:
        before = settled.get(case.claim_id)
        if before is not None and before.version >= case.version:
            continue
        if before is None and not in_scope(stage, case):
            continue
        out.append(Difference(case, before))
    return sorted(out, key=lambda d: (d.case.hospital_code, d.case.period, d.case.claim_id))


def in_scope(stage: Stage, case: ClearingCase) -> bool:
    if stage is Stage.CROSS_REGION:
        return case.scope is ClaimScope.CROSS_REGION
    if stage is Stage.CROSS_PROVINCE:
        return case.scope is ClaimScope.CROSS_PROVINCE
    return True
