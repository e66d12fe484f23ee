"""The demo workload's policy cases (手工报销, 优抚, 急诊转住院, 精神科 stays): drawn from a generator of their
own, so a workload with them is the same lists as one without, plus the flags."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from yidi_common.regional_config import load_config
from yidi_common.settlement_list import SettlementList
from yidi_demo.workload import generate
from yidi_common.settings import get_settings
from yidi_grouper.adapters.grouping_engine import GroupingEngine

REPO_ROOT = Path(__file__).resolve().parents[1]
POLICY_FIELDS = ("manual_reimbursement", "preferential_treatment", "emergency_fee", "adm_caty", "dscg_caty")


def test_policy_cases_are_added_without_changing_the_rest():
    config, engine = load_config(REPO_ROOT / "demo" / "config"), GroupingEngine.from_settings(get_settings())
    plain = generate(config, engine.scheme, count=400, seed=11, codes=engine.codes, error_share=0, qc_share=0)
    policy = generate(config, engine.scheme, count=400, seed=11, codes=engine.codes, error_share=0, qc_share=0,
                      policy_share=0.05)
    stripped = [{**sl, "setlinfo": {k: v for k, v in sl["setlinfo"].items() if k not in POLICY_FIELDS}}
                for sl in policy.lists]
    assert stripped == plain.lists and policy.seeded == plain.seeded
    infos = [sl["setlinfo"] for sl in policy.lists]
    counts = {f: sum(1 for i in infos if i.get(f)) for f in ("manual_reimbursement", "preferential_treatment", "emergency_fee")}
    assert all(n >= 5 for n in counts.values()), counts  # about 5 % of ~390 clean lists each
    for sl in policy.lists:
        info = sl["setlinfo"]
        assert sum(bool(info.get(f)) for f in counts) <= 1
        if "emergency_fee" in info:
            total = sum(Decimal(i["amt"]) for i in sl["iteminfo"])
            assert Decimal("0.05") * total - Decimal("0.01") <= Decimal(info["emergency_fee"]) <= Decimal("0.15") * total
        principal = next(d["diag_code"] for d in sl["diseinfo"] if d.get("maindiag_flag"))
        assert info.get("dscg_caty") in (None, "A15") and (info.get("dscg_caty") is None or principal.startswith("F"))
        SettlementList.model_validate(sl)
