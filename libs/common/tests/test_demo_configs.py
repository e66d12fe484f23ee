"""The two demo configurations: Jiangxi as seed 000 四(一) wants it (local and cross-region cases in one
pool, at the same rate) and the 2025-2026 transition layout (separate pools), both loadable."""
from decimal import Decimal
from pathlib import Path

import pytest

from yidi_common.regional_config import BudgetSource, ProvinceConfig, load_config

DEMO = Path(__file__).resolve().parents[3] / "demo"
REGIONS = ["360100", "360200", "360300", "360400", "360500", "360600", "360700", "360800", "360900", "361000",
           "361100"]
DIP_REGION, MERGED_INSUTYPES, ITEM_BUDGETED = "360500", "360600", "360100"


@pytest.fixture(scope="module")
def jiangxi() -> ProvinceConfig:
    return load_config(DEMO / "config")


@pytest.fixture(scope="module")
def transition() -> ProvinceConfig:
    return load_config(DEMO / "config-transition")


def scheme(region: str) -> str:
    return "DIP" if region == DIP_REGION else "DRG"


def test_jiangxi_has_one_pool_per_insurance_type_for_local_and_cross_region_cases(jiangxi):
    assert (jiangxi.version, sorted(jiangxi.region_years)) == ("demo-2026.1", [f"{r}-2026" for r in REGIONS])
    for region in REGIONS:
        insutypes = ["all"] if region == MERGED_INSUTYPES else ["310", "390"]
        assert sorted(jiangxi.region_year(region, 2026).pools) == [
            f"{region}-2026-{scheme(region)}-{i}-all" for i in insutypes]
        for pool in jiangxi.pools(region, 2026):
            assert pool.budget_source is BudgetSource.FIXED and pool.budget > 0


def test_jiangxi_puts_a_local_and_a_cross_region_case_of_a_hospital_in_the_same_pool(jiangxi):
    for hospital in jiangxi.hospitals.values():
        for insutype in ("310", "390"):
            local = jiangxi.pool_for(hospital.region, 2026, insutype, cross_region=False)
            assert jiangxi.pool_for(hospital.region, 2026, insutype, cross_region=True) == local
    # employee and resident stay apart but in 鹰潭
    assert jiangxi.pool_for("360100", 2026, "310", False) != jiangxi.pool_for("360100", 2026, "390", False)
    assert jiangxi.pool_for("360600", 2026, "310", False).label == "360600-2026-DRG-all-all"


def test_the_transition_layout_keeps_local_and_cross_region_pools_apart(transition):
    assert (transition.version, sorted(transition.region_years)) == (
        "demo-transition-2026.1", [f"{r}-2026" for r in REGIONS])
    for region in REGIONS:
        insutypes = ["all"] if region == MERGED_INSUTYPES else ["310", "390"]
        pools = transition.region_year(region, 2026).pools
        assert sorted(pools) == sorted(f"{region}-2026-{scheme(region)}-{i}-{o}" for i in insutypes
                                       for o in ("cross", "local"))
        for label, pool in pools.items():
            if region == ITEM_BUDGETED and label.endswith("-cross"):  # seed 001 (四): Σ F paid per item
                assert pool.budget_source is BudgetSource.ITEM_FUND_PAYMENTS and pool.budget_estimate > 0
            else:
                assert pool.budget_source is BudgetSource.FIXED and pool.budget > 0


def test_the_transition_layout_puts_a_local_and_a_cross_region_case_of_a_hospital_in_different_pools(transition):
    for hospital in transition.hospitals.values():
        for insutype in ("310", "390"):
            local = transition.pool_for(hospital.region, 2026, insutype, cross_region=False)
            cross = transition.pool_for(hospital.region, 2026, insutype, cross_region=True)
            assert (local.origin, cross.origin) == ("local", "cross")
            # apart, but at the same provisional rate
            assert transition.pool(local).provisional_rate == transition.pool(cross).provisional_rate


def test_the_transition_layout_reads_jiangxis_tables_and_rates(jiangxi, transition):
    assert transition.hospitals == jiangxi.hospitals and transition.insured_budgets == jiangxi.insured_budgets
    assert transition.policy == jiangxi.policy, "config-transition/province.toml: rerun demo/config/generate.py"
    for region in REGIONS:
        a, b = jiangxi.region_year(region, 2026), transition.region_year(region, 2026)
        tables = [(t.weight_table or t.dip_catalogue).entries for t in (a, b)]
        assert tables[0] == tables[1] and a.policy == b.policy
        rates = {pool.key.insutype: pool.provisional_rate for pool in a.pools.values()}
        assert {pool.key.insutype: pool.provisional_rate for pool in b.pools.values()} == rates
    # the same files, not copies
    assert Path(transition.region_year("360100", 2026).weight_table.source).resolve() == (
        DEMO / "config" / "weights" / "chs-drg-1.1-demo.csv").resolve()


def test_the_layouts_budget_the_same_cases(jiangxi, transition):
    """Where both budget fixed amounts, a merged pool's budget is its local and cross pools' (± rounding)."""
    for region in REGIONS:
        if region == ITEM_BUDGETED:
            continue
        for merged in jiangxi.pools(region, 2026):
            apart = [p.budget for p in transition.pools(region, 2026) if p.key.insutype == merged.key.insutype]
            assert abs(sum(apart) - merged.budget) <= Decimal("1000.00"), merged.key.label
