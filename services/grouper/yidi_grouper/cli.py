"""`yidi-group`: group a JSONL file of cases with a CHS-DRG scheme.

    yidi-group --scheme DIR --input cases.jsonl --output results.jsonl   (- for stdin/stdout)

Input lines: id, gender (1/2), age, age_days, birth_weight, los, discharge_way,
ventilator_hours, diagnoses (principal first), procedures (main first).
Output lines: id, mdc, adrg, drg, status, reasons. Progress and a summary go to stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from contextlib import ExitStack

from pathlib import Path

from .domain.dip import load_procedure_kinds
from .domain.drg import GroupingInput, group_case
from .domain.scheme import CC_ONLY_SPLITS, INTERVENTIONAL_RULES, SchemeOptions, describe, load_scheme, with_options

PROGRESS_EVERY = 20_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="yidi-group", description="Group cases (JSON lines) with a CHS-DRG scheme.")
    parser.add_argument("--scheme", required=True, help="scheme directory in the CHS-DRG 1.1 layout")
    parser.add_argument("--input", default="-", help="cases, one JSON object per line (- = stdin)")
    parser.add_argument("--output", default="-", help="results, one JSON object per line (- = stdout)")
    parser.add_argument("--cache-dir", default=None, help="compiled scheme cache (default ~/.cache/yidi)")
    parser.add_argument("--explain", action="store_true", help="add the full decision trail to each result")
    parser.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    parser.add_argument("--procedure-categories", default=None,
                        help="icd9cm3-procedure-category.dat deciding operating-room procedures (default: "
                             "../icd/ beside the scheme directory when present)")
    parser.add_argument("--cc-only-split", choices=CC_ONLY_SPLITS, default="5",
                        help="where a CC-only case goes in an ADRG split only into 1 and 5")
    parser.add_argument("--interventional", choices=INTERVENTIONAL_RULES, default="scheme",
                        help="whether 介入治疗 procedures are operating-room procedures")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    log = (lambda *_: None) if args.quiet else (lambda text: print(text, file=sys.stderr, flush=True))
    categories_path = Path(args.procedure_categories) if args.procedure_categories else (
        Path(args.scheme).resolve().parent / "icd" / "icd9cm3-procedure-category.dat")
    categories = load_procedure_kinds(categories_path) if categories_path.is_file() else None
    options = SchemeOptions(cc_only_split=args.cc_only_split, interventional=args.interventional)
    scheme = with_options(load_scheme(args.scheme, cache_dir=args.cache_dir), options, categories)
    log(f"scheme {describe(scheme)} loaded in {time.perf_counter() - started:.2f}s; operating-room procedures: "
        f"{scheme.or_rule if categories else f'from the surgical ADRG lists ({categories_path} absent)'}")

    statuses: Counter[str] = Counter()
    started = time.perf_counter()
    with ExitStack() as stack:
        source = sys.stdin if args.input == "-" else stack.enter_context(open(args.input, encoding="utf-8"))
        sink = sys.stdout if args.output == "-" else stack.enter_context(open(args.output, "w", encoding="utf-8"))
        for number, line in enumerate(source, 1):
            if not line.strip():
                continue
            output = _group_line(line, number, scheme, args.explain)
            statuses[output["status"]] += 1
            sink.write(json.dumps(output, ensure_ascii=False) + "\n")
            if number % PROGRESS_EVERY == 0:
                elapsed = time.perf_counter() - started
                log(f"  {number:,} cases, {number / elapsed:,.0f} cases/s")
    total = sum(statuses.values())
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{status} {count:,}" for status, count in sorted(statuses.items()))
    log(f"{total:,} cases in {elapsed:.2f}s ({total / elapsed if elapsed else 0:,.0f} cases/s): {summary}")
    return 0 if statuses.get("invalid", 0) == 0 else 1


def _group_line(line: str, number: int, scheme, explain: bool) -> dict:
    data = None
    try:
        data = json.loads(line)
        case = GroupingInput.from_dict(data)
    except (ValueError, TypeError, AttributeError) as error:
        case_id = str(data.get("id", "")) if isinstance(data, dict) else ""
        return {"id": case_id, "mdc": "", "adrg": "", "drg": "", "status": "invalid",
                "reasons": [f"line {number}: invalid input: {error}"]}
    result = group_case(case, scheme)
    output = result.as_output()
    if explain:
        output["decisions"] = [{"step": d.step, "code": d.code, "detail": d.detail} for d in result.decisions]
    return output


if __name__ == "__main__":
    raise SystemExit(main())
