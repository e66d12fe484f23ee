"""`yidi-dip`: build a region's DIP catalogue (核心病种 + 综合病种 with their scores) from its history.

    yidi-dip build-catalogue --history cases.jsonl --region 360500 [--year 2025] \
        [--core-threshold 15] [--category-threshold 1] [--base-type J18.9:保守] \
        [--day-surgery-procedures 13.4100,53.0200] [--day-surgery-max-los 1] [--day-surgery-threshold N] \
        [--procedure-kinds icd9cm3-procedure-category.dat] --out catalogue.csv|catalogue.json

History lines: settlement lists or short records (domain/dip_history.py). The CSV is the region
configuration's catalogue layout (regions/<region>-<year>.toml `dip_catalogue`); the JSON keeps the
reference mean and the procedure kinds too. Every bad line is named and nothing is written (exit 2).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from yidi_common.settings import get_settings

from .adapters.grouping_engine import PROCEDURE_CATEGORIES
from .domain.dip import load_procedure_kinds
from .domain.dip_history import CatalogueOptions, build_from_history, read_history


def _lines(path: str):
    source = sys.stdin if path == "-" else open(path, encoding="utf-8-sig")
    with source:
        for line in source:
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as e:
                    yield e


def build_catalogue_command(args: argparse.Namespace) -> int:
    kinds_path = Path(args.procedure_kinds) if args.procedure_kinds else get_settings().yidi_reference_dir / PROCEDURE_CATEGORIES
    if not kinds_path.is_file():
        print(f"procedure kinds file {kinds_path} not found (--procedure-kinds)", file=sys.stderr)
        return 2
    try:
        options = CatalogueOptions(
            core_threshold=args.core_threshold, category_threshold=args.category_threshold, base_type=args.base_type,
            day_surgery_procedures=tuple(p for p in (args.day_surgery_procedures or "").split(",") if p),
            day_surgery_max_los=args.day_surgery_max_los, day_surgery_threshold=args.day_surgery_threshold)
    except ValidationError as e:
        for error in e.errors():
            print(f"--{'-'.join(str(part) for part in error['loc']).replace('_', '-')}: {error['msg']}", file=sys.stderr)
        return 2
    history = read_history(_lines(args.history), region=args.region, year=args.year, prefix="line")
    if history.problems:
        for problem in history.problems:  # "line[0]" is the first non-empty line
            print(f"{problem['field']}: {problem['message']}", file=sys.stderr)
        print(f"{len(history.problems)} problem(s); nothing written", file=sys.stderr)
        return 2
    if not history.cases:
        print(f"no case of region {args.region}" + (f" year {args.year}" if args.year else ""), file=sys.stderr)
        return 2
    version = f"{args.region}-{args.year}" if args.year else args.region
    try:
        catalogue = build_from_history(history.pairs(), load_procedure_kinds(kinds_path), options, version)
    except ValueError as e:
        print(str(e), file=sys.stderr)
        return 2
    out = Path(args.out)
    catalogue.save(out) if out.suffix.lower() == ".json" else catalogue.save_csv(out)
    kinds = {}
    for t in catalogue.types.values():
        kinds[t.kind] = kinds.get(t.kind, 0) + 1
    print(f"{len(history.cases)} cases ({history.skipped} of other regions/years skipped) -> {len(catalogue.types)} "
          f"types ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); reference mean "
          f"{catalogue.reference_mean} ({catalogue.reference}); written to {out}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yidi-dip", description="DIP catalogue tools (seed 003 三(一)/(二)).")
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build-catalogue", help="build core and comprehensive types with scores from history")
    build.add_argument("--history", required=True, help="cases, one JSON object per line (- = stdin)")
    build.add_argument("--region", required=True, help="treatment region code; cases of other regions are skipped")
    build.add_argument("--year", type=int, default=None, help="only cases of this year")
    defaults = CatalogueOptions()
    build.add_argument("--core-threshold", type=int, default=defaults.core_threshold,
                       help="cases a diagnosis + procedures combination needs to be a core type (default 15)")
    build.add_argument("--category-threshold", type=int, default=defaults.category_threshold,
                       help="cases a comprehensive category type needs, else its chapter (default 1)")
    build.add_argument("--base-type", default=None, help="reference type 基准病种 scoring 1000 (default: all cases)")
    build.add_argument("--day-surgery-procedures", default="", help="comma-separated procedures of 日间手术 types")
    build.add_argument("--day-surgery-max-los", type=int, default=defaults.day_surgery_max_los)
    build.add_argument("--day-surgery-threshold", type=int, default=None, help="default: the core threshold")
    build.add_argument("--procedure-kinds", default=None,
                       help="icd9cm3-procedure-category.dat (default under YIDI_REFERENCE_DIR)")
    build.add_argument("--out", required=True, help="catalogue.csv (region configuration layout) or catalogue.json")
    args = parser.parse_args(argv)
    if any(v is not None and v < 1 for v in (args.core_threshold, args.category_threshold, args.day_surgery_threshold)):
        parser.error("thresholds are at least 1")
    return build_catalogue_command(args)


if __name__ == "__main__":
    raise SystemExit(main())
