"""Clearing's case type built straight from figures worked by hand (no pricing code involved)."""
from decimal import Decimal

from yidi_clearing.domain import ClearingCase
from yidi_common.claims import ClaimScope

POOL = "360100-2026-DRG-310-local"


def priced_case(total: str, fund: str, payment: str, fund_due: str, exact: str | None = None, *, hospital="H1",
                region="360100", insured=None, scope=ClaimScope.LOCAL, pool: str | None = POOL, month="2026-03",
                other="0.00", claim_id="c1", version=1, case_kind="normal") -> ClearingCase:
    """A priced case with its figures worked by hand: exact is X for a weight-paid case, None per item."""
    return ClearingCase(
        claim_id=claim_id, version=version, setl_id=f"S-{claim_id}", period=month, hospital_code=hospital,
        treatment_region=region, insured_region=insured or region, insutype="310", scope=scope, pool=pool,
        case_kind=case_kind, total_cost=Decimal(total), basic_fund=Decimal(fund), other_funds=Decimal(other),
        payment=Decimal(payment), payment_exact=None if exact is None else Decimal(exact),
        fund_due=Decimal(fund_due),
    )
