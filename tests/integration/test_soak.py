"""`make soak` in short: lists posted at a steady rate while a service, the broker and PostgreSQL are each
crashed at least once, in a private stack (demo/yidi_demo/soak.py); nothing lost, nothing applied twice,
every subscriber served its scope and nothing else. Run as its own process: the soak points its process
at its own stack."""
import json
import subprocess
import sys
import tempfile

from .harness import REPO

LISTS = 400


def test_a_short_soak_loses_nothing_applies_nothing_twice_and_serves_every_subscriber(tmp_path):
    out = tmp_path / "soak.json"
    # the stack's directory outside pytest's: PostgreSQL runs as the postgres user, and pytest makes its
    # own temporary root private again whenever another session starts
    state = tempfile.mkdtemp(prefix="yidi-soak-")
    run = subprocess.run([sys.executable, "-m", "yidi_demo.soak", "--lists", str(LISTS), "--rate", "30",
                          "--chaos-seconds", "3", "--seed", "11", "--drain-timeout", "300",
                          "--state", state, "--json", str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=900)
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    result = json.loads(out.read_text())
    assert all(result["chaos"].values()), result["disruptions"]  # a service, the broker and PostgreSQL
    lists = result["lists"]  # the workload may add a list (a readmission) to the count asked for
    assert lists >= LISTS and result["statuses"] == {"202": lists}
    ledger = result["ledger"]
    assert (ledger["entries_per_list_min"], ledger["entries_per_list_max"], ledger["lists_with_one_entry"]) == (1, 1, lists)
    assert ledger["entries_of_unknown_claims"] == 0 and ledger["trial_balance"] == "0.00"
    subscribers = result["subscribers"]
    kinds = sorted(name.split("-")[0] for name in subscribers)
    assert kinds.count("bureau") >= 2 and kinds.count("hospital") == kinds.count("province") == 1, kinds
    assert subscribers["province"]["expected"] >= 4 * lists  # submitted, grouped, priced, posted for each list
    for name, s in subscribers.items():
        assert s["expected"] > 0 and s["missing"] == s["outside_scope"] == s["bad_signatures"] == 0, (name, s)
        assert s["received"] == s["expected"], (name, s)
    assert result["problems"] == [] and run.returncode == 0, run.stdout[-3000:]
