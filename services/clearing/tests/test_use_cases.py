"""Clearing's use cases (runs, recovered funds) over the in-memory repository, figures worked by hand.

Fixture: 360100 pool 310-local, R_p 10000, q 5 %; H1 C 1.15, H2 C 0.90 (see test_annual.py).
"""
from datetime import datetime
from decimal import Decimal as D

import pytest

from yidi_clearing.domain import ConfirmedDeduction
from yidi_clearing.domain.guarantee import AssessmentMissing
from yidi_clearing.service_layer.clearing_runs import run_annual, run_cross_region, run_monthly
from yidi_clearing.service_layer.recovered_funds import Recovery, post_recovered
from yidi_common.claims import ClaimScope
from yidi_common.events.registry import ANNUAL_CLEARED
from yidi_common.events.v1 import AnnualCleared, PoolClearingResult
from yidi_common.regional_config import RecoveredSplit
from yidi_common.unit_of_work import Transaction

from .factories import POOL, drg_cases, priced_case
from .fakes import FakeClearingRepository

MONTHLY_360100_2026_03 = "64e3a42e-bfe2-5284-9927-fd517755a293"  # uuid5(ledger ns, "360100|2026-03|monthly")
ANNUAL_360100_2026 = "863c449c-0e84-5b37-bccf-8b1a293c13d7"  # "360100|2026|annual"
CROSS_REGION_2026_03 = "e217be45-264f-5eb3-9e58-0f2c17913b13"  # "province|2026-03|cross-region"
RECOVERED_R1 = "48000840-321e-59e0-b7d1-6b69ac908e33"  # "recovered|R1"
ANNUAL_CLEARED_ID = "90485e64-bce2-55ab-9d0e-b97315cdc1e9"  # event id of 360100's 2026 annual.cleared


def deduction(flag_id: str, amount: str, period: str = "2026-03", insured_region: str = "360100"):
    return ConfirmedDeduction(flag_id, "c1", "S-c1", "H1", "360100", insured_region, D(amount),
                              datetime(2026, 3, 20, 9), period)


def lines(entry) -> list[tuple[str, D, D]]:
    return [(l.account, l.debit, l.credit) for l in entry.lines]


@pytest.fixture
def repo() -> FakeClearingRepository:
    """drg_cases() (H1: FD 11000 + 5000, H2: FD 10000 + 2500) and a deduction
    of 500.00 on H1 confirmed in March."""
    repo = FakeClearingRepository()
    repo.cases_by_claim = {c.claim_id: c for c in drg_cases()}
    repo.deductions_by_flag = {"F1": deduction("F1", "500.00")}
    return repo


async def test_monthly_run_pays_withholds_deducts_and_posts_once(config, repo):
    result = await run_monthly(Transaction(repo), config, "360100", "2026-03")
    statement, ran = result.statement, result.ran
    # H1: payable 16000 − 500 = 15500; withheld 5 % = 775.00; paid 14725.00
    # H2: payable 12500; withheld 625.00; paid 11875.00
    assert ran and statement["deductions_applied"] == ["F1"]
    assert [(l["hospital"], l["cases"], l["payable"], l["withheld"], l["paid"]) for l in statement["lines"]] == [
        ("H1", 2, D("15500.00"), D("775.00"), D("14725.00")), ("H2", 2, D("12500.00"), D("625.00"), D("11875.00"))]
    assert statement["totals"]["paid"] == D("26600.00")
    assert repo.applied_in == {"F1": "monthly/360100/2026-03#0"}
    assert lines(repo.entries[MONTHLY_360100_2026_03]) == [
        ("360100:hospital-payable:H1", D("15500.00"), D("0")), ("360100:fund-bank", D("0"), D("14725.00")),
        ("360100:guarantee-withheld:H1", D("0"), D("775.00")),
        ("360100:hospital-payable:H1", D("500.00"), D("0")), ("360100:audit-deductions:H1", D("0"), D("500.00")),
        ("360100:hospital-payable:H2", D("12500.00"), D("0")), ("360100:fund-bank", D("0"), D("11875.00")),
        ("360100:guarantee-withheld:H2", D("0"), D("625.00")),
    ]
    again = await run_monthly(Transaction(repo), config, "360100", "2026-03")
    assert not again.ran and again.statement["totals"]["paid"] == "26600.00" and len(repo.entries) == 1


async def test_a_deduction_no_run_has_applied_is_taken_by_the_next_month_and_only_once(config, repo):
    await run_monthly(Transaction(repo), config, "360100", "2026-03")
    repo.deductions_by_flag["F2"] = deduction("F2", "300.00", period="2026-02")  # confirmed late for February
    april = (await run_monthly(Transaction(repo), config, "360100", "2026-04")).statement
    assert april["deductions_applied"] == ["F2"]  # F1 stays March's
    # no April case: H1 payable −300.00, nothing withheld
    assert [(l["hospital"], l["payable"], l["withheld"]) for l in april["lines"]] == [("H1", D("-300.00"), D("0.00"))]


async def test_annual_run_nets_monthly_payments_and_deductions_and_announces_the_final_rates(config, repo, set_budget):
    config = set_budget(config, "360100", POOL, "34789.47")
    await run_monthly(Transaction(repo), config, "360100", "2026-03")
    repo.scores[("360100", 2026)] = {"H1": D("95"), "H2": D("75")}  # H1 releases all, H2 60 % (≥ 70 band)
    tx = Transaction(repo)
    result = await run_annual(tx, config, "360100", 2026)
    statement = result.statement
    # test_annual.py: R_final 11000.0000; H1 FD final 18300.00, overrun paid 1618.00; H2 14750.00, 121.47
    # H1: withheld 775.00 all released: balance 18300 + 1618 + 775 − 500 − 14725 − 775 = 4693.00
    # H2: withheld 625.00, released 375.00, forfeited 250.00: 14750 + 121.47 + 375 − 11875 − 625 = 2746.47
    assert result.ran
    assert [(h["hospital"], h["deductions"], h["paid_monthly"], h["released"], h["forfeited"], h["balance"])
            for h in statement["hospitals"]] == [
        ("H1", D("500.00"), D("14725.00"), D("775.00"), D("0.00"), D("4693.00")),
        ("H2", D("0.00"), D("11875.00"), D("375.00"), D("250.00"), D("2746.47"))]
    assert statement["pools"][0]["pool"] == POOL
    [event] = tx.emitted
    assert (event.type, event.id, event.subject) == (ANNUAL_CLEARED, ANNUAL_CLEARED_ID, "360100-2026")
    assert event.payload() == AnnualCleared(region="360100", year=2026, pools=[PoolClearingResult(
        pool=POOL, final_rate=D("11000.0000"), distributable=D("33050.00"), fund_due_final=D("33050.00"),
        residue=D("0.00"), reserve=D("1739.47"), overrun_paid=D("1739.47"))])
    entry = repo.entries[ANNUAL_360100_2026]
    assert (entry.kind, entry.period) == ("clearing.annual", "2026-12")
    # H1: FD 18300 final − 16000 provisional = 2300.00 from the pool; H1 balance 4693.00 paid from the bank
    assert ("360100:pool-settlement:" + POOL, D("2300.00"), D("0")) in lines(entry)
    assert ("360100:fund-bank", D("0"), D("4693.00")) in lines(entry)
    assert [l for l in lines(entry) if l[0].endswith(":H2") and "payable" not in l[0]] == [
        ("360100:guarantee-withheld:H2", D("625.00"), D("0")), ("360100:guarantee-forfeited:H2", D("0"), D("250.00"))]
    assert ("360100:hospital-payable:H2", D("0"), D("375.00")) in lines(entry)
    assert entry.imbalance() == 0
    again = Transaction(repo)
    assert (await run_annual(again, config, "360100", 2026)).ran is False and again.emitted == []


async def test_the_annual_run_refuses_until_every_hospital_with_a_guarantee_is_assessed(config, repo, set_budget):
    config = set_budget(config, "360100", POOL, "34789.47")
    await run_monthly(Transaction(repo), config, "360100", "2026-03")
    repo.scores[("360100", 2026)] = {"H1": D("95")}
    with pytest.raises(AssessmentMissing) as missing:
        await run_annual(Transaction(repo), config, "360100", 2026)
    assert missing.value.hospitals == ["H2"] and repo.runs.keys() == {("monthly", "360100", "2026-03", 0)}


async def test_cross_region_run_remits_net_of_deductions_through_the_province(config, repo):
    cross = dict(insured="360400", scope=ClaimScope.CROSS_REGION, pool="360100-2026-DRG-310-cross")
    repo.cases_by_claim = {
        # every fund payment: 18000 + 2000 = 20000.00
        "x1": priced_case("30000.00", "18000.00", "23000.00", "11000.00", "23000", other="2000.00",
                          claim_id="x1", **cross),
        "l1": priced_case("8000.00", "5000.00", "8000.00", "5000.00", claim_id="l1"),  # local: not in it
    }
    repo.deductions_by_flag = {"F1": deduction("F1", "800.00", insured_region="360400")}
    result = await run_cross_region(Transaction(repo), config, "2026-03")
    statement = result.statement
    # 360400 remits 20000 − 800 = 19200.00; the province pays 360100 the same
    assert result.ran and statement["total"] == D("19200.00")
    assert [(r["region"], r["net"]) for r in statement["remittances"]] == [("360400", D("19200.00"))]
    # the 800.00 deducted is written off on every side: 360400's expense falls, the province's claim on
    # 360400 meets its debt to 360100, and 360100's receivable is met by what it kept from H1
    assert lines(repo.entries[CROSS_REGION_2026_03]) == [
        ("360400:payable-to-province", D("20000.00"), D("0")), ("360400:cross-region-medical-expense", D("0"), D("800.00")),
        ("360400:fund-bank", D("0"), D("19200.00")),
        ("province:bank", D("19200.00"), D("0")), ("province:receivable:360400", D("0"), D("20000.00")),
        ("province:payable:360100", D("800.00"), D("0")),
        ("province:payable:360100", D("19200.00"), D("0")), ("province:bank", D("0"), D("19200.00")),
        ("360100:fund-bank", D("19200.00"), D("0")), ("360100:receivable-from-province", D("0"), D("19200.00")),
        ("360100:audit-deductions:H1", D("800.00"), D("0")), ("360100:receivable-from-province", D("0"), D("800.00")),
    ]
    assert repo.applied_in == {}  # only the monthly run applies a deduction to a hospital
    assert repo.cleared_in == {"F1": "cross-region/province/2026-03#0"}


async def test_recovered_funds_are_split_and_posted_once():
    repo = FakeClearingRepository()
    recovery = Recovery("R1", "360700", "360100", D("1000.01"), "2026-10")
    first = await post_recovered(Transaction(repo), RecoveredSplit(), recovery)
    # 40 % of 1000.01 = 400.004 -> 400.00 each region; the province keeps 200.01
    assert (first.entry_id, first.posted) == (RECOVERED_R1, True)
    assert (first.shares.treatment_region, first.shares.insured_region, first.shares.province) == (
        D("400.00"), D("400.00"), D("200.01"))
    assert ("360700:recovered-funds", D("0"), D("400.00")) in lines(repo.entries[RECOVERED_R1])
    again = await post_recovered(Transaction(repo), RecoveredSplit(), recovery)
    assert (again.entry_id, again.posted) == (RECOVERED_R1, False) and len(repo.entries) == 1
