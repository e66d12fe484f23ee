"""`make demo` ends with the dashboard's address and, per role, the user to pick on the sign-in page."""
import io

from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo.run import print_dashboard


def test_the_demo_prints_the_dashboard_and_a_sign_in_for_each_role(monkeypatch):
    monkeypatch.delenv("DASHBOARD_PORT", raising=False)
    out = io.StringIO()
    print_dashboard(load_config(REPO_ROOT / "demo" / "config"), out)
    text = out.getvalue()
    assert "http://127.0.0.1:8107" in text and "/authorize" in text
    lines = {line.split()[2]: line for line in text.splitlines() if line.startswith(("  a ", "  the "))}
    assert set(lines) == {"dev-bureau-360100", "dev-hospital-H36010000001", "dev-province"}
    assert "南昌市医保局" in lines["dev-bureau-360100"] and "南昌大学第一附属医院" in lines["dev-hospital-H36010000001"]
