"""A priced claim version as clearing takes it from the event, and a year's cases as integer-fen
columns for the annual clearing kernel.

Amounts are integer fen in the columns: T, F, Payment and FundDue of a priced case are whole fen
(inputs are validated to the fen; Payment is rounded half-up to the fen), so `int(amount * 100)` is
exact and sums of ints are exact. Only the unrounded weight payment X (= w × R_p × C_h, or P × V_p)
stays Decimal, because the final rate rescales it before it is rounded.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from yidi_common.claims import ClaimScope
from yidi_common.regional_config import PoolKey


MANUAL_REIMBURSEMENT = "manual_reimbursement"  # pricing's case kind of a 手工报销 list


@dataclass(frozen=True, slots=True)
class ClearingCase:
    """One priced claim version: the scope and the pool as decided upstream, the amounts as priced."""

    claim_id: str
    version: int
    setl_id: str
    period: str  # settlement month, yyyy-mm
    hospital_code: str
    treatment_region: str
    insured_region: str
    insutype: str
    scope: ClaimScope
    pool: str | None  # pool label; None outside every pool (cross-province)
    case_kind: str
    total_cost: Decimal  # T
    basic_fund: Decimal  # F
    other_funds: Decimal  # every other fund type's payment, per item
    payment: Decimal  # at the provisional rate
    payment_exact: Decimal | None  # X, unrounded; None when not weight-paid
    fund_due: Decimal  # FundDue at the provisional rate

    @property
    def year(self) -> int:
        return int(self.period[:4])

    @property
    def settled_by_hand(self) -> bool:
        """手工报销 (seed 001 (一), 000 一(二)): the person paid the hospital and the insured region reimbursed
        the person by hand; in its pool for the record, nothing owed to the hospital or remitted."""
        return self.case_kind == MANUAL_REIMBURSEMENT

    @property
    def fund_payments(self) -> Decimal:
        return self.basic_fund + self.other_funds


@dataclass(slots=True)
class ClearingCases:
    pools: list[PoolKey] = field(default_factory=list)
    hospitals: list[str] = field(default_factory=list)
    pool_index: list[int] = field(default_factory=list)
    hospital_index: list[int] = field(default_factory=list)
    total_fen: list[int] = field(default_factory=list)  # T
    basic_fund_fen: list[int] = field(default_factory=list)  # F
    payment_fen: list[int] = field(default_factory=list)  # Payment at the provisional rate
    fund_due_fen: list[int] = field(default_factory=list)  # FundDue at the provisional rate
    payment_exact: list[Decimal | None] = field(default_factory=list)  # X, None when not weight-paid
    _ids: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.pool_index)

    def add(self, pool: PoolKey, hospital: str, total_fen: int, basic_fund_fen: int,
            payment_fen: int, fund_due_fen: int, payment_exact: Decimal | None) -> None:
        self._add(self._id(self.pools, pool), hospital, total_fen, basic_fund_fen, payment_fen, fund_due_fen,
                  payment_exact)

    def _add(self, pool_index: int, hospital: str, total_fen: int, basic_fund_fen: int,
             payment_fen: int, fund_due_fen: int, payment_exact: Decimal | None) -> None:
        self.pool_index.append(pool_index)
        self.hospital_index.append(self._id(self.hospitals, hospital))
        self.total_fen.append(total_fen)
        self.basic_fund_fen.append(basic_fund_fen)
        self.payment_fen.append(payment_fen)
        self.fund_due_fen.append(fund_due_fen)
        self.payment_exact.append(payment_exact)

    def _id(self, items: list, item) -> int:
        key = (id(items), item)
        if key not in self._ids:
            self._ids[key] = len(items)
            items.append(item)
        return self._ids[key]

    @classmethod
    def of(cls, cases: Iterable[ClearingCase]) -> "ClearingCases":
        """Every pool case (cross-province cases are outside the pools and left out)."""
        columns = cls()
        pool_index: dict[str, int] = {}  # by label: hashing a PoolKey per case is slow
        for case in cases:
            if case.pool is None:
                continue
            p = pool_index.get(case.pool)
            if p is None:
                p = pool_index[case.pool] = columns._id(columns.pools, PoolKey.parse(case.pool))
            if case.settled_by_hand:  # counted in its pool, neutral in every sum: nothing owed, no Σ F budget
                columns._add(p, case.hospital_code, 0, 0, 0, 0, None)
                continue
            columns._add(p, case.hospital_code, fen(case.total_cost), fen(case.basic_fund), fen(case.payment),
                         fen(case.fund_due), case.payment_exact)
        return columns


def fen(amount: Decimal) -> int:
    """Whole fen of an amount already rounded to the fen (exact)."""
    return int(amount.scaleb(2))


def yuan(fen_amount: int) -> Decimal:
    return Decimal(fen_amount).scaleb(-2)
