from __future__ import annotations

import json

from yidi_grouper.cli import main

from .conftest import DEMO_SCHEME_DIR, reference_path


def test_cli_groups_a_file(tmp_path, capsys):
    cases = [
        {"id": "a", "gender": "1", "age": 60, "los": 3, "discharge_way": "1", "ventilator_hours": 0,
         "diagnoses": ["I21.003"], "procedures": ["36.0601"]},
        {"id": "b", "gender": "2", "age": 0, "age_days": 2, "birth_weight": 3000, "los": 5,
         "diagnoses": ["P22.000"], "procedures": []},
        {"id": "c", "gender": "1", "age": 40, "diagnoses": ["N83.200"]},
    ]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(json.dumps(c) for c in cases) + "\nnot json\n", encoding="utf-8")
    code = main(["--scheme", str(DEMO_SCHEME_DIR), "--input", str(source), "--output", str(target),
                 "--cache-dir", str(tmp_path / "cache")])
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["drg"], r["status"]) for r in rows[:3]] == [
        ("a", "FM19", "grouped"), ("b", "PR19", "grouped"), ("c", "0000", "ungroupable")]
    assert set(rows[0]) == {"id", "mdc", "adrg", "drg", "status", "reasons"}
    assert rows[3]["status"] == "invalid" and code == 1
    assert "4 cases" in capsys.readouterr().err


def test_cli_takes_the_scheme_settings(tmp_path):
    """99.2802 (治疗性操作) is no operating-room procedure with the category file beside the published scheme;
    BR1 splits only into 1 and 5, so a CC-only case goes to 5 unless --cc-only-split 1 (test_grouping_fidelity)."""
    scheme = reference_path("chs-drg-1.1")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "x", "gender": "1", "age": 30, "diagnoses": ["R41.000"], "procedures": ["99.2802"]})
                      + "\n" + json.dumps({"id": "b", "gender": "1", "age": 70, "diagnoses": ["I61.900x002", "J18.900"]})
                      + "\n", encoding="utf-8")

    def drgs(*options: str) -> list[str]:
        target = tmp_path / "out.jsonl"
        main(["--scheme", str(scheme), "--input", str(source), "--output", str(target), "--quiet", *options])
        return [json.loads(line)["drg"] for line in target.read_text(encoding="utf-8").splitlines()]

    assert drgs() == ["XR15", "BR15"]
    assert drgs("--procedure-categories", str(tmp_path / "absent.dat"), "--cc-only-split", "1") == ["XJ15", "BR11"]
