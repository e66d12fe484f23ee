"""The few definitions every service must apply identically (DOMAIN.md §1, §5, §6).

Decided here once: a claim's scope (local, cross-region, cross-province), what the basic fund owes
the hospital for a case (FundDue), and a pool's label and how to read one back. The grouper decides
a claim's scope at intake and it travels in `ClaimFacts.scope`; pricing decides the pool and it
travels in `PricingOutcome.pool`. Nobody downstream recomputes either.
"""
from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from .money import ZERO, to_fen

ALL = "all"  # a pool label's word for a merged insurance type or origin


class ClaimScope(StrEnum):
    LOCAL = "local"  # insured in the treatment region
    CROSS_REGION = "cross-region"  # 省内异地: insured in another region of the province
    CROSS_PROVINCE = "cross-province"  # 跨省: paid per item, outside every pool


def province_of(region: str) -> str:
    """The province part of a 6-digit administrative division code (GB/T 2260): its first two digits."""
    return region[:2]


def claim_scope(*, insured_region: str, treatment_region: str) -> ClaimScope:
    """Decided by the two region codes: another province's code is cross-province, another region of
    the same province cross-region. The list's own cross-province flag is only checked against this
    (grouper QC rejects a list whose flag contradicts its codes)."""
    if province_of(insured_region) != province_of(treatment_region):
        return ClaimScope.CROSS_PROVINCE
    return ClaimScope.LOCAL if insured_region == treatment_region else ClaimScope.CROSS_REGION


def fund_due(total_cost: Decimal, basic_fund: Decimal, payment: Decimal) -> Decimal:
    """FundDue = max(0, F + Payment − T) (DOMAIN.md §5): the patient and the other funds already paid
    T − F per item, so the basic fund owes the hospital the rest of Payment."""
    return max(ZERO, to_fen(basic_fund + payment - total_cost))


def fund_due_fen(total_fen: int, basic_fund_fen: int, payment_fen: int) -> int:
    """FundDue in whole fen, for kernels that sum integer fen (same formula, exact)."""
    return max(0, basic_fund_fen + payment_fen - total_fen)


def pool_label(treatment_region: str, year: int, scheme: str, insutype: str | None, origin: str | None) -> str:
    """`<treatment region>-<year>-<DRG|DIP>-<310|390|all>-<local|cross|all>`: a pool's one spelling."""
    return f"{treatment_region}-{year}-{scheme}-{insutype or ALL}-{origin or ALL}"


def parse_pool_label(label: str) -> tuple[str, int, str, str | None, str | None]:
    """(treatment region, year, scheme, insutype or None, origin or None) of a pool label."""
    try:
        region, year, scheme, insutype, origin = label.split("-")
        return region, int(year), scheme, None if insutype == ALL else insutype, None if origin == ALL else origin
    except ValueError:
        raise ValueError(f"not a pool label: {label!r}") from None
