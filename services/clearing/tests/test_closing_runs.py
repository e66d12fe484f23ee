"""Prepayments, advances, the cross-province run and assessment files over the in-memory repository,
figures worked by hand (fixture config: 360100, q 5 %, prepayment 1 month, advance share 0.0833)."""
from decimal import Decimal as D

import orjson
import pytest

from yidi_clearing.adapters.statements import read_assessments
from yidi_clearing.service_layer.clearing_runs import NothingToDo, run_advance, run_cross_province, run_cross_region, run_prepayment
from yidi_common.claims import ClaimScope
from yidi_common.unit_of_work import Transaction

from .factories import priced_case
from .fakes import FakeClearingRepository

CROSS = dict(insured="360400", scope=ClaimScope.CROSS_REGION, pool="360100-2026-DRG-310-cross")


def balances(repo: FakeClearingRepository, prefix: str) -> dict[str, D]:
    out: dict[str, D] = {}
    for entry in repo.entries.values():
        for line in entry.lines:
            if line.account.startswith(prefix):
                out[line.account] = out.get(line.account, D("0.00")) + line.debit - line.credit
    return out


async def test_the_advance_is_offset_once_in_december(config):
    repo = FakeClearingRepository()
    advanced = await run_advance(Transaction(repo), config, 2026, {"360400": D("1000.00")})
    assert advanced.ran and advanced.statement["total"] == D("1000.00")
    repo.cases_by_claim = {"x1": priced_case("30000.00", "18000.00", "23000.00", "11000.00", "23000", other="2000.00",
                                             claim_id="x1", month="2026-12", **CROSS)}
    december = (await run_cross_region(Transaction(repo), config, "2026-12")).statement
    # 360400 owes 20000.00, of which the advance meets 1000.00: it remits 19000.00 in cash
    assert december["advances_offset"] == {"360400": D("1000.00")}
    lines = [(l.account, l.debit, l.credit) for l in list(repo.entries.values())[-1].lines]
    assert ("360400:advance-to-province", D("0"), D("1000.00")) in lines
    assert ("360400:fund-bank", D("0"), D("19000.00")) in lines
    assert ("province:advance-from:360400", D("1000.00"), D("0")) in lines
    assert balances(repo, "360400:advance") == {"360400:advance-to-province": D("0.00")}
    assert balances(repo, "province:advance") == {"province:advance-from:360400": D("0.00")}
    # a late December claim: a supplementary run, and no second offset
    repo.cases_by_claim["x2"] = priced_case("4000.00", "3000.00", "4000.00", "3000.00", claim_id="x2",
                                            month="2026-12", **CROSS)
    again = await run_cross_region(Transaction(repo), config, "2026-12")
    assert (again.ran, again.statement["run"], again.statement["advances_offset"]) == (True, 1, {})
    assert balances(repo, "360400:advance") == {"360400:advance-to-province": D("0.00")}


async def test_an_advance_from_the_insured_budgets_or_a_clear_refusal(config):
    # fixture: 360100 budgets 100000.00 and 360500 50000.00 for 2026; × 0.0833 = 8330.00 and 4165.00
    statement = (await run_advance(Transaction(FakeClearingRepository()), config, 2026)).statement
    assert (statement["basis"], statement["amounts"]) == ("insured budgets", {"360100": D("8330.00"), "360500": D("4165.00")})
    with pytest.raises(NothingToDo):
        await run_advance(Transaction(FakeClearingRepository()), config.model_copy(update={"insured_budgets": {}}), 2026)


async def test_the_prepayment_is_a_month_of_last_years_payments(config):
    repo = FakeClearingRepository()
    with pytest.raises(NothingToDo):  # no cleared 2025 to base it on
        await run_prepayment(Transaction(repo), config, "360100", 2026)
    # 2025 as stored: H1 paid 10800.00 by monthly runs and 1200.00 at the annual run -> 12000.00 a year
    repo.runs[("monthly", "360100", "2025-03", 0)] = orjson.dumps(
        {"kind": "monthly", "month": "2025-03", "run": 0, "lines": [
            {"hospital": "H1", "fund_due": "10800.00", "per_item": "0.00", "deductions": "0.00", "withheld": "0.00",
             "paid": "10800.00"}]}).decode()
    repo.runs[("annual", "360100", "2025", 0)] = orjson.dumps(
        {"kind": "annual", "year": 2025, "hospitals": [
            {"hospital": "H1", "fund_due_final": "12000.00", "per_item": "0.00", "overrun_paid": "0.00",
             "released": "0.00", "deductions": "0.00", "prepayment": "0.00", "balance": "1200.00"}]}).decode()
    result = await run_prepayment(Transaction(repo), config, "360100", 2026)
    assert result.statement["amounts"] == {"H1": D("1000.00")}  # 12000 / 12 × 1 month
    (entry,) = repo.entries.values()
    assert [(l.account, l.debit, l.credit) for l in entry.lines] == [
        ("360100:prepayment-receivable:H1", D("1000.00"), D("0")), ("360100:fund-bank", D("0"), D("1000.00"))]
    assert (await run_prepayment(Transaction(repo), config, "360100", 2026)).ran is False


async def test_cross_province_claims_are_reimbursed_through_the_national_platform(config):
    repo = FakeClearingRepository()
    repo.cases_by_claim = {
        # insured in 广州: every fund payment 18000 + 1000 = 19000.00, per item
        "p1": priced_case("30000.00", "18000.00", "30000.00", "18000.00", other="1000.00", insured="440100",
                          scope=ClaimScope.CROSS_PROVINCE, pool=None, claim_id="p1"),
        "x1": priced_case("4000.00", "3000.00", "4000.00", "3000.00", claim_id="x1", **CROSS),  # not in it
    }
    result = await run_cross_province(Transaction(repo), config, "2026-03")
    assert [(l["insured_region"], l["treatment_region"], l["cases"], l["net"]) for l in result.statement["lines"]] == [
        ("440100", "360100", 1, D("19000.00"))]
    (entry,) = repo.entries.values()
    assert [(l.account, l.debit, l.credit) for l in entry.lines] == [
        ("360100:fund-bank", D("19000.00"), D("0")), ("360100:receivable-national-clearing", D("0"), D("19000.00"))]


def test_an_assessment_file_names_every_bad_row():
    assert read_assessments("hospital_code,score\nH1,92.5\nH2,60\n") == {"H1": D("92.5"), "H2": D("60")}
    with pytest.raises(ValueError) as bad:
        read_assessments("hospital_code,score\nH1,ninety\nH2,101\n")
    assert str(bad.value) == "line 2: score 'ninety' is not a number; line 3: score 101 is outside 0-100"
    with pytest.raises(ValueError, match="hospital_code and score"):
        read_assessments("hospital,points\nH1,90\n")
