"""Analysts' view of the indicators: rows of fewer than five cases lose their figures."""
from yidi_reports.domain.disclosure import suppressed

ROW = {"period": "2026-03", "level": "group", "region": "360100", "hospital": "H36010000001", "group": "GB25",
       "origin": "cross", "cases": 3, "persons": 3, "avg_cost": "23110.50", "cmi": "1.8700", "flags": 1}


def test_a_row_of_three_cases_keeps_its_labels_and_loses_its_figures():
    assert suppressed(ROW, 5) == {"period": "2026-03", "level": "group", "region": "360100",
                                  "hospital": "H36010000001", "group": "GB25", "origin": "cross", "cases": "<5",
                                  "persons": None, "avg_cost": None, "cmi": None, "flags": None, "suppressed": True}


def test_rows_at_the_threshold_or_empty_are_shown_as_they_are():
    five = {**ROW, "cases": 5, "persons": 4}
    assert suppressed(five, 5) == five
    assert suppressed({**ROW, "cases": 0, "persons": 0}, 5) == {**ROW, "cases": 0, "persons": 0}
    assert suppressed(ROW, 3) == ROW  # a lower threshold set in the configuration
