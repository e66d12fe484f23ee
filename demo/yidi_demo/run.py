"""`make demo`: a settlement year of Jiangxi discharges through the running stack (year.py), then a summary.

Exit 0 only if every region's year closes (every close-check invariant holds), the trial balance is zero
and nothing is stuck.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from decimal import Decimal

import httpx

from yidi_common.auth import Role
from yidi_common.auth.issuer import development_users
from yidi_common.regional_config import load_config
from yidi_common.settings import SERVICE_PORTS, get_settings
from yidi_grouper.adapters.grouping_engine import GroupingEngine

from . import tokens
from .client import print_dead_letters, service_url
from .year import LISTS_PER_MONTH, YearLog, close_checks, settle_year


def _table(title: str, header: list[str], rows: list[list], out=sys.stdout) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    print(f"\n{title}", file=out)
    print("  " + "  ".join(str(h).ljust(w) for h, w in zip(header, widths)), file=out)
    print("  " + "  ".join("-" * w for w in widths), file=out)
    for r in rows:
        print("  " + "  ".join(str(x).rjust(w) if isinstance(x, (int, Decimal)) else str(x).ljust(w)
                               for x, w in zip(r, widths)), file=out)


def _get(service: str, path: str, **params) -> dict:
    return httpx.get(f"{service_url(service)}{path}", params=params, timeout=60,
                     headers=tokens.headers(Role.PROVINCE)).json()


def _annual_pools(annuals: list[dict], year: int) -> None:
    rows = []
    for annual in annuals:
        for p in annual["pools"]:
            rows.append([p["pool"], p["cases"], Decimal(p["distributable"]), p["provisional_rate"],
                         p["final_rate"] or "-", Decimal(p["fund_due_final"]), Decimal(p["overrun_paid"]),
                         Decimal(p["residue"])])
    _table(f"Annual clearing {year} per pool (yuan)", ["pool", "cases", "A_p", "R_p", "R_final", "Σ FundDue final",
                                                       "overrun paid", "residue"], rows)


def summarise(regions: list[str], year: int, log: YearLog) -> bool:
    _table(f"The year {year}, month by month (yuan)", ["run", "lists posted", "of them late", "corrections",
                                                       "paid to hospitals", "cross-region net", "cross-province net"],
           log.months)
    _table("Claims by stage", ["stage", "claims"],
           [[k, v] for k, v in sorted(_get("grouper", "/v1/settlement-lists", limit=1)["stage_counts"].items())])
    flags = _get("audit", "/v1/flags", limit=1)["summary"]
    _table("Audit flags by rule and status", ["rule", "status", "flags", "suspected yuan"],
           [[f["rule_id"], f["status"], f["flags"], Decimal(f["suspected"])] for f in flags])
    _table("特例单议: hospitals' applications and the treatment regions' decisions", ["applied", "referred by pricing", "approved", "rejected"],
           [[log.special_cases[k] for k in ("applied", "referred", "approved", "rejected")]])
    alerts = _get("budget", "/v1/alerts")["alerts"]
    by_level = Counter((a["budget_kind"], a["level"]) for a in alerts)
    _table("Budget alerts (each level once per budget and year)", ["budget", "level", "alerts"],
           [[k, l, n] for (k, l), n in sorted(by_level.items())])
    annuals = [_get("clearing", f"/v1/clearing/annual/{region}/{year}", run=0) for region in regions]
    _annual_pools(annuals, year)
    hospitals = []
    for annual in annuals:
        for h in annual["hospitals"]:
            hospitals.append([h["hospital"], Decimal(h["fund_due_final"]), Decimal(h["per_item"]),
                              Decimal(h["deductions"]), Decimal(h["released"]), Decimal(h["forfeited"]),
                              Decimal(h["prepayment"]), Decimal(h["balance"]), Decimal(h["paid_over_year"])])
    _table(f"Hospitals' {year} (yuan): annual statements", ["hospital", "FundDue final", "per item", "deductions",
                                                            "guarantee released", "forfeited", "prepayment",
                                                            "annual balance", "paid over the year"], hospitals)
    rows, closes = close_checks(regions, year)
    _table(f"Close check {year} (GET /v1/ledger/close-check/<region>/{year})",
           ["region", "invariant", "figure", "holds", "detail"], rows)
    tb = _get("clearing", "/v1/ledger/trial-balance")
    _table("Trial balance", ["debits", "credits", "difference", "entries"],
           [[tb["debits"], tb["credits"], tb["difference"], tb["entries"]]])
    clearing = service_url("clearing")
    print(f"\nstatements: {clearing}/v1/clearing/annual/<region>/{year}?format=xlsx, "
          f"{clearing}/v1/clearing/monthly/<region>/{year}-03?format=csv, {clearing}/v1/clearing/cross-region/{year}-12")
    if not closes:
        print("NOT OK: a close-check invariant fails (above)")
    if Decimal(tb["difference"]) != 0:
        print("NOT OK: the trial balance is not zero")
    return closes and Decimal(tb["difference"]) == 0


def print_dashboard(config, out=sys.stdout) -> None:
    """The dashboard's address and, per role, the development user to pick on the issuer's sign-in page."""
    users = development_users(config)
    print(f"\ndashboard (stays running): {service_url('dashboard')}", file=out)
    print(f"  sign in on the DEVELOPMENT issuer's page ({get_settings().oidc_issuer}/authorize, no password): "
          "pick the user", file=out)
    for role, label in ((Role.BUREAU, "a bureau"), (Role.HOSPITAL, "a hospital"), (Role.PROVINCE, "the province")):
        user = next(u for u in users if u.role is role)
        print(f"  {label:<13} {user.user:<30} {user.label}", file=out)
    print("  (every region's bureau and every hospital is on the page; Keycloak in a deployment)", file=out)


async def main_async(args) -> int:
    settings = get_settings()
    started = time.monotonic()
    config = load_config(settings.yidi_config_dir)
    engine = GroupingEngine.from_settings(settings)
    print(f"settling {args.year}: {LISTS_PER_MONTH} discharges a month from {len(config.hospitals)} hospitals "
          f"in {len(config.region_years)} regions")
    log = YearLog()
    regions = await settle_year(config, engine, args.year, args.seed, log)
    closed = summarise(regions, args.year, log)
    print(f"\nfinished in {time.monotonic() - started:.1f} s; the stack keeps running:")
    for service in SERVICE_PORTS:
        print(f"  {service:<9} {service_url(service)}/docs")
    print_dashboard(config)
    print("  stop it with `make down`; see what runs with `make status`")
    if log.stuck:
        print("NOT OK: claims did not reach the ledger or a rejection (see `make status`, .local/run/*.log and "
              "each service's /v1/ops/dead-letters)")
        await print_dead_letters()
    if log.unanswered:
        print(f"NOT OK: {log.unanswered} posts were never answered by the intake (unreachable or 5xx)")
    return 0 if closed and not log.stuck and not log.unanswered else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--year", type=int, default=2026, help="the settlement year")
    parser.add_argument("--seed", type=int, default=2026, help="month m's lists are drawn with seed + m")
    sys.exit(asyncio.run(main_async(parser.parse_args())))


if __name__ == "__main__":
    main()
