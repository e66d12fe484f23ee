"""The demo scheme (demo/scheme, our own data) exercises every path, including the age and
death/transfer splits that CHS-DRG 1.1 does not use. Line numbers refer to demo/scheme files."""
from __future__ import annotations

import pytest

from yidi_grouper.domain.drg import group_case

from .conftest import make_case

CASES = [
    # 4_ADRG_DETAIL AE1 main procedure 55.6901 -> AE19
    (dict(diagnoses=["J18.900"], procedures=["55.6901"]), "AE19"),
    # AH1 by ventilator hours; J96.000 is MCC 表 7-2 and J18.900 is in 表 7-2: excluded -> AH15
    (dict(diagnoses=["J18.900", "J96.000"], ventilator_hours=200), "AH15"),
    # same MCC with a principal outside 表 7-2 counts -> AH11
    (dict(diagnoses=["K29.700", "J96.000"], ventilator_hours=200), "AH11"),
    # EX1 age split from DRG names: 年龄<18岁 -> EX13, 年龄≥18岁 -> EX15
    (dict(diagnoses=["J45.900"], age=10), "EX13"),
    (dict(diagnoses=["J45.900"], age=18), "EX15"),
    # FR1 death/transfer split: death on day 3 -> FR17; death on day 9 -> complication split
    (dict(diagnoses=["I21.003"], discharge_way="5", los=3), "FR17"),
    (dict(diagnoses=["I21.003"], discharge_way="2", los=5), "FR17"),
    (dict(diagnoses=["I21.003"], discharge_way="5", los=9), "FR15"),
    # ER1 has 1/3/5: CC E11.900 (无 exclusion) -> ER13; MCC J96.000 excluded by 表 7-2 -> ER15
    (dict(diagnoses=["C34.900", "E11.900"]), "ER13"),
    (dict(diagnoses=["C34.900", "J96.000"]), "ER15"),
    # GZ1 has 3/5 only: an MCC takes the 3 DRG
    (dict(diagnoses=["K29.700", "J96.000"]), "GZ13"),
    # GD1 needs principal K35.200 and main 47.0100; K35.800x001 falls to GD2
    (dict(diagnoses=["K35.200"], procedures=["47.0100"]), "GD15"),
    (dict(diagnoses=["K35.800x001"], procedures=["47.0100"]), "GD29"),
    # OR procedure of MDCG in an MDCE case -> EQY; EB1 (MDCE surgery) in an MDCG case -> GQY
    (dict(diagnoses=["J18.900"], procedures=["47.0901"]), "EQY"),
    (dict(diagnoses=["K29.700"], procedures=["32.4100"]), "GQY"),
    # non-OR FM1 before medical FR1
    (dict(diagnoses=["I21.003"], procedures=["36.0601"]), "FM19"),
    # MDCP: newborn windows and birth weight
    (dict(diagnoses=["P22.000"], age=0, age_days=2, birth_weight=3000), "PR19"),
    (dict(diagnoses=["P59.901", "P07.200"], age=0, age_days=2, birth_weight=1300), "PS19"),
    (dict(diagnoses=["P59.901", "P07.200"], age=0, age_days=2, birth_weight=2600), "PU19"),
    (dict(diagnoses=["P59.901"], age=0, age_days=100), "PV19"),
    # MDCZ: head + chest; S27.000 is MCC 表 7-3 and S06.500 is in 表 7-3 -> excluded -> ZZ15
    (dict(diagnoses=["S06.500", "S27.000"]), "ZZ15"),
    # S27.000 alone is one region: MDCE ES3
    (dict(diagnoses=["S27.000"]), "ES35"),
    # MDCN is female only
    (dict(diagnoses=["N83.200"], gender="2"), "NZ19"),
    (dict(diagnoses=["N83.200"], gender="1"), "0000"),
    (dict(diagnoses=["X99.999"]), "0000"),
]


@pytest.mark.parametrize("fields,drg", CASES, ids=[f"{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_demo_scheme_cases(demo_scheme, fields, drg):
    fields = dict(fields)
    result = group_case(make_case(fields.pop("diagnoses"), fields.pop("procedures", ()), **fields), demo_scheme)
    assert result.drg == drg, result.reasons


def test_demo_scheme_loads_cleanly(demo_scheme):
    assert demo_scheme.load_warnings == ()
    assert demo_scheme.version == "demo-chs-drg-1.1"
    assert len(demo_scheme.drg_codes) == 29
