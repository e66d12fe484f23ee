"""Grouping-kernel benchmark on one core over cases generated from the scheme.

    uv run python services/grouper/bench/bench_grouper.py [--scheme DIR] [--cases N] [--seed S]

Case generation and input conversion are not timed; only group_case is.
"""
from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from pathlib import Path

from yidi_grouper.domain.casegen import generate_cases
from yidi_grouper.domain.drg import GroupingInput, group_case
from yidi_grouper.domain.scheme import describe, load_scheme

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SCHEME = Path(os.environ.get("YIDI_REFERENCE_DIR", REPO_ROOT.parent / "shared" / "reference")) / "chs-drg-1.1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scheme", default=str(DEFAULT_SCHEME if DEFAULT_SCHEME.is_dir() else REPO_ROOT / "demo" / "scheme"))
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core

    started = time.perf_counter()
    scheme = load_scheme(args.scheme)
    load_seconds = time.perf_counter() - started
    cases = [GroupingInput.from_dict(case) for case in generate_cases(scheme, args.cases, args.seed)]

    rows = []
    statuses: Counter[str] = Counter()
    for round_number in range(1, args.rounds + 1):
        statuses.clear()
        started = time.perf_counter()
        for case in cases:
            statuses[group_case(case, scheme).status] += 1
        seconds = time.perf_counter() - started
        rows.append((round_number, len(cases), seconds, len(cases) / seconds))

    print(f"scheme: {describe(scheme)} (loaded in {load_seconds:.2f}s)")
    print(f"results: {dict(sorted(statuses.items()))}")
    print(f"{'round':>5} {'cases total':>12} {'seconds':>9} {'cases/s':>10}")
    for round_number, total, seconds, rate in rows:
        print(f"{round_number:>5} {total:>12,} {seconds:>9.2f} {rate:>10,.0f}")
    best = max(rate for *_, rate in rows)
    print(f"best: {best:,.0f} cases/s on one core")


if __name__ == "__main__":
    main()
