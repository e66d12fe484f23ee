"""Properties: any input groups to a known code (generated cases are checked in the repo's tests/test_casegen.py)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from yidi_grouper.domain.drg import GroupingInput, group_case


@settings(max_examples=200, deadline=None)
@given(
    diagnoses=st.lists(st.sampled_from(["J18.900", "I21.003", "P07.200", "S06.500", "S36.101", "Z37.000",
                                        "J96.000", "E11.900", "B20.003", "bogus", ""]), max_size=5),
    procedures=st.lists(st.sampled_from(["47.0100", "36.0601", "39.6500", "55.6901", "x"]), max_size=3),
    gender=st.sampled_from(["1", "2", "9"]),
    age=st.integers(0, 100),
    age_days=st.one_of(st.none(), st.integers(0, 400)),
    ventilator=st.floats(0, 500),
)
def test_any_input_groups_to_a_known_code(scheme11, diagnoses, procedures, gender, age, age_days, ventilator):
    case = GroupingInput(id="h", gender=gender, age=age, age_days=age_days, ventilator_hours=ventilator,
                         diagnoses=tuple(diagnoses), procedures=tuple(procedures), birth_weight=2000)
    result = group_case(case, scheme11)
    assert result.status in ("grouped", "ambiguous", "ungroupable")
    if result.status == "grouped":
        assert result.drg in scheme11.drg_names
    elif result.status == "ambiguous":
        assert result.drg.endswith("QY")
    else:
        assert result.drg == "0000" and result.reasons
