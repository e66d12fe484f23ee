"""Double-entry postings for priced claims (DOMAIN.md §7).

Accounts are named `<book>:<account>[:<detail>]`, the book being a region code or `province`.
A cross-region claim's fund payments (all fund types, per item) are owed by the insured region to the
province, by the province to the treatment region; the treatment region owes its hospital FundDue plus
the other funds' per-item payments, and the basic fund's remainder (F − FundDue) settles into the pool.
A 手工报销 claim books only the insured region's reimbursement of the person (expense against its bank).
Every entry sums to zero, and so does every book inside it. Ids derive from the claim version, so a
replay posts the very same entries.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.claims import ClaimScope
from yidi_common.ids import uuid5_text
from yidi_common.money import ZERO, to_fen

from .adjustment import AdjustmentLine
from .annual import HospitalAnnual, HospitalPoolLine
from .cases import ClearingCase
from .cross_region import CrossRegionClearing
from .deductions import ConfirmedDeduction
from .monthly import MonthlyLine
from .recovered import RecoveredShares

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


def entry_id(*parts: object) -> str:
    return uuid5_text(LEDGER_NAMESPACE, "|".join(str(p) for p in parts))


def _dr(account: str, amount: Decimal) -> Line:
    return Line(account, debit=amount) if amount >= 0 else Line(account, credit=-amount)


def _cr(account: str, amount: Decimal) -> Line:
    return Line(account, credit=amount) if amount >= 0 else Line(account, debit=-amount)


def claim_entry(case: ClearingCase) -> JournalEntry:
    fund_total = to_fen(case.fund_payments)
    to_hospital = to_fen(case.fund_due + case.other_funds)
    treatment, insured = case.treatment_region, case.insured_region
    hospital = f"{treatment}:hospital-payable:{case.hospital_code}"
    if case.settled_by_hand:
        # 手工报销: the insured region reimbursed the person by hand; no hospital payable, no remittance
        kind = "claim.manual-reimbursement"
        lines = [_dr(f"{insured}:manual-reimbursement-expense", fund_total), _cr(f"{insured}:fund-bank", fund_total)]
    elif case.scope is ClaimScope.CROSS_PROVINCE:
        kind = "claim.cross-province"
        lines = [_dr(f"{treatment}:receivable-national-clearing", fund_total), _cr(hospital, fund_total)]
    elif case.scope is ClaimScope.LOCAL:
        kind = "claim.local"
        lines = [_dr(f"{treatment}:fund-expense:local", to_hospital), _cr(hospital, to_hospital)]
    else:
        kind = "claim.cross-region"
        lines = [
            _dr(f"{insured}:cross-region-medical-expense", fund_total),
            _cr(f"{insured}:payable-to-province", fund_total),
            _dr(f"{PROVINCE_BOOK}:receivable:{insured}", fund_total),
            _cr(f"{PROVINCE_BOOK}:payable:{treatment}", fund_total),
            _dr(f"{treatment}:receivable-from-province", fund_total),
            _cr(hospital, to_hospital),
            _cr(f"{treatment}:pool-settlement:{case.pool or 'per-item'}", fund_total - to_hospital),
        ]
    return JournalEntry(
        entry_id=entry_id(case.claim_id, case.version, "claim"),
        kind=kind,
        period=case.period,
        claim_id=case.claim_id,
        version=case.version,
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


def run_entry_id(region: str, period: str, kind: str, seq: int) -> str:
    """A run's entry id; the first run of a period keeps the id it always had."""
    return entry_id(region, period, kind) if seq == 0 else entry_id(region, period, kind, seq)


def monthly_entry(region: str, month: str, seq: int, lines: Iterable[MonthlyLine]) -> JournalEntry:
    """Monthly pre-settlement: the fund pays each hospital (1 − q) of its FundDue and the per-item part,
    withholds q as the guarantee, and keeps confirmed deductions."""
    out: list[Line] = []
    for l in lines:
        hospital = f"{region}:hospital-payable:{l.hospital}"
        out += [_dr(hospital, l.paid + l.withheld), _cr(f"{region}:fund-bank", l.paid),
                _cr(f"{region}:guarantee-withheld:{l.hospital}", l.withheld)]
        if l.deductions:
            out += [_dr(hospital, l.deductions), _cr(f"{region}:audit-deductions:{l.hospital}", l.deductions)]
    return JournalEntry(run_entry_id(region, month, "monthly", seq), "clearing.monthly", month, None, None,
                        tuple(x for x in out if x.debit or x.credit))


def annual_entry(region: str, year: str, lines: Iterable[HospitalPoolLine], hospitals: Iterable[HospitalAnnual],
                 unapplied_deductions: dict[str, Decimal]) -> JournalEntry:
    """Annual clearing: FundDue moves from the provisional to the final rate (against the pool), the
    reserve pays reasonable overruns, deductions no monthly run took are taken, the guarantee is released
    or forfeited, the prepayment offset, and each hospital's balance paid or recovered."""
    out: list[Line] = []
    for l in lines:
        hospital = f"{region}:hospital-payable:{l.hospital}"
        out += [_dr(f"{region}:pool-settlement:{l.pool.label}", l.fund_due_final - l.fund_due_provisional),
                _cr(hospital, l.fund_due_final - l.fund_due_provisional),
                _dr(f"{region}:pool-reserve:{l.pool.label}", l.overrun_paid), _cr(hospital, l.overrun_paid)]
    for h in hospitals:
        hospital = f"{region}:hospital-payable:{h.hospital}"
        deducted = unapplied_deductions.get(h.hospital, ZERO)
        out += [_dr(hospital, deducted), _cr(f"{region}:audit-deductions:{h.hospital}", deducted),
                _dr(f"{region}:guarantee-withheld:{h.hospital}", h.withheld), _cr(hospital, h.released),
                _cr(f"{region}:guarantee-forfeited:{h.hospital}", h.forfeited),
                _dr(hospital, h.prepayment), _cr(f"{region}:prepayment-receivable:{h.hospital}", h.prepayment),
                _dr(hospital, h.balance), _cr(f"{region}:fund-bank", h.balance)]
    return JournalEntry(entry_id(region, year, "annual"), "clearing.annual", f"{year}-12", None, None,
                        tuple(x for x in out if x.debit or x.credit))


def annual_adjustment_entry(region: str, year: str, seq: int, lines: Iterable[AdjustmentLine]) -> JournalEntry:
    """After the annual run: late lists and corrections at the year's final rates, late deductions, and
    each hospital's difference paid or recovered."""
    out: list[Line] = []
    for l in lines:
        hospital = f"{region}:hospital-payable:{l.hospital}"
        rescale = l.fund_due_final - l.fund_due_provisional
        out += [_dr(f"{region}:pool-settlement:{l.pool or 'per-item'}", rescale), _cr(hospital, rescale),
                _dr(hospital, l.deductions), _cr(f"{region}:audit-deductions:{l.hospital}", l.deductions),
                _dr(hospital, l.balance), _cr(f"{region}:fund-bank", l.balance)]
    return JournalEntry(entry_id(region, year, "annual-adjustment", seq), "clearing.annual-adjustment",
                        f"{year}-12", None, None, tuple(x for x in out if x.debit or x.credit))


def cross_region_entry(month: str, seq: int, clearing: CrossRegionClearing, deductions: Iterable[ConfirmedDeduction],
                       advances_offset: dict[str, Decimal]) -> JournalEntry:
    """Two-level clearing: each insured region remits its net to the province (less the advance offset
    in December), which pays each treatment region its net. Deductions are written off on both sides:
    the insured region's expense falls, the treatment region's receivable is met by what it kept from
    its hospital."""
    out: list[Line] = []
    for r in clearing.remittances:
        offset = advances_offset.get(r.region, ZERO)
        out += [_dr(f"{r.region}:payable-to-province", r.fund_payments),
                _cr(f"{r.region}:cross-region-medical-expense", r.deductions),
                _cr(f"{r.region}:advance-to-province", offset), _cr(f"{r.region}:fund-bank", r.net - offset),
                _dr(f"{PROVINCE_BOOK}:bank", r.net - offset), _dr(f"{PROVINCE_BOOK}:advance-from:{r.region}", offset),
                _cr(f"{PROVINCE_BOOK}:receivable:{r.region}", r.fund_payments)]
    for line in clearing.lines:
        out += [_dr(f"{PROVINCE_BOOK}:payable:{line.treatment_region}", line.deductions)]
    for region, offset in advances_offset.items():  # an advance with no remittance this run
        if region not in {r.region for r in clearing.remittances}:
            out += [_dr(f"{PROVINCE_BOOK}:advance-from:{region}", offset), _cr(f"{PROVINCE_BOOK}:bank", offset),
                    _dr(f"{region}:fund-bank", offset), _cr(f"{region}:advance-to-province", offset)]
    for p in clearing.payments:
        out += [_dr(f"{PROVINCE_BOOK}:payable:{p.region}", p.net), _cr(f"{PROVINCE_BOOK}:bank", p.net),
                _dr(f"{p.region}:fund-bank", p.net), _cr(f"{p.region}:receivable-from-province", p.net)]
    out += _deductions_met(deductions, "receivable-from-province")
    return JournalEntry(run_entry_id("province", month, "cross-region", seq), "clearing.cross-region", month,
                        None, None, tuple(x for x in out if x.debit or x.credit))


def cross_province_entry(month: str, seq: int, clearing: CrossRegionClearing,
                         deductions: Iterable[ConfirmedDeduction]) -> JournalEntry:
    """Cross-province claims through the national platform: each treatment region's receivable is met
    by the platform's payment and by the deductions it kept from its hospitals."""
    out: list[Line] = []
    for p in clearing.payments:
        out += [_dr(f"{p.region}:fund-bank", p.net), _cr(f"{p.region}:receivable-national-clearing", p.net)]
    out += _deductions_met(deductions, "receivable-national-clearing")
    return JournalEntry(run_entry_id("province", month, "cross-province", seq), "clearing.cross-province", month,
                        None, None, tuple(x for x in out if x.debit or x.credit))


def _deductions_met(deductions: Iterable[ConfirmedDeduction], receivable: str) -> list[Line]:
    out: list[Line] = []
    for d in deductions:
        t = d.treatment_region
        out += [_dr(f"{t}:audit-deductions:{d.hospital_code}", d.amount), _cr(f"{t}:{receivable}", d.amount)]
    return out


def prepayment_entry(region: str, year: int, amounts: dict[str, Decimal]) -> JournalEntry:
    """Year-start prepayment (预拨周转金): the hospital owes it back until the annual run offsets it."""
    out: list[Line] = []
    for hospital, amount in sorted(amounts.items()):
        out += [_dr(f"{region}:prepayment-receivable:{hospital}", amount), _cr(f"{region}:fund-bank", amount)]
    return JournalEntry(entry_id(region, year, "prepayment"), "clearing.prepayment", f"{year}-01", None, None,
                        tuple(x for x in out if x.debit or x.credit))


def advance_entry(year: int, amounts: dict[str, Decimal]) -> JournalEntry:
    """Insured regions' advances to the province (上解预付金), offset in the December cross-region run."""
    out: list[Line] = []
    for region, amount in sorted(amounts.items()):
        out += [_dr(f"{region}:advance-to-province", amount), _cr(f"{region}:fund-bank", amount),
                _dr(f"{PROVINCE_BOOK}:bank", amount), _cr(f"{PROVINCE_BOOK}:advance-from:{region}", amount)]
    return JournalEntry(entry_id(PROVINCE_BOOK, year, "advance"), "clearing.advance", f"{year}-01", None, None,
                        tuple(x for x in out if x.debit or x.credit))


def recovered_entry(recovery_id: str, period: str, treatment_region: str, insured_region: str,
                    shares: RecoveredShares) -> JournalEntry:
    """Funds recovered by supervision of a cross-region case go to the provincial account, which returns
    the treatment and insured regions' shares and keeps its own."""
    lines = [
        _dr(f"{PROVINCE_BOOK}:bank", shares.amount), _cr(f"{PROVINCE_BOOK}:recovered-funds", shares.amount),
        _dr(f"{PROVINCE_BOOK}:recovered-funds", shares.treatment_region + shares.insured_region),
        _cr(f"{PROVINCE_BOOK}:bank", shares.treatment_region + shares.insured_region),
        _dr(f"{treatment_region}:fund-bank", shares.treatment_region),
        _cr(f"{treatment_region}:recovered-funds", shares.treatment_region),
        _dr(f"{insured_region}:fund-bank", shares.insured_region),
        _cr(f"{insured_region}:recovered-funds", shares.insured_region),
    ]
    return JournalEntry(entry_id("recovered", recovery_id), "recovered.split", period, None, None,
                        tuple(x for x in lines if x.debit or x.credit))
