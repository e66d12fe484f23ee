"""Monthly pre-settlement, two-level cross-region statements, recovered funds (DOMAIN.md §7)."""
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from yidi_clearing.domain import ConfirmedDeduction, cross_region_statements, monthly_presettlement, split_recovered
from yidi_common.claims import ClaimScope
from yidi_common.regional_config import RecoveredSplit


def test_monthly_presettlement(config, make_case):
    # H1 March: FD 11000 (normal) + 5000 (low outlier, per item) = 16000; deduction 1000
    # payable 15000.00; withheld q = 5 %: 750.00; paid 14250.00
    # H2 March: FD 2500.10 ... (T 5000.00, F 3000.10, S 4500: FD = 3000.10 + 4500 − 5000 = 2500.10)
    # withheld = 0.05 × 2500.10 = 125.005 -> 125.01 (half-up); paid = 2500.10 − 125.01 = 2375.09
    cases = [
        make_case("30000.00", "18000.00", "23000.00", "11000.00", "23000"),  # X = 2.0 × 10000 × 1.15
        make_case("8000.00", "5000.00", "8000.00", "5000.00", case_kind="low"),  # per item: FD = F
        make_case("5000.00", "3000.10", "4500.00", "2500.10", "4500", hospital="H2"),  # X = 0.5 × 10000 × 0.9
        make_case("30000.00", "18000.00", "23000.00", "11000.00", "23000", month="2026-04"),  # other month
        # cross-province: outside every pool, per item: FD = 18000 + 30000 − 30000
        make_case("30000.00", "18000.00", "30000.00", "18000.00", insured="110100", scope=ClaimScope.CROSS_PROVINCE,
                  pool=None, case_kind="cross_province"),
    ]
    lines = {line.hospital: line for line in monthly_presettlement(config, cases, "2026-03", {"H1": D("1000.00")})}
    h1, h2 = lines["H1"], lines["H2"]
    assert (h1.cases, h1.fund_due, h1.payable, h1.withheld, h1.paid) == (2, D("16000.00"), D("15000.00"), D("750.00"), D("14250.00"))
    assert (h2.fund_due, h2.withheld, h2.paid) == (D("2500.10"), D("125.01"), D("2375.09"))
    assert monthly_presettlement(config, cases, "2026-03", {"H1": D("1000.00")}) == list(lines.values())  # idempotent


def test_monthly_negative_payable_withholds_nothing(config, make_case):
    cases = [make_case("8000.00", "5000.00", "8000.00", "5000.00", case_kind="low")]  # per item: FD = F = 5000
    (line,) = monthly_presettlement(config, cases, "2026-03", {"H1": D("6000.00")})
    assert (line.payable, line.withheld, line.paid) == (D("-1000.00"), D("0.00"), D("-1000.00"))


def test_two_level_cross_region_statements(make_case):
    # 360400 people treated in 360100: fund payments 18000 + 2000 (other funds) and 5000; 360300 people: 3000
    # confirmed deduction on a 360400 claim: 800 -> 360400 remits 25000 − 800 = 24200; 360300 remits 3000
    # the province pays 360100 24200 + 3000 = 27200; local and cross-province cases are not in it
    cross = ClaimScope.CROSS_REGION
    cases = [
        make_case("30000.00", "18000.00", "23000.00", "11000.00", "23000", insured="360400", scope=cross,
                  other="2000.00", pool="360100-2026-DRG-310-cross"),
        make_case("8000.00", "5000.00", "8000.00", "5000.00", insured="360400", scope=cross,
                  pool="360100-2026-DRG-310-cross"),
        make_case("4000.00", "3000.00", "4000.00", "3000.00", insured="360300", scope=cross,
                  pool="360100-2026-DRG-310-cross"),
        make_case("4000.00", "3000.00", "4000.00", "3000.00"),
        make_case("4000.00", "3000.00", "4000.00", "3000.00", insured="110100", scope=ClaimScope.CROSS_PROVINCE,
                  pool=None),
    ]
    deduction = ConfirmedDeduction("F1", "c1", "S1", "H1", "360100", "360400", D("800.00"),
                                   datetime(2026, 3, 20, tzinfo=timezone.utc), "2026-03")
    result = cross_region_statements(cases, [deduction])
    remit = {r.region: r for r in result.remittances}
    assert (remit["360400"].fund_payments, remit["360400"].deductions, remit["360400"].net) == (D("25000.00"), D("800.00"), D("24200.00"))
    assert remit["360300"].net == D("3000.00")
    assert [(p.region, p.net) for p in result.payments] == [("360100", D("27200.00"))]
    assert result.total == D("27200.00") == sum(r.net for r in result.remittances)


@pytest.mark.parametrize(
    "amount, treatment, insured, province",
    [
        ("1000.00", "400.00", "400.00", "200.00"),  # exact
        ("0.05", "0.02", "0.02", "0.01"),  # 0.02 exact each
        ("0.03", "0.01", "0.01", "0.01"),  # 0.012 -> 0.01 down; province 0.03 − 0.02 = 0.01
        ("123.47", "49.38", "49.38", "24.71"),  # 49.388 -> 49.38 down; province 123.47 − 98.76 = 24.71
    ],
)
def test_recovered_split_fen_rule(amount, treatment, insured, province):
    shares = split_recovered(D(amount), RecoveredSplit())
    assert (shares.treatment_region, shares.insured_region, shares.province) == (D(treatment), D(insured), D(province))


def test_recovered_split_rejects_sub_fen():
    with pytest.raises(ValueError):
        split_recovered(D("1.005"), RecoveredSplit())
