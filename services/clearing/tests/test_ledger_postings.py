"""Ledger posting rules: amounts to the fen, every entry and every book inside it balanced."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yidi_clearing.domain.ledger import claim_entry, reversal_of
from yidi_common.claims import ClaimScope

from .factories import priced_case

D = Decimal


def _claim(**kw):
    # T 8000, F 6000, other funds 500; Payment 7200 -> FundDue = 6000 + 7200 − 8000 = 5200
    base = dict(total="8000.00", fund="6000.00", payment="7200.00", fund_due="5200.00", exact="7200", month="2026-10",
                region="360700", insured="360100", scope=ClaimScope.CROSS_REGION, pool="360700-2026-DRG-310-cross",
                other="500.00")
    return priced_case(**{**base, **kw})


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
    entry = claim_entry(_claim(fund_due="7000.00"))
    lines = {l.account: (l.debit, l.credit) for l in entry.lines}
    assert lines["360700:pool-settlement:360700-2026-DRG-310-cross"] == (D("1000.00"), D("0.00"))
    assert entry.imbalance() == 0


def test_local_and_cross_province_claims():
    local = claim_entry(_claim(insured="360700", scope=ClaimScope.LOCAL))
    assert local.kind == "claim.local"
    assert {l.account: l.credit for l in local.lines}["360700:hospital-payable:H1"] == D("5700.00")
    xprov = claim_entry(_claim(insured="110100", scope=ClaimScope.CROSS_PROVINCE, pool=None))
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


@given(basic=fen, other=fen, due=fen, scope=st.sampled_from(ClaimScope))
def test_every_entry_and_every_book_balances(basic, other, due, scope):
    insured = {ClaimScope.LOCAL: "360700", ClaimScope.CROSS_REGION: "360100", ClaimScope.CROSS_PROVINCE: "110100"}
    entry = claim_entry(_claim(fund=str(basic), other=str(other), fund_due=str(due), insured=insured[scope], scope=scope))
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
