"""Double-entry postings for priced claims (DOMAIN.md §7).

Accounts are named `<book>:<account>[:<detail>]`, the book being a region code or `province`.
A cross-region claim's fund payments (all fund types, per item) are owed by the insured region to the
province, by the province to the treatment region; the treatment region owes its hospital FundDue plus
the other funds' per-item payments, and the basic fund's remainder (F − FundDue) settles into the pool.
Every entry sums to zero, and so does every book inside it. Ids derive from the claim version, so a
replay posts the very same entries.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.money import ZERO, to_fen

LEDGER_NAMESPACE = uuid.UUID("a3e1c6d2-7f4b-4b8e-9d2a-5c6b7e8f9a01")
PROVINCE_BOOK = "province"


@dataclass(frozen=True)
class Line:
    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


@dataclass(frozen=True)
class JournalEntry:
    entry_id: str
    kind: str
    period: str
    claim_id: str | None
    version: int | None
    lines: tuple[Line, ...]

    def imbalance(self) -> Decimal:
        return sum((l.debit - l.credit for l in self.lines), ZERO)


@dataclass(frozen=True)
class ClaimMoney:
    """The amounts of one priced claim version that the ledger needs."""

    claim_id: str
    version: int
    period: str
    hospital_code: str
    insured_region: str
    treatment_region: str
    pool_key: str | None
    cross_province: bool
    basic_fund: Decimal  # F
    other_funds: Decimal  # fund payments other than the basic pooled fund, per item
    fund_due: Decimal  # FundDue, owed to the hospital by the basic fund


def entry_id(*parts: object) -> str:
    return str(uuid.uuid5(LEDGER_NAMESPACE, "|".join(str(p) for p in parts)))


def _dr(account: str, amount: Decimal) -> Line:
    return Line(account, debit=amount) if amount >= 0 else Line(account, credit=-amount)


def _cr(account: str, amount: Decimal) -> Line:
    return Line(account, credit=amount) if amount >= 0 else Line(account, debit=-amount)


def claim_entry(c: ClaimMoney) -> JournalEntry:
    fund_total = to_fen(c.basic_fund + c.other_funds)
    to_hospital = to_fen(c.fund_due + c.other_funds)
    b, a = c.treatment_region, c.insured_region
    hospital = f"{b}:hospital-payable:{c.hospital_code}"
    if c.cross_province:
        kind = "claim.cross-province"
        lines = [_dr(f"{b}:receivable-national-clearing", fund_total), _cr(hospital, fund_total)]
    elif a == b:
        kind = "claim.local"
        lines = [_dr(f"{b}:fund-expense:local", to_hospital), _cr(hospital, to_hospital)]
    else:
        kind = "claim.cross-region"
        lines = [
            _dr(f"{a}:cross-region-medical-expense", fund_total),
            _cr(f"{a}:payable-to-province", fund_total),
            _dr(f"{PROVINCE_BOOK}:receivable:{a}", fund_total),
            _cr(f"{PROVINCE_BOOK}:payable:{b}", fund_total),
            _dr(f"{b}:receivable-from-province", fund_total),
            _cr(hospital, to_hospital),
            _cr(f"{b}:pool-settlement:{c.pool_key or 'per-item'}", fund_total - to_hospital),
        ]
    return JournalEntry(
        entry_id=entry_id(c.claim_id, c.version, "claim"),
        kind=kind,
        period=c.period,
        claim_id=c.claim_id,
        version=c.version,
        lines=tuple(l for l in lines if l.debit or l.credit),
    )


def reversal_of(entry: JournalEntry, superseded_by: int) -> JournalEntry:
    """Cancels a superseded claim version's entry, line by line."""
    return JournalEntry(
        entry_id=entry_id(entry.claim_id, entry.version, "reversal"),
        kind="claim.reversal",
        period=entry.period,
        claim_id=entry.claim_id,
        version=superseded_by,
        lines=tuple(Line(l.account, debit=l.credit, credit=l.debit) for l in entry.lines),
    )
