"""Monthly pre-settlement, two-level cross-region statements, recovered funds (DOMAIN.md §7)."""
from datetime import datetime, timezone
from decimal import Decimal as D

import pytest

from yidi_clearing.domain import ConfirmedDeduction, cross_region_statements, monthly_presettlement, split_recovered
from yidi_clearing.domain.settlement import Settled, Stage, unsettled
from yidi_common.claims import ClaimScope
from yidi_common.regional_config import RecoveredSplit


def _monthly(config, cases, month, deductions=None, settled=None):
    return monthly_presettlement(config, "360100", month, unsettled(Stage.MONTHLY, cases, settled or {}), deductions)


def test_monthly_presettlement(config, make_case):
    # H1 March: FD 11000 (normal) + 5000 (low outlier, per item) = 16000; deduction 1000
    # payable 15000.00; withheld q = 5 %: 750.00; the cross-province claim's 18000.00 paid as charged:
    # paid 14250.00 + 18000.00 = 32250.00
    # H2 March: FD 2500.10 ... (T 5000.00, F 3000.10, S 4500: FD = 3000.10 + 4500 − 5000 = 2500.10)
    # withheld = 0.05 × 2500.10 = 125.005 -> 125.01 (half-up); paid = 2500.10 − 125.01 = 2375.09
    cases = [
        make_case("30000.00", "18000.00", "23000.00", "11000.00", "23000"),  # X = 2.0 × 10000 × 1.15
        make_case("8000.00", "5000.00", "8000.00", "5000.00", case_kind="low"),  # per item: FD = F
        make_case("5000.00", "3000.10", "4500.00", "2500.10", "4500", hospital="H2"),  # X = 0.5 × 10000 × 0.9
        # cross-province: outside every pool, per item: FD = 18000 + 30000 − 30000
        make_case("30000.00", "18000.00", "30000.00", "18000.00", insured="110100", scope=ClaimScope.CROSS_PROVINCE,
                  pool=None, case_kind="cross_province", claim_id="c5"),
    ]
    cases = [c if c.claim_id == "c5" else c.__class__(**{**_fields(c), "claim_id": f"c{i}"}) for i, c in enumerate(cases)]
    result = _monthly(config, cases, "2026-03", {"H1": D("1000.00")})
    lines = {line.hospital: line for line in result.lines}
    h1, h2 = lines["H1"], lines["H2"]
    assert (h1.cases, h1.fund_due, h1.per_item, h1.payable, h1.withheld, h1.paid) == (
        3, D("16000.00"), D("18000.00"), D("15000.00"), D("750.00"), D("32250.00"))
    assert (h2.fund_due, h2.withheld, h2.paid) == (D("2500.10"), D("125.01"), D("2375.09"))
    assert _monthly(config, cases, "2026-03", {"H1": D("1000.00")}).lines == result.lines  # a pure function


def _fields(case):
    return {f: getattr(case, f) for f in case.__slots__}


def test_a_late_list_and_a_correction_settle_as_differences_that_keep_their_period(config, make_case):
    # March's run settled c1 v1 (FD 11000.00) and c2 v1 (FD 5000.00). April's run: c1 corrected to v2 (FD 9000.00),
    # a late March list c3 (FD 2500.00), April's c4 (FD 4000.00); c2 unchanged is not taken again.
    march = [Settled(Stage.MONTHLY, "c1", 1, "m3", "2026-03", "H1", "360100", "360100", D("11000.00"), D("0.00")),
             Settled(Stage.MONTHLY, "c2", 1, "m3", "2026-03", "H1", "360100", "360100", D("5000.00"), D("0.00"))]
    cases = [make_case("20000.00", "12000.00", "17000.00", "9000.00", "17000", claim_id="c1", version=2),
             make_case("8000.00", "5000.00", "8000.00", "5000.00", claim_id="c2"),
             make_case("5000.00", "3000.00", "4500.00", "2500.00", "4500", claim_id="c3"),
             make_case("9000.00", "6000.00", "7000.00", "4000.00", "7000", claim_id="c4", month="2026-04")]
    result = _monthly(config, cases, "2026-04", settled={s.claim_id: s for s in march})
    # March adjustments: (9000 − 11000) + 2500 = 500.00 (2 claims, 1 correction); April: 4000.00
    assert [(p.period, p.cases, p.corrections, p.fund_due) for p in result.periods] == [
        ("2026-03", 2, 1, D("500.00")), ("2026-04", 1, 0, D("4000.00"))]
    (line,) = result.lines
    # payable 4500.00; withheld 225.00; paid 4275.00
    assert (line.cases, line.corrections, line.payable, line.withheld, line.paid) == (
        3, 1, D("4500.00"), D("225.00"), D("4275.00"))
    assert sorted((s.claim_id, s.version, s.fund_due) for s in result.settled) == [
        ("c1", 2, D("9000.00")), ("c3", 1, D("2500.00")), ("c4", 1, D("4000.00"))]


def test_monthly_negative_payable_withholds_nothing(config, make_case):
    cases = [make_case("8000.00", "5000.00", "8000.00", "5000.00", case_kind="low")]  # per item: FD = F = 5000
    (line,) = _monthly(config, cases, "2026-03", {"H1": D("6000.00")}).lines
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
    cases = [case.__class__(**{**_fields(case), "claim_id": f"x{i}"}) for i, case in enumerate(cases)]
    deduction = ConfirmedDeduction("F1", "c1", "S1", "H1", "360100", "360400", D("800.00"),
                                   datetime(2026, 3, 20, tzinfo=timezone.utc), "2026-03")
    result = cross_region_statements(unsettled(Stage.CROSS_REGION, cases, {}), [deduction])
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
