"""`make soak` in short: lists posted at a steady rate while a service, the broker and PostgreSQL are each
crashed at least once, in a private stack (demo/yidi_demo/soak.py); nothing lost, nothing applied twice,
every subscriber served its scope. Run as its own process: the soak points its process at its own stack."""
import json
import subprocess
import sys

from .harness import REPO

LISTS = 900


def test_a_short_soak_loses_nothing_applies_nothing_twice_and_serves_every_subscriber(tmp_path):
    out = tmp_path / "soak.json"
    run = subprocess.run([sys.executable, "-m", "yidi_demo.soak", "--lists", str(LISTS), "--rate", "30",
                          "--chaos-seconds", "4", "--seed", "11", "--quiet", "--state", str(tmp_path / "stack"),
                          "--json", str(out)], cwd=REPO, capture_output=True, text=True, timeout=1500)
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(out.read_text())
    kinds = {d["what"].split(" ")[0] if "broker" not in d["what"] else "broker" for d in result["disruptions"]}
    assert {"kill", "broker", "crash"} <= kinds, result["disruptions"]  # a service, the broker, PostgreSQL
    assert result["statuses"] == {"202": LISTS}
    assert result["ledger"]["claims_with_one_entry"] == LISTS
    assert result["ledger"]["claims_without_entry"] == result["ledger"]["claims_with_several"] == 0
    assert result["ledger"]["entries_of_unknown_claims"] == 0
    assert result["ledger"]["trial_balance_difference"] == "0.00"
    province = result["subscribers"]["province"]
    assert province["expected"] >= 4 * LISTS  # submitted, grouped, priced, posted for each list at least
    for name, subscriber in result["subscribers"].items():
        assert subscriber["missing"] == 0 and subscriber["outside_scope"] == 0, (name, subscriber)
        assert subscriber["received"] == subscriber["expected"], (name, subscriber)
    assert result["problems"] == [] and run.returncode == 0, run.stdout[-3000:]
