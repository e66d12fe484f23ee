from __future__ import annotations

import json

from yidi_grouper.cli import main

from .conftest import DEMO_SCHEME_DIR


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
