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


def drg_cases() -> list[ClearingCase]:
    """Four March cases of pool 360100-2026-DRG-310-local (R_p 10000; H1 C 1.15, H2 C 0.90)."""
    return [
        # H1 AA11 normal: X = 2.0 × 10000 × 1.15 = 23000; FD = 18000 + 23000 − 30000 = 11000
        priced_case("30000.00", "18000.00", "23000.00", "11000.00", "23000", claim_id="c1"),
        # H2 AA11 normal: X = 2.0 × 10000 × 0.9 = 18000; FD = 12000 + 18000 − 20000 = 10000
        priced_case("20000.00", "12000.00", "18000.00", "10000.00", "18000", hospital="H2", claim_id="c2"),
        # H1 AA11 low outlier (k = 8000 / 23000 < L): per item, Payment = T; FD = 5000 + 8000 − 8000 = 5000
        priced_case("8000.00", "5000.00", "8000.00", "5000.00", claim_id="c3", case_kind="low"),
        # H2 CC15 normal: X = 0.5 × 10000 × 0.9 = 4500; FD = 3000 + 4500 − 5000 = 2500
        priced_case("5000.00", "3000.00", "4500.00", "2500.00", "4500", hospital="H2", claim_id="c4"),
    ]
