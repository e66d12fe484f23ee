"""The indicators on a small region worked by hand (figures in the comments, never from the code under test).

Region 360100 (DRG), settlement month 2026-03. Groups BR25 (RW 1.2) and GB15 (RW 0.8).

| case | hospital | origin | person | group | LOS | total cost | 自费 | F | kind | dates (adm → dscg) |
|---|---|---|---|---|---|---|---|---|---|---|
| c1 | H1 | local | P1 | BR25 | 10 | 10000 | 500 | 6000 | normal | 03-01 → 03-11 |
| c2 | H1 | local | P1 | BR25 | 6 | 8000 | 300 | 5000 | normal | 03-20 → 03-26 (9 days after c1: readmission) |
| c3 | H1 | cross | P2 | GB15 | 4 | 4000 | 0 | 3000 | high outlier | 03-05 → 03-09 |
| c4 | H2 | local | P3 | BR25 | 8 | 12000 | 1200 | 8000 | normal | 03-02 → 03-10 |
| c5 | H1 | local | P4 | — (ungroupable) | 3 | 2000 | 100 | 1000 | ungroupable | 03-03 → 03-06 |
| c6 | H2 | cross | P5 | GB15 | 2 | 3000 | 0 | 2000 | special review | 03-07 → 03-09 |
| r1 | H1 | local | — | rejected by QC | | | | | | |

Benchmarks (the region's cases of 2026, both origins): BR25 mean LOS (10+6+8)/3 = 8, mean cost
(10000+8000+12000)/3 = 10000; GB15 mean LOS (4+2)/2 = 3, mean cost (4000+3000)/2 = 3500.
c2 carries one flag confirmed at 1000.00.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from yidi_reports.adapters.norms import NormsError, load_norms
from yidi_reports.domain.indicators import (
    Case,
    coverage,
    group_benchmarks,
    indicators,
    readmitted,
    unit_indicators,
    with_norms,
)

CST = timezone(timedelta(hours=8))
D = Decimal


def at(month_day: str) -> datetime:
    month, day = map(int, month_day.split("-"))
    return datetime(2026, month, day, 9, tzinfo=CST)


def case(claim_id, hospital, origin, person, group, los, cost, self_pay, fund, kind, adm, dscg, *, dx="I63.900",
         flags=0, deductions="0"):
    grouped = group is not None
    return Case(claim_id=claim_id, version=1, hospital_code=hospital, treatment_region="360100",
                insured_region="360100" if origin == "local" else "360200", origin=origin, period="2026-03",
                psn_no=person, adm_time=at(adm), dscg_time=at(dscg), los=los, total_cost=D(cost), self_pay=D(self_pay),
                basic_fund=D(fund), grouping_status="grouped" if grouped else "ungroupable", payment_method="DRG",
                group=group, weight={"BR25": D("1.2"), "GB15": D("0.8")}.get(group), case_kind=kind,
                principal_diagnosis=dx, flags=flags, deductions=D(deductions))


CASES = [
    case("c1", "H1", "local", "P1", "BR25", 10, "10000", "500", "6000", "normal", "03-01", "03-11"),
    case("c2", "H1", "local", "P1", "BR25", 6, "8000", "300", "5000", "normal", "03-20", "03-26", flags=1,
         deductions="1000"),
    case("c3", "H1", "cross", "P2", "GB15", 4, "4000", "0", "3000", "high_outlier", "03-05", "03-09", dx="K80.100"),
    case("c4", "H2", "local", "P3", "BR25", 8, "12000", "1200", "8000", "normal", "03-02", "03-10"),
    case("c5", "H1", "local", "P4", None, 3, "2000", "100", "1000", "ungroupable", "03-03", "03-06", dx="R50.900"),
    case("c6", "H2", "cross", "P5", "GB15", 2, "3000", "0", "2000", "special_review", "03-07", "03-09", dx="K80.200"),
    Case(claim_id="r1", version=1, hospital_code="H1", treatment_region="360100", insured_region="360100",
         origin="local", period="2026-03", stage="rejected"),
]


def rows(level: str) -> dict:
    found = indicators(CASES, period="2026-03", level=level, benchmarks=group_benchmarks(CASES),
                       readmissions=readmitted(CASES, CASES))
    return {(r.hospital or r.group or r.region, r.origin): r for r in found}


def test_hospital_one_local_worked_by_hand():
    h1 = rows("hospital")[("H1", "local")]
    assert (h1.cases, h1.persons) == (3, 2)  # c1 c2 c5; P1 twice
    assert h1.person_time_ratio == D("1.5000")  # 3 / 2
    assert h1.avg_cost == D("6666.67")  # 20000 / 3 = 6666.666… half-up to the fen
    assert h1.grouping_rate == D("0.5000")  # grouped c1 c2 / (3 cases + 1 rejected list)
    assert h1.cmi == D("1.2000")  # (1.2 + 1.2) / 2 cases with a weight
    assert h1.time_index == D("1.0000")  # (10/8 + 6/8) / 2
    assert h1.cost_index == D("0.9000")  # (10000/10000 + 8000/10000) / 2
    assert h1.self_pay_share == D("0.0450")  # (500 + 300 + 100) / 20000
    assert h1.readmission_15d == D("0.3333")  # c2 of 3
    assert (h1.outlier_share, h1.special_case_share) == (D("0.0000"), D("0.0000"))
    assert (h1.flags, h1.deductions_amount) == (1, D("1000.00"))


def test_hospitals_cross_region_side_by_side():
    found = rows("hospital")
    h1 = found[("H1", "cross")]
    assert (h1.cases, h1.persons, h1.avg_cost, h1.grouping_rate, h1.cmi) == (1, 1, D("4000.00"), D("1.0000"), D("0.8000"))
    assert h1.time_index == D("1.3333")  # 4 / 3
    assert h1.cost_index == D("1.1429")  # 4000 / 3500 = 1.142857…
    assert h1.outlier_share == D("1.0000")
    h2 = found[("H2", "cross")]
    assert (h2.time_index, h2.cost_index, h2.special_case_share) == (D("0.6667"), D("0.8571"), D("1.0000"))
    h2_local = found[("H2", "local")]
    assert (h2_local.cost_index, h2_local.self_pay_share) == (D("1.2000"), D("0.1000"))  # 12000/10000, 1200/12000
    assert set(found) == {("H1", "local"), ("H1", "cross"), ("H2", "local"), ("H2", "cross")}


def test_region_level():
    local = rows("region")[("360100", "local")]
    assert (local.cases, local.persons, local.person_time_ratio) == (4, 3, D("1.3333"))
    assert local.avg_cost == D("8000.00")  # 32000 / 4
    assert local.grouping_rate == D("0.6000")  # 3 grouped / 5 lists
    assert (local.time_index, local.cost_index) == (D("1.0000"), D("1.0000"))  # (1.25+0.75+1)/3, (1+0.8+1.2)/3
    assert local.self_pay_share == D("0.0656")  # 2100 / 32000 = 0.065625, half-up
    assert local.readmission_15d == D("0.2500")
    cross = rows("region")[("360100", "cross")]
    # (4/3 + 2/3) / 2 = 1 and (4000/3500 + 3000/3500) / 2 = 1: the region is its own benchmark
    assert (cross.cmi, cross.time_index, cross.cost_index) == (D("0.8000"), D("1.0000"), D("1.0000"))
    assert (cross.outlier_share, cross.special_case_share) == (D("0.5000"), D("0.5000"))


def test_group_level_and_empty_denominators():
    found = rows("group")
    assert found[("BR25", "local")].cases == 3 and found[("GB15", "cross")].cases == 2
    assert ("BR25", "cross") not in found
    empty = unit_indicators([], period="2026-03", level="region", region="360100", origin="local", benchmarks={},
                            readmissions=set())
    assert (empty.avg_cost, empty.cmi, empty.person_time_ratio, empty.grouping_rate) == (None, None, None, None)


def test_readmission_counts_up_to_fifteen_days_in_the_same_treatment_region():
    first = case("a", "H1", "local", "P9", "BR25", 5, "1", "0", "0", "normal", "04-01", "04-06")
    day15 = case("b", "H2", "local", "P9", "BR25", 5, "1", "0", "0", "normal", "04-21", "04-26")  # 04-06 + 15 days
    before_c = case("d", "H1", "local", "P8", "BR25", 5, "1", "0", "0", "normal", "04-01", "04-06")
    day16 = case("c", "H1", "local", "P8", "BR25", 5, "1", "0", "0", "normal", "04-22", "04-27")  # 04-06 + 16 days
    stays = [first, day15, before_c, day16]
    assert readmitted(stays, stays) == {"b"}
    treated_elsewhere = replace(case("f", "H3", "local", "P7", "BR25", 5, "1", "0", "0", "normal", "04-01", "04-06"),
                                treatment_region="360200")
    back = case("g", "H1", "local", "P7", "BR25", 5, "1", "0", "0", "normal", "04-10", "04-12")
    assert readmitted([back], [treated_elsewhere, back]) == set()


def test_coverage_of_seed_000_five_two():
    found = coverage(CASES, region="360100", year=2026, configured_regions={"360100", "360200"},
                     known_regions={"360100", "360200", "360300"})
    assert found.pools == D("1.0000")
    assert found.hospitals == D("1.0000")  # H1 (c1) and H2 (c4) both have cases paid by group
    assert found.groups == D("0.6667")  # {I63, K80} of {I63, K80, R50}: c5 ungroupable, c6 special review
    assert found.fund == D("0.8800")  # F of c1 c2 c3 c4 = 22000 / 25000
    assert found.met == {"pools": True, "hospitals": True, "groups": False, "fund": True}
    province = coverage(CASES, region="all", year=2026, configured_regions={"360100", "360200"},
                        known_regions={"360100", "360200", "360300"})
    assert province.pools == D("0.6667")


@pytest.mark.parametrize("method, weight, expected", [("DRG", "1.25", "1.2500"), ("DIP", "1250", "1.2500")])
def test_cmi_takes_dip_scores_over_1000(method, weight, expected):
    one = Case(claim_id="x", version=1, hospital_code="H1", treatment_region="360100", insured_region="360100",
               origin="local", period="2026-03", psn_no="P", total_cost=D(1), grouping_status="grouped",
               payment_method=method, group="G", weight=D(weight))
    figures = unit_indicators([one], period="2026-03", level="region", region="360100", origin="local",
                              benchmarks={}, readmissions=set())
    assert figures.cmi == D(expected)


def test_readmission_days_are_counted_in_china_time():
    # discharged 7 Oct 01:00 in China (6 Oct in UTC), back 22 Oct 09:00 (22 Oct 01:00 UTC): 15 days in China
    # time, 16 by UTC dates; naive times (as the read model stores them) are China time
    utc = timezone.utc
    first = replace(CASES[0], claim_id="u1", psn_no="PU", adm_time=datetime(2026, 10, 1, 1, tzinfo=utc),
                    dscg_time=datetime(2026, 10, 6, 17, tzinfo=utc))
    back = replace(CASES[0], claim_id="u2", psn_no="PU", adm_time=datetime(2026, 10, 22, 1, tzinfo=utc),
                   dscg_time=datetime(2026, 10, 25, 1, tzinfo=utc))
    assert readmitted([back], [first, back]) == {"u2"}
    naive = [replace(c, adm_time=c.adm_time.astimezone(CST).replace(tzinfo=None),
                     dscg_time=c.dscg_time.astimezone(CST).replace(tzinfo=None)) for c in (first, back)]
    assert readmitted(naive[1:], naive) == {"u2"}


def test_configured_group_norms_replace_the_regions_own_averages(tmp_path):
    norms_file = tmp_path / "norms.csv"
    norms_file.write_text("DRG编码,DRG名称,例均费用,平均住院日\nBR25,脑缺血性疾患,12500.00,10\n", encoding="utf-8")
    norms = load_norms(norms_file)
    benchmarks = with_norms(group_benchmarks(CASES), norms, ["360100"])
    h1 = {r.origin: r for r in indicators(CASES, period="2026-03", level="hospital", benchmarks=benchmarks,
                                          readmissions=set()) if r.hospital == "H1"}
    # BR25 at the norms: c1 10/10 and 10000/12500 = 0.8; c2 6/10 and 8000/12500 = 0.64
    assert (h1["local"].time_index, h1["local"].cost_index) == (D("0.8000"), D("0.7200"))
    # GB15 has no norm: the region's own averages stay (4/3, 4000/3500)
    assert (h1["cross"].time_index, h1["cross"].cost_index) == (D("1.3333"), D("1.1429"))
    norms_file.write_text("DRG编码,例均费用,平均住院日\nBR25,0,10\n", encoding="utf-8")
    with pytest.raises(NormsError, match="norms.csv:2"):
        load_norms(norms_file)
