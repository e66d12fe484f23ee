"""Annual clearing kernel benchmark: 1,000,000 synthetic priced cases of one province-year.

    uv run python services/clearing/bench/bench_clearing.py [cases]

Cases are generated straight into the integer-fen column layout (ClearingCases) with a seeded
RNG over the demo configuration's pools and hospitals; only the clearing is timed.
"""
from __future__ import annotations

import random
import sys
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from yidi_clearing.domain import ClearingCases, annual_clearing
from yidi_common.claims import fund_due_fen
from yidi_common.regional_config import ProvinceConfig, load_config

DEMO_CONFIG = Path(__file__).resolve().parents[3] / "demo" / "config"
SEED = 20260101
ITEM_SHARE = 0.08  # share of per-item / bed-day cases
UNIT_STEPS = [Decimal(n).scaleb(-4) for n in range(1, 100_001)]  # w × C_h from 0.0001 to 10


def synthetic_cases(config: ProvinceConfig, count: int) -> ClearingCases:
    rng = random.Random(SEED)
    hospitals_by_region: dict[str, list[str]] = {}
    for h in config.hospitals.values():
        hospitals_by_region.setdefault(h.region, []).append(h.code)
    pools = [
        (pool.key, pool.provisional_rate, hospitals_by_region[ry.region])
        for ry in config.region_years.values()
        for pool in ry.pools.values()
    ]
    cases = ClearingCases()
    for _ in range(count):
        key, rate, hospitals = pools[rng.randrange(len(pools))]
        hospital = hospitals[rng.randrange(len(hospitals))]
        total = rng.randrange(1_000_00, 60_000_00)
        fund = total * rng.randrange(40, 90) // 100
        if rng.random() < ITEM_SHARE:
            cases.add(key, hospital, total, fund, total, fund, None)
            continue
        exact = UNIT_STEPS[rng.randrange(2_000, 40_000)] * rate
        payment = int(exact.scaleb(2).to_integral_value(ROUND_HALF_UP))
        cases.add(key, hospital, total, fund, payment, fund_due_fen(total, fund, payment), exact)
    return cases


def with_year_budgets(config: ProvinceConfig, cases: ClearingCases) -> ProvinceConfig:
    """Demo budgets cover a month: size each fixed budget to the synthetic year (Σ FundDue × 1.05)."""
    due = [0] * len(cases.pools)
    for p, d in zip(cases.pool_index, cases.fund_due_fen):
        due[p] += d
    regions = dict(config.region_years)
    for key, fen in zip(cases.pools, due):
        ry = regions[f"{key.region}-{key.year}"]
        pool = ry.pools[key.label]
        if pool.budget is not None:
            budget = (Decimal(fen) * Decimal("1.05")).scaleb(-2).quantize(Decimal("0.01"))
            pools = {**ry.pools, key.label: pool.model_copy(update={"budget": budget})}
            regions[f"{key.region}-{key.year}"] = ry.model_copy(update={"pools": pools})
    return config.model_copy(update={"region_years": regions})


def main(count: int) -> None:
    config = load_config(DEMO_CONFIG)
    started = time.perf_counter()
    cases = synthetic_cases(config, count)
    config = with_year_budgets(config, cases)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    result = annual_clearing(cases, config)
    seconds = time.perf_counter() - started
    print(f"generated {len(cases):,} cases in {generated:.1f} s (not timed below)")
    print(f"{'cases':>10} {'pools':>6} {'hospitals':>10} {'seconds':>8} {'cases/s':>10}")
    print(f"{len(cases):>10,} {len(result.pools):>6} {len(result.hospitals):>10} {seconds:>8.2f} {len(cases) / seconds:>10,.0f}")
    print(f"Σ A_p {sum(p.distributable for p in result.pools):,}  Σ FundDue final {sum(p.fund_due_final for p in result.pools):,}"
          f"  Σ residue {sum(p.residue for p in result.pools):,}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
