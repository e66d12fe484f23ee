"""DIP whole (issue 13 item 4, seed 003 三(一)/(二)): the catalogue builder (library, CLI, API) and the
types a region configures. Every expected figure is worked by hand in the comments."""
from __future__ import annotations

import csv
import json
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI

from yidi_common.auth import Role
from yidi_common.auth.testing import TestIssuer
from yidi_common.http import install_error_handlers
from yidi_common.regional_config import DipPolicy, DipType
from yidi_grouper import dip_cli
from yidi_grouper.api.dip_catalogues import router
from yidi_grouper.domain.dip_assign import assign_dip
from yidi_grouper.domain.dip_history import CatalogueOptions, build_from_history, read_history

from .conftest import make_case

KINDS = {"51.2301": "手术", "87.5401": "诊断性操作", "13.4100": "手术"}


def short(diagnoses, procedures, cost, los=5, **extra):
    return {"diagnoses": diagnoses, "procedures": procedures, "total_cost": cost, "los": los, **extra}


# 11 cases of 360500, total 88 000 yuan: the reference mean is 88 000 / 11 = 8 000
HISTORY = [
    *(short(["K80.100"], ["51.2301"], c) for c in ("12000", "13000", "14000")),  # core, mean 13 000
    *(short(["K80.101"], [], c) for c in ("4000", "5000", "6000")),  # core K80.1 保守, mean 5 000
    short(["K80.200"], ["87.5401"], "3000"),  # too thin for a core type: comprehensive K80:诊断性操作
    short(["K81.000"], ["51.2301"], "10000"),  # comprehensive K81:手术
    *(short(["H25.900"], ["13.4100"], c, los=1) for c in ("6000", "7000", "8000")),  # day surgery, mean 7 000
]
OPTIONS = CatalogueOptions(core_threshold=3, day_surgery_procedures=("13.4100",))
# D = 1000 × mean / 8000
EXPECTED = {
    "K80.1:51.2301": ("core", 3, "13000.00", "1625.0000"),
    "K80.1:保守": ("core", 3, "5000.00", "625.0000"),
    "K80:诊断性操作": ("comprehensive", 1, "3000.00", "375.0000"),
    "K81:手术": ("comprehensive", 1, "10000.00", "1250.0000"),
    "日间:13.4100": ("day_surgery", 3, "7000.00", "875.0000"),
}


def as_table(types):
    return {code: (t.kind, t.cases, str(t.mean_cost), str(t.score)) for code, t in types.items()}


def test_a_small_history_gives_the_hand_worked_types_and_scores():
    history = read_history(HISTORY, region="360500")
    catalogue = build_from_history(history.pairs(), KINDS, OPTIONS, "360500-2025")
    assert catalogue.reference_mean == Decimal("8000.00")
    assert as_table(catalogue.types) == EXPECTED


def test_the_core_threshold_is_an_option():
    # at 4 cases no combination is core: the three K80.1 + 51.2301 cases fall to K80:手术 (mean 13 000,
    # 1000 × 13 000 / 8 000 = 1625) and the three K80.1 保守 to K80:保守 (mean 5 000, 625)
    catalogue = build_from_history(read_history(HISTORY).pairs(), KINDS,
                                   CatalogueOptions(core_threshold=4, day_surgery_procedures=("13.4100",),
                                                    day_surgery_threshold=3))
    assert {c: t.kind for c, t in catalogue.types.items()} == {
        "K80:手术": "comprehensive", "K80:保守": "comprehensive", "K80:诊断性操作": "comprehensive",
        "K81:手术": "comprehensive", "日间:13.4100": "day_surgery"}
    assert catalogue.types["K80:手术"].score == Decimal("1625.0000")


def test_history_problems_are_named_by_position_and_field():
    history = read_history([short(["K80.100"], [], "-1"), {"diagnoses": [], "total_cost": "10"}, ValueError("x")])
    assert [p["field"] for p in history.problems] == ["cases[0].total_cost", "cases[1].diagnoses", "cases[2]"]


# ---------------------------------------------------------------- CLI


def run_cli(tmp_path, lines, out_name, *extra):
    history = tmp_path / "cases.jsonl"
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kinds = tmp_path / "kinds.dat"
    kinds.write_text("".join(f"{code} {kind}\n" for code, kind in KINDS.items()), encoding="utf-8")
    out = tmp_path / out_name
    code = dip_cli.main(["build-catalogue", "--history", str(history), "--region", "360500", "--year", "2025",
                         "--core-threshold", "3", "--day-surgery-procedures", "13.4100",
                         "--procedure-kinds", str(kinds), "--out", str(out), *extra])
    return code, out


def test_cli_writes_the_catalogue_in_the_region_configuration_layout(tmp_path):
    lines = [json.dumps({**case, "region": "360500", "year": 2025}) for case in HISTORY]
    lines.append(json.dumps(short(["K80.100"], ["51.2301"], "99000", region="360600", year=2025)))  # skipped
    lines.append(json.dumps(short(["K80.100"], ["51.2301"], "99000", region="360500", year=2024)))  # skipped
    code, out = run_cli(tmp_path, lines, "catalogue.csv")
    assert code == 0
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["code"]: (r["kind"], int(r["cases"]), r["mean_cost"], r["score"]) for r in rows} == EXPECTED
    from yidi_common.regional_config import load_dip_catalogue

    loaded = load_dip_catalogue(out)  # loads as a region's dip_catalogue as it is
    assert loaded.entries["K80.1:51.2301"].score == Decimal("1625.0000")


def test_cli_json_output_and_bad_lines(tmp_path, capsys):
    code, out = run_cli(tmp_path, [json.dumps(case) for case in HISTORY], "catalogue.json")
    assert code == 0 and json.loads(out.read_text(encoding="utf-8"))["reference_mean"] == "8000.00"
    code, out = run_cli(tmp_path, [json.dumps(HISTORY[0]), "{not json", json.dumps(short(["K80.1"], [], "x"))],
                        "bad.csv")
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert "line[1]: not JSON" in err and "line[2].total_cost" in err


# ---------------------------------------------------------------- API

ISSUER = TestIssuer()


@pytest.fixture
async def client():
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)
    app.state.verifier = ISSUER.verifier()
    app.state.grouping_engine = SimpleNamespace(procedure_kinds=KINDS)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grouper") as c:
        yield c


BODY = {"region": "360500", "options": {"core_threshold": 3, "day_surgery_procedures": ["13.4100"]}, "cases": HISTORY}


async def test_api_builds_the_same_catalogue_for_the_region_bureau(client):
    answer = await client.post("/v1/dip/catalogues/build", json=BODY,
                               headers=ISSUER.headers(Role.BUREAU, region="360500"))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["cases"], body["reference_mean"]) == (11, "8000.00")
    assert {r["code"]: (r["kind"], int(r["cases"]), r["mean_cost"], r["score"]) for r in body["types"]} == EXPECTED
    as_csv = await client.post("/v1/dip/catalogues/build?format=csv", json=BODY, headers=ISSUER.headers(Role.PROVINCE))
    assert as_csv.status_code == 200 and as_csv.text.splitlines()[0] == "code,name,kind,cases,score,mean_cost,base_group"


async def test_api_scope_roles_and_problems(client):
    other_bureau = ISSUER.headers(Role.BUREAU, region="360100")
    assert (await client.post("/v1/dip/catalogues/build", json=BODY, headers=other_bureau)).status_code == 403
    hospital = ISSUER.headers(Role.HOSPITAL, hospital="H36050000001")
    assert (await client.post("/v1/dip/catalogues/build", json=BODY, headers=hospital)).status_code == 403
    bad = {**BODY, "cases": [*HISTORY, short(["K80.100"], ["51.2301"], "0")],
           "options": {"core_threshold": 3, "base_type": "Z99:保守"}}
    answer = await client.post("/v1/dip/catalogues/build", json=bad, headers=ISSUER.headers(Role.PROVINCE))
    assert answer.status_code == 422 and [p["field"] for p in answer.json()["problems"]] == ["cases[11].total_cost"]
    unknown_base = {**BODY, "options": {"core_threshold": 3, "base_type": "Z99:保守"}}
    answer = await client.post("/v1/dip/catalogues/build", json=unknown_base, headers=ISSUER.headers(Role.PROVINCE))
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "options.base_type"
    not_codes = json.dumps({**BODY, "options": {"day_surgery_procedures": ["13.4100", "\ud800"]}})  # \ud800 escaped
    answer = await client.post("/v1/dip/catalogues/build", content=not_codes, headers={
        **ISSUER.headers(Role.PROVINCE), "content-type": "application/json"})
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "options.day_surgery_procedures"


# ---------------------------------------------------------------- the types a region configures

TYPES = {code: DipType(code=code, score=Decimal(score), mean_cost=Decimal(mean)) for code, score, mean in (
    ("K80.1:51.2301", "1625", "13000"), ("K80.1:保守", "625", "5000"), ("日间:13.4100", "875", "7000"),
    ("H25:手术", "1100", "8800"), ("M54.5:保守", "500", "4000"), ("M54:治疗性操作", "600", "4800"))}
POLICY = DipPolicy(
    day_surgery={"procedures": ("13.4100",)}, primary_types=("K80.1:保守",), tcm={"types": ("M54.5:保守", "M54:治疗性操作")},
    severity={"diagnoses": {"J96": 2, "E87": 1}})


def assign(diagnoses, procedures=(), herbal=Decimal(0), **extra):
    return assign_dip(make_case(diagnoses, procedures, **extra), TYPES, {"13.4100": "手术"}, POLICY, herbal)


def test_day_surgery_is_a_stay_of_at_most_one_day_with_a_listed_procedure():
    one_day = assign(["H25.900"], ["13.4100"], los=1)
    assert (one_day.type_code, one_day.kind, one_day.category, one_day.score) == (
        "日间:13.4100", "day_surgery", "day_surgery", Decimal("875"))
    two_days = assign(["H25.900"], ["13.4100"], los=2)  # not a day surgery: the comprehensive type
    assert (two_days.type_code, two_days.category) == ("H25:手术", None)


def test_primary_tcm_and_severity():
    primary = assign(["K80.101"])
    assert (primary.type_code, primary.category) == ("K80.1:保守", "primary")
    acupuncture = assign(["M54.500"], ["99.9200x001"])  # 针刺: a TCM treatment, 治疗性操作 (not listed)
    assert (acupuncture.type_code, acupuncture.category) == ("M54:治疗性操作", "tcm")
    herbs = assign(["M54.500"], [], herbal=Decimal("0.12"))  # 中药饮片 12 % >= 10 %
    assert herbs.category == "tcm"
    no_marker = assign(["M54.500"], [], herbal=Decimal("0.05"))
    assert no_marker.category is None and "no TCM marker" in no_marker.explanation[-1]
    severe = assign(["K80.100", "E87.100", "J96.000"], ["51.2301"])  # J96 level 2 beats E87 level 1
    assert (severe.type_code, severe.severity, severe.severity_codes) == ("K80.1:51.2301", 2, ("J96.000",))


def test_severity_from_death_and_age_when_configured():
    policy = DipPolicy(severity={"diagnoses": {"E87": 1}, "death_level": 3, "elderly_age": 80, "elderly_level": 2})
    cases = {
        "listed diagnosis only": (make_case(["K80.100", "E87.100"], ["51.2301"], age=60), 1),
        "aged 80": (make_case(["K80.100", "E87.100"], ["51.2301"], age=80), 2),
        "aged 79": (make_case(["K80.100"], ["51.2301"], age=79), 0),
        "died": (make_case(["K80.100"], ["51.2301"], age=85, discharge_way="5"), 3),
    }
    for name, (case, level) in cases.items():
        assert assign_dip(case, TYPES, {}, policy).severity == level, name
