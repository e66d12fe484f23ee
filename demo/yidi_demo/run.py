"""`make demo`: a month of Jiangxi discharges through the running stack, then a summary.

Exit 0 only if the trial balance is zero and nothing is stuck.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from decimal import Decimal

import httpx

from yidi_common.regional_config import load_config
from yidi_common.settings import SERVICE_PORTS, get_settings
from yidi_grouper.adapters.grouping_engine import GroupingEngine

from .client import post_all, print_dead_letters, service_url, wait_for_chain
from .workload import generate


def _table(title: str, header: list[str], rows: list[list], out=sys.stdout) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    print(f"\n{title}", file=out)
    print("  " + "  ".join(str(h).ljust(w) for h, w in zip(header, widths)), file=out)
    print("  " + "  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  " + "  ".join(str(x).rjust(w) if isinstance(x, (int, Decimal)) else str(x).ljust(w)
                               for x, w in zip(r, widths)), file=out)


def _get(service: str, path: str, **params) -> dict:
    return httpx.get(f"{service_url(service)}{path}", params=params, timeout=60).json()


def _clearing_runs(period: str) -> None:
    """Monthly pre-settlement per treatment region, the province's two-level clearing, annual clearing."""
    clearing = service_url("clearing")
    regions = sorted({p["region"] for p in httpx.get(f"{service_url('pricing')}/v1/config", timeout=30).json()["regions"]})
    rows = []
    for region in regions:
        m = httpx.post(f"{clearing}/v1/clearing/monthly/{region}/{period}", timeout=120).json()["totals"]
        rows.append([region, m["cases"], Decimal(m["fund_due"]), Decimal(m["deductions"]), Decimal(m["withheld"]),
                     Decimal(m["paid"])])
    _table(f"Monthly pre-settlement {period} (yuan)", ["region", "cases", "Σ FundDue", "deductions", "withheld q",
                                                       "paid"], rows)
    xr = httpx.post(f"{clearing}/v1/clearing/cross-region/{period}", timeout=120).json()
    _table(f"Two-level cross-region clearing {period} (yuan)", ["region", "remits to province", "paid by province"],
           [[r, next((Decimal(x["net"]) for x in xr["remittances"] if x["region"] == r), Decimal(0)),
             next((Decimal(x["net"]) for x in xr["payments"] if x["region"] == r), Decimal(0))] for r in regions])
    rows = []
    for region in regions:
        a = httpx.post(f"{clearing}/v1/clearing/annual/{region}/{period[:4]}", timeout=300).json()
        for p in a["pools"]:
            rows.append([p["pool"], p["cases"], Decimal(p["distributable"]), p["provisional_rate"],
                         p["final_rate"] or "-", Decimal(p["fund_due_final"]), Decimal(p["residue"])])
    _table(f"Annual clearing {period[:4]} per pool (on this demo's month)", ["pool", "cases", "A_p", "R_p",
                                                                         "R_final", "Σ FundDue final", "residue"], rows)
    print(f"\nstatements: {clearing}/v1/clearing/monthly/<region>/{period}?format=xlsx, "
          f"{clearing}/v1/clearing/cross-region/{period}?format=csv, {clearing}/v1/clearing/annual/<region>/{period[:4]}")


def summarise(results, counts: dict, workload, period: str) -> bool:
    _table("Settlement lists posted", ["answer", "count"],
           [[str(k), v] for k, v in sorted(results.statuses.items(), key=lambda kv: str(kv[0]))])
    reasons = Counter(p["field"] + ": " + p["rule"] for r in results.rejected_422 for p in r["problems"])
    _table("Refused at the door (422), by problem", ["field: rule", "count"], [[k, v] for k, v in reasons.most_common(8)])
    _table("Claims by stage", ["stage", "claims"], [[k, v] for k, v in sorted(counts.items())])
    qc = _get("grouper", "/v1/settlement-lists/rejections")["rules"]
    _table("Rejected by quality control (then corrected by the hospital), by rule",
           ["rule", "example field", "problems", "claims"],
           [[r["rule"], r["example_field"], r["problems"], r["claims"]] for r in qc[:10]])
    flags = _get("audit", "/v1/flags", limit=1)["summary"]
    seeded = Counter(workload.seeded.values())
    _table("Audit flags raised, by rule (seeded: lists the workload seeded to fire the rule once)",
           ["rule", "status", "flags", "seeded", "suspected yuan"],
           [[f["rule_id"], f["status"], f["flags"], seeded.get(f["rule_id"], 0), Decimal(f["suspected"])] for f in flags])
    alerts = _get("budget", "/v1/alerts")["alerts"]
    by_level = Counter((a["budget_kind"], a["level"]) for a in alerts)
    _table("Budget alerts (each level once per budget and year)", ["budget", "level", "alerts"],
           [[k, l, n] for (k, l), n in sorted(by_level.items())])

    accounts = _get("clearing", "/v1/ledger/accounts")["accounts"]
    per_region: dict[str, dict[str, Decimal]] = {}
    for a in accounts:
        book, kind = a["account"].split(":")[:2]
        per_region.setdefault(book, Counter())[kind] += Decimal(a["balance"])  # type: ignore[arg-type]
    rows = []
    for region in sorted(per_region):
        k = per_region[region]
        rows.append([region, k.get("cross-region-medical-expense", Decimal(0)), -k.get("payable-to-province", Decimal(0)),
                     k.get("receivable-from-province", Decimal(0)), -k.get("hospital-payable", Decimal(0)),
                     -k.get("pool-settlement", Decimal(0))])
    _table("Per region (yuan): insured-side cross-region expense and remittance; treatment-side receipts and hospital payables",
           ["book", "x-region expense", "owed to province", "due from province", "owed to hospitals", "pool settlement"], rows)
    _clearing_runs(period)
    tb = _get("clearing", "/v1/ledger/trial-balance")
    _table("Trial balance", ["debits", "credits", "difference", "entries"],
           [[tb["debits"], tb["credits"], tb["difference"], tb["entries"]]])
    return Decimal(tb["difference"]) == 0


async def main_async(args) -> int:
    settings = get_settings()
    started = time.monotonic()
    config = load_config(settings.yidi_config_dir)
    engine = GroupingEngine.from_settings(settings)
    workload = generate(config, engine.scheme, count=args.lists, period=args.period, seed=args.seed,
                        codes=engine.codes)
    print(f"generated {len(workload.lists)} posts ({workload.expected}) for {args.period} "
          f"from {len(config.hospitals)} hospitals in {len(config.region_years)} pools")
    results = await post_all(workload.lists, concurrency=args.concurrency)
    claim_of = {}
    for body in results.accepted:
        claim_of.setdefault(body["claim_id"], body)
    from yidi_grouper.domain.intake import claim_id_for

    fixes = [(claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]), sl) for _, sl in workload.corrections]
    fixed = await post_all([], corrections=fixes, concurrency=args.concurrency, desc="posting corrections")
    results.statuses.update({f"correction {k}": v for k, v in fixed.statuses.items()})
    drained, counts = await wait_for_chain(timeout=args.timeout)
    balanced = summarise(results, counts, workload, args.period)
    print(f"\nfinished in {time.monotonic() - started:.1f} s; the stack keeps running:")
    for service in SERVICE_PORTS:
        print(f"  {service:<9} {service_url(service)}/docs")
    print("  stop it with `make down`; see what runs with `make status`")
    if not drained:
        stuck = sum(counts.values()) - counts.get("posted", 0) - counts.get("rejected", 0)
        print(f"NOT OK: {stuck} claims did not reach the ledger or a rejection (see `make status`, "
              ".local/run/*.log and each service's /v1/ops/dead-letters)")
        await print_dead_letters()
    if not balanced:
        print("NOT OK: the trial balance is not zero")
    unanswered = sum(n for status, n in results.statuses.items() if not _answered(status))
    if unanswered:
        print(f"NOT OK: {unanswered} posts were never answered by the intake (unreachable or 5xx)")
    return 0 if drained and balanced and not unanswered else 1


def _answered(status) -> bool:
    """202, 409 and 422 are answers; "unreachable" and 5xx (also as "correction 5xx") are not."""
    code = str(status).removeprefix("correction ")
    return code.isdigit() and int(code) < 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lists", type=int, default=3000, help="discharges to generate")
    parser.add_argument("--period", default="2026-10", help="settlement month")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the chain")
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
