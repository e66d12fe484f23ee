"""What the pages show: amounts to the fen, alert levels, the review steps offered to each role."""
from decimal import Decimal

import pytest

from yidi_common.auth import Principal, Role
from yidi_dashboard.domain.views import china_time, coverage_chart, flag_actions, highest_alerts, percent, yuan

BUREAU_A = Principal("a", Role.BUREAU, region="360100")
BUREAU_B = Principal("b", Role.BUREAU, region="360400")
PROVINCE = Principal("p", Role.PROVINCE)
HOSPITAL = Principal("h", Role.HOSPITAL, hospital="H36010000001")
FLAG = {"treat_admdvs": "360100", "insu_admdvs": "360400"}


@pytest.mark.parametrize("amount, shown", [("8848000.00", "8,848,000.00"), ("0.5", "0.50"), (Decimal("1234.565"), "1,234.56"),
                                           ("-12.3", "-12.30"), (None, "—")])
def test_amounts_are_shown_to_the_fen(amount, shown):
    assert yuan(amount) == shown  # Decimal quantize rounds half-even: 1234.565 -> 1234.56


def test_shares_are_percentages():
    assert percent("0.0041") == "0.41 %" and percent("1.2345") == "123.45 %" and percent(None) == "—"


def test_the_highest_level_a_budget_reached_is_shown():
    alerts = [{"budget_ref": {"key": "360100-2026-DRG-310-all"}, "level": "notice"},
              {"budget_ref": {"key": "360100-2026-DRG-310-all"}, "level": "critical"},
              {"budget_ref": {"key": "360100-2026-DRG-310-all"}, "level": "warning"},
              {"budget_ref": {"key": "360100-2026"}, "level": "warning"}]
    assert highest_alerts(alerts) == {"360100-2026-DRG-310-all": "critical", "360100-2026": "warning"}


@pytest.mark.parametrize("caller, status, actions", [
    (BUREAU_A, "raised", ["propose", "withdraw"]),  # the treatment region
    (BUREAU_B, "raised", []),
    (BUREAU_B, "proposed", ["confirm", "dispute"]),  # the insured region
    (BUREAU_A, "proposed", []),
    (PROVINCE, "disputed", ["resolve"]),
    (PROVINCE, "raised", []),
    (HOSPITAL, "raised", []),
    (BUREAU_B, "confirmed", []),
])
def test_each_role_is_offered_the_steps_its_region_plays(caller, status, actions):
    assert flag_actions(caller, {**FLAG, "status": status}) == actions


def test_the_coverage_chart_plots_percentages_against_the_seed_000_targets():
    rows = [{"label": "南昌市", "region": "360100", "pools": "1.0000", "hospitals": "0.8333", "groups": "0.9125",
             "fund": "0.6549", "targets": {"pools": "1.00", "hospitals": "1.00", "groups": "0.90", "fund": "0.70"}},
            {"label": "全省", "region": "all", "pools": "0.5455", "hospitals": None, "groups": "1", "fund": "0.00005"}]
    chart = coverage_chart(rows)
    assert chart["labels"] == ["南昌市", "全省"] and chart["order"] == ["hospitals", "groups", "fund"]
    assert chart["values"] == {"hospitals": [83.33, None], "groups": [91.25, 100.0], "fund": [65.49, 0.0]}
    assert chart["targets"] == {"hospitals": 100.0, "groups": 90.0, "fund": 70.0}  # 五(二): 100 %, ≥ 90 %, ≥ 70 %
    assert chart["measures"] == {"hospitals": "定点医疗机构覆盖率", "groups": "病种覆盖率", "fund": "医保基金覆盖率"}
    assert coverage_chart([])["targets"] == {}


def test_times_are_shown_in_china_time():
    assert china_time("2026-12-01T10:29:17.123+00:00") == "2026-12-01 18:29:17"
    assert china_time("2026-12-31T16:00:00Z") == "2027-01-01 00:00:00" and china_time(None) == "—"
