"""What priced claims consume of their budgets, at the provisional rate (DOMAIN.md §6).

A claim version adds to its pool's budget and, when its scope is cross-region, to its insured
region's cross-region budget. Budgets keep running sums by claim version: a later version replaces
the amounts of an earlier one, an older version arriving late changes nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from yidi_common.claims import ClaimScope, parse_pool_label
from yidi_common.money import ZERO


class BudgetKind(StrEnum):
    POOL = "pool"  # a treatment region's pool
    INSURED = "insured-cross-region"  # an insured region's budget for its people's cross-region care


@dataclass(frozen=True, slots=True, order=True)
class BudgetRef:
    kind: BudgetKind
    key: str  # the pool's label, or insured_budget_key(insured region, year)

    @property
    def region(self) -> str:
        """The pool's treatment region, or the insured region."""
        return self._region_and_year()[0]

    @property
    def year(self) -> int:
        return self._region_and_year()[1]

    def _region_and_year(self) -> tuple[str, int]:
        if self.kind is BudgetKind.POOL:
            region, year, *_ = parse_pool_label(self.key)
            return region, year
        region, year = self.key.split("-")
        return region, int(year)


def insured_budget_key(insured_region: str, year: int) -> str:
    return f"{insured_region}-{year}"


@dataclass(frozen=True, slots=True)
class Sums:
    """A budget's running sums, or a change of them."""

    cases: int = 0
    consumed: Decimal = ZERO  # pool: Σ FundDue; insured region: Σ every fund's payments
    basic_fund: Decimal = ZERO  # pool: Σ F (the budget of a pool budgeted by per-item payments)

    def __add__(self, other: Sums) -> Sums:
        return Sums(self.cases + other.cases, self.consumed + other.consumed, self.basic_fund + other.basic_fund)

    def __sub__(self, other: Sums) -> Sums:
        return Sums(self.cases - other.cases, self.consumed - other.consumed, self.basic_fund - other.basic_fund)


NO_SUMS = Sums()


@dataclass(frozen=True, slots=True)
class PricedClaim:
    """What budget reads of one priced claim version."""

    claim_id: str
    version: int
    scope: ClaimScope
    insured_region: str
    year: int
    pool: str | None  # the pool's label; None for a claim outside every pool
    fund_due: Decimal
    basic_fund: Decimal
    fund_payments: Decimal  # every fund type
    correlation_id: str  # passed on to the alerts the claim raises


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one claim version adds to its budgets, kept so that a later version can take it back."""

    claim_id: str
    version: int
    pool: str | None
    insured_budget_key: str | None  # set when the claim is cross-region
    fund_due: Decimal
    basic_fund: Decimal
    cross_region_funds: Decimal  # every fund's payments, for the insured region's budget

    def shares(self) -> Iterator[tuple[BudgetRef, Sums]]:
        if self.pool:
            yield BudgetRef(BudgetKind.POOL, self.pool), Sums(1, self.fund_due, self.basic_fund)
        if self.insured_budget_key:
            yield BudgetRef(BudgetKind.INSURED, self.insured_budget_key), Sums(1, self.cross_region_funds)


def contribution(claim: PricedClaim) -> Contribution:
    in_pool = claim.pool is not None
    cross_region = claim.scope is ClaimScope.CROSS_REGION
    return Contribution(
        claim_id=claim.claim_id,
        version=claim.version,
        pool=claim.pool,
        insured_budget_key=insured_budget_key(claim.insured_region, claim.year) if cross_region else None,
        fund_due=claim.fund_due if in_pool else ZERO,
        basic_fund=claim.basic_fund if in_pool else ZERO,
        cross_region_funds=claim.fund_payments if cross_region else ZERO,
    )


@dataclass(slots=True)
class BudgetChange:
    correlation_id: str  # of the first claim version in the batch that changed the budget
    sums: Sums = NO_SUMS


@dataclass(frozen=True, slots=True)
class Supersession:
    latest: list[Contribution]  # to store: one per claim, newer than the stored one
    changes: dict[BudgetRef, BudgetChange]  # ordered by budget


def supersede(stored: Mapping[str, Contribution], claims: Iterable[PricedClaim]) -> Supersession:
    """The change of each budget's sums when these claim versions, in order, replace the stored ones."""
    current = dict(stored)
    latest: dict[str, Contribution] = {}
    changes: dict[BudgetRef, BudgetChange] = {}
    for claim in claims:
        new = contribution(claim)
        old = current.get(new.claim_id)
        if old is not None and old.version >= new.version:
            continue  # an older version arriving late changes nothing
        current[new.claim_id] = latest[new.claim_id] = new
        if old is not None:
            for ref, share in old.shares():
                changes.setdefault(ref, BudgetChange(claim.correlation_id)).sums -= share
        for ref, share in new.shares():
            changes.setdefault(ref, BudgetChange(claim.correlation_id)).sums += share
    return Supersession(list(latest.values()), dict(sorted(changes.items())))
