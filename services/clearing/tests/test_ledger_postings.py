"""Ledger posting rules: amounts to the fen, every entry and every book inside it balanced."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yidi_clearing.domain.ledger import ClaimMoney, claim_entry, reversal_of

D = Decimal


def _claim(**kw) -> ClaimMoney:
    base = dict(claim_id="c1", version=1, period="2026-10", hospital_code="H1", insured_region="360100",
                treatment_region="360700", pool_key="360700-2026-DRG-310-cross", cross_province=False,
                basic_fund=D("6000.00"), other_funds=D("500.00"), fund_due=D("5200.00"))
    return ClaimMoney(**{**base, **kw})


def _books(entry) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in entry.lines:
        sums[line.account.split(":")[0]] += line.debit - line.credit
    return sums


def test_a_cross_region_claim_moves_through_the_province():
    entry = claim_entry(_claim())
    lines = {l.account: (l.debit, l.credit) for l in entry.lines}
    assert entry.kind == "claim.cross-region"
    # the insured region owes the province every fund payment: 6000 basic + 500 other
    assert lines["360100:cross-region-medical-expense"] == (D("6500.00"), D("0.00"))
    assert lines["360100:payable-to-province"] == (D("0.00"), D("6500.00"))
    assert lines["province:receivable:360100"] == (D("6500.00"), D("0.00"))
    assert lines["province:payable:360700"] == (D("0.00"), D("6500.00"))
    # the hospital is owed FundDue 5200 + the other fund's 500; the pool keeps 6000 − 5200
    assert lines["360700:hospital-payable:H1"] == (D("0.00"), D("5700.00"))
    assert lines["360700:pool-settlement:360700-2026-DRG-310-cross"] == (D("0.00"), D("800.00"))
    assert entry.imbalance() == 0 and all(v == 0 for v in _books(entry).values())


def test_when_fund_due_exceeds_the_basic_fund_the_pool_pays_the_difference():
    entry = claim_entry(_claim(fund_due=D("7000.00")))
    lines = {l.account: (l.debit, l.credit) for l in entry.lines}
    assert lines["360700:pool-settlement:360700-2026-DRG-310-cross"] == (D("1000.00"), D("0.00"))
    assert entry.imbalance() == 0


def test_local_and_cross_province_claims():
    local = claim_entry(_claim(insured_region="360700"))
    assert local.kind == "claim.local"
    assert {l.account: l.credit for l in local.lines}["360700:hospital-payable:H1"] == D("5700.00")
    xprov = claim_entry(_claim(cross_province=True))
    assert xprov.kind == "claim.cross-province"
    assert {l.account: l.debit for l in xprov.lines}["360700:receivable-national-clearing"] == D("6500.00")


def test_a_reversal_cancels_its_entry_line_by_line():
    entry = claim_entry(_claim())
    reversal = reversal_of(entry, superseded_by=2)
    net: dict[str, Decimal] = defaultdict(Decimal)
    for line in entry.lines + reversal.lines:
        net[line.account] += line.debit - line.credit
    assert all(v == 0 for v in net.values())
    assert reversal.entry_id != entry.entry_id and reversal.entry_id == reversal_of(entry, 2).entry_id


fen = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)


@given(basic=fen, other=fen, due=fen, cross=st.booleans(), xprov=st.booleans())
def test_every_entry_and_every_book_balances(basic, other, due, cross, xprov):
    entry = claim_entry(_claim(basic_fund=basic, other_funds=other, fund_due=due,
                               insured_region="360100" if cross else "360700", cross_province=xprov))
    assert entry.imbalance() == 0
    assert all(v == 0 for v in _books(entry).values())
    assert all(l.debit >= 0 and l.credit >= 0 and not (l.debit and l.credit) for l in entry.lines)


def test_recovered_funds_are_split_40_40_20_and_balance():
    from yidi_common.regional_config import RecoveredSplit
    from yidi_clearing.domain.ledger import recovered_entry
    from yidi_clearing.domain.recovered import split_recovered

    shares = split_recovered(D("1000.01"), RecoveredSplit())
    # 40 % of 1000.01 = 400.004 → 400.00 each region; the province keeps 200.01 (the fen remainder)
    assert (shares.treatment_region, shares.insured_region, shares.province) == (D("400.00"), D("400.00"), D("200.01"))
    entry = recovered_entry("R1", "2026-10", "360700", "360100", shares)
    assert entry.imbalance() == 0 and all(v == 0 for v in _books(entry).values())
    credits = {l.account: l.credit for l in entry.lines if l.credit}
    assert credits["360700:recovered-funds"] == D("400.00") and credits["360100:recovered-funds"] == D("400.00")
