"""`make soak`: posts settlement lists while killing services, the broker and PostgreSQL at random, then
checks that nothing was lost or applied twice.

It runs a stack of its own (PostgreSQL, Kafka and every service on free ports under .local/soak), never
the one `make up` runs: it crashes its servers. During posting a chaos task waits a random time
(exponential, mean SOAK_CHAOS_SECONDS), then does one of: SIGKILL a random service process (its supervisor
restarts it), SIGKILL the broker and start it again after a few seconds, stop PostgreSQL immediately
(a crash: no checkpoint, no goodbye to clients) and start it again. The HIS side posts as a HIS does:
a list without an answer, or with a 5xx, is posted again. Each region's bureau and the province
subscribe to every event type with a webhook.

It ends with, and exits 1 unless: every list accepted, one ledger entry per list (no claim without, none
with two), a zero trial balance, and every subscriber holding every event of its scope at least once
and none outside it (scope worked out here from the events' regions, not by the subscriptions service).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import asyncpg
import httpx
import orjson
import uvloop
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.engine import make_url

from yidi_common.auth import Role
from yidi_common.events.registry import EVENT_TYPES, topic_for
from yidi_common.regional_config import load_config
from yidi_common.settings import get_settings
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.intake import claim_id_for

from . import tokens
from .client import post_all, wait_for_chain
from .receivers import Receivers
from .workload import generate

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "deploy" / "local"
SERVICES = ("grouper", "pricing", "budget", "audit", "clearing", "subscriptions", "reports", "dashboard")
PROVINCE_SUBSCRIBER = "province"


def _free_port(pair: bool = False) -> int:
    """A free port (and the next one too when pair: Kafka's controller listens on port + 1)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pair:
            return port
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


@dataclass
class Disruption:
    at: float
    what: str
    seconds_down: float


class SoakStack:
    """PostgreSQL, Kafka, the development issuer and every service, private to the soak."""

    def __init__(self, state: Path) -> None:
        self.state = state
        kafka, pg, issuer = _free_port(pair=True), _free_port(), _free_port()
        self.env = {
            **os.environ,
            "YIDI_LOCAL_DIR": str(state), "YIDI_KAFKA_PORT": str(kafka), "YIDI_PG_PORT": str(pg),
            "YIDI_KAFKA_HEAP": os.environ.get("YIDI_KAFKA_HEAP", "768m"),
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka}",
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{pg}/postgres",
            "ISSUER_PORT": str(issuer), "OIDC_ISSUER": f"http://127.0.0.1:{issuer}",
            "DEV_ISSUER_KEY": str(state / "dev-issuer" / "key.pem"),
            "YIDI_NAMESPACE": "", "LOG_FORMAT": "json",
            **{f"{s.upper()}_PORT": str(_free_port()) for s in SERVICES},
        }

    def _run(self, *command: str, timeout: float = 300) -> None:
        subprocess.run(command, env=self.env, check=True, timeout=timeout, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        shutil.rmtree(self.state, ignore_errors=True)
        self.state.mkdir(parents=True)
        self._run(str(LOCAL / "postgres.sh"), "start")
        self._run(str(LOCAL / "kafka.sh"), "start")
        self._run(str(REPO / ".venv/bin/python"), "-m", "yidi_common.kafka_admin")
        self._run(str(LOCAL / "services.sh"), "start", timeout=600)

    def stop(self, keep: bool) -> None:
        for script in ("services.sh", "kafka.sh", "postgres.sh"):
            subprocess.run([str(LOCAL / script), "stop"], env=self.env, timeout=300,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not keep:
            shutil.rmtree(self.state, ignore_errors=True)

    def use_here(self) -> None:
        """This process talks to the soak stack from now on (tokens, service URLs, settings)."""
        os.environ.update({k: v for k, v in self.env.items() if k not in ("YIDI_LOCAL_DIR",)})
        get_settings.cache_clear()
        tokens.reset()

    # --- disruptions ---

    def kill_service(self, name: str) -> None:
        supervisor = (self.state / "run" / f"{name}.pid").read_text().strip()
        children = subprocess.run(["pgrep", "-P", supervisor], capture_output=True, text=True).stdout.split()
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)

    def kill_broker(self, down: float) -> None:
        pid = int((self.state / "kafka" / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.1)
        time.sleep(down)
        self._run(str(LOCAL / "kafka.sh"), "start")

    def crash_postgres(self, down: float) -> None:
        bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        command = [str(bindir / "pg_ctl"), "-D", str(self.state / "postgres" / "data"), "-m", "immediate", "-w", "stop"]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=90)
        time.sleep(down)
        self._run(str(LOCAL / "postgres.sh"), "start")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


DISRUPTIONS = ("service", "broker", "service", "postgres")  # each round, shuffled: every kind comes up


async def chaos(stack: SoakStack, stop: asyncio.Event, mean_seconds: float, rng: random.Random,
                log: list[Disruption]) -> None:
    """One disruption at a time after a random wait: a service (SIGKILL), the broker (SIGKILL, a few
    seconds down, started again) or PostgreSQL (immediate stop, a few seconds down, started again)."""
    start, plan, rounds = time.monotonic(), [], 0
    while not (stop.is_set() and rounds and not plan):  # at least one whole round, even after posting ended
        delay = rng.expovariate(1 / mean_seconds)
        if stop.is_set():
            await asyncio.sleep(delay)
        else:
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                continue
            except asyncio.TimeoutError:
                pass
        if not plan:
            rounds += 1
            plan = rng.sample(DISRUPTIONS, len(DISRUPTIONS))
        kind, down, t0 = plan.pop(), rng.uniform(1.0, 5.0), time.monotonic()
        if kind == "service":
            victim = rng.choice(SERVICES)
            await asyncio.to_thread(stack.kill_service, victim)
            what = f"kill {victim}"
        elif kind == "broker":
            await asyncio.to_thread(stack.kill_broker, down)
            what = "kill broker"
        else:
            await asyncio.to_thread(stack.crash_postgres, down)
            what = "crash postgres"
        log.append(Disruption(round(t0 - start, 1), what, round(time.monotonic() - t0, 1)))
        print(f"  chaos at {t0 - start:6.1f} s: {what} ({time.monotonic() - t0:.1f} s)", flush=True)


# --- subscribers ---

SCOPED_BY_CLAIM = {  # where an event type says which regions its claim concerns
    "settlement-list.submitted": ("data", "settlement_list", "setlinfo"),
    "settlement-list.rejected": ("data",),
    "settlement-list.grouped": ("data", "claim"),
    "payment.priced": ("data", "claim"),
    "audit-flag.raised": ("data",),
    "audit-flag.confirmed": ("data",),
}


def regions_of(event: dict) -> set[str] | None:
    """The regions whose bureaus an event concerns: its claim's treatment and insured regions; None when it
    names no region (then only the province's subscriber should have it)."""
    path = SCOPED_BY_CLAIM.get(event["type"])
    if path is not None:
        node = event
        for key in path:
            node = node.get(key) or {}
        return {r for r in (node.get("treat_admdvs"), node.get("insu_admdvs")) if r}
    data = event.get("data") or {}
    if event["type"] == "budget.alert":
        return {data["region"]}
    if event["type"] == "ledger.posted":
        return {a["account"].split(":")[0] for a in data.get("lines", []) if a["account"][:2].isdigit()}
    region = data.get("region") or data.get("treat_admdvs")
    return {region} if region else None


async def subscribe(receivers: Receivers, regions: list[str]) -> dict[str, str]:
    """Each region's bureau and the province subscribe to every event type; returns subscriber -> subscription id."""
    url = f"http://127.0.0.1:{get_settings().service_port('subscriptions')}/v1/subscriptions"
    out = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for name in [*regions, PROVINCE_SUBSCRIBER]:
            caller = (tokens.headers(Role.PROVINCE) if name == PROVINCE_SUBSCRIBER
                      else tokens.headers(Role.BUREAU, region=name))
            answer = await client.post(url, json={"url": receivers.url(name), "types": list(EVENT_TYPES)},
                                       headers=caller)
            answer.raise_for_status()
            out[name] = answer.json()["id"]
    return out


async def all_events(kafka: str) -> dict[str, dict]:
    """Every event on every event topic, by id (a redelivered duplicate counts once)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    events: dict[str, dict] = {}
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic_for(t), p) for t in EVENT_TYPES
                      for p in consumer.partitions_for_topic(topic_for(t)) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        while not all([await consumer.position(tp) >= end[tp] for tp in partitions]):
            for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                for r in records:
                    event = orjson.loads(r.value)
                    events[event["id"]] = event
    finally:
        await consumer.stop()
    return events


def scope_check(events: dict[str, dict], receivers: Receivers, regions: list[str]) -> dict[str, dict]:
    """Per subscriber: events of its scope it lacks, events outside its scope it got, duplicates."""
    out = {}
    for name in [*regions, PROVINCE_SUBSCRIBER]:
        if name == PROVINCE_SUBSCRIBER:
            expected = set(events)
        else:
            expected = {i for i, e in events.items() if name in (regions_of(e) or ())}
        got = set(receivers.inboxes[name].first_seen)
        out[name] = {"expected": len(expected), "received": len(got), "missing": len(expected - got),
                     "outside_scope": len(got - expected), "duplicates": receivers.inboxes[name].duplicates}
    return out


# --- the ledger ---

async def ledger_check(claims: set[str]) -> dict:
    url = make_url(get_settings().service_database_url("clearing"))
    conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                                 database=url.database)
    try:
        rows = await conn.fetch("SELECT claim_id, count(*) AS n FROM journal_entries "
                                "WHERE claim_id IS NOT NULL AND kind LIKE 'claim.%' AND kind <> 'claim.reversal' "
                                "GROUP BY claim_id")
        debits, credits = await conn.fetchrow("SELECT coalesce(sum(debit), 0), coalesce(sum(credit), 0) FROM journal_lines")
    finally:
        await conn.close()
    entries = {r["claim_id"]: r["n"] for r in rows}
    return {"lists": len(claims), "claims_with_one_entry": sum(1 for c in claims if entries.get(c) == 1),
            "claims_without_entry": sum(1 for c in claims if c not in entries),
            "claims_with_several": sum(1 for c in claims if entries.get(c, 0) > 1),
            "entries_of_unknown_claims": len(entries.keys() - claims),
            "debits": str(debits), "credits": str(credits), "trial_balance_difference": str(debits - credits)}


@dataclass
class SoakResult:
    lists: int
    posting_seconds: float
    drain_seconds: float
    statuses: dict
    disruptions: list[Disruption] = field(default_factory=list)
    ledger: dict = field(default_factory=dict)
    subscribers: dict = field(default_factory=dict)
    drained: bool = False

    @property
    def problems(self) -> list[str]:
        out = []
        if not self.drained:
            out.append("the chain did not drain")
        if self.statuses.get(202, 0) != self.lists:
            out.append(f"accepted {self.statuses.get(202, 0)} of {self.lists} lists: {self.statuses}")
        if self.ledger.get("claims_with_one_entry") != self.lists:
            out.append(f"ledger: {self.ledger}")
        if self.ledger.get("trial_balance_difference") not in ("0", "0.00"):
            out.append(f"trial balance off by {self.ledger.get('trial_balance_difference')}")
        for name, s in self.subscribers.items():
            if s["missing"] or s["outside_scope"]:
                out.append(f"subscriber {name}: {s}")
        return out


async def soak(args) -> SoakResult:
    rng = random.Random(args.seed)
    stack = SoakStack(Path(args.state))
    print(f"soak: starting a private stack under {stack.state}", flush=True)
    stack.start()
    try:
        stack.use_here()
        settings = get_settings()
        config = load_config(settings.yidi_config_dir)
        engine = GroupingEngine.from_settings(settings)
        workload = generate(config, engine.scheme, count=args.lists, seed=args.seed, codes=engine.codes,
                            error_share=0, qc_share=0, duplicate_share=0, correction_share=0, id_prefix="SOAK")
        lists = workload.lists
        claims = {claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]) for sl in lists}
        regions = sorted({ry.region for ry in config.region_years.values()})
        receivers = await Receivers([*regions, PROVINCE_SUBSCRIBER]).start()
        await subscribe(receivers, regions)

        stop, log = asyncio.Event(), []
        chaos_task = asyncio.create_task(chaos(stack, stop, args.chaos_seconds, rng, log))
        t0 = time.monotonic()
        posted = await post_all(lists, concurrency=args.concurrency, desc="soak: posting", retry_for=900,
                                rate=args.rate, progress=not args.quiet)
        posting = time.monotonic() - t0
        stop.set()
        await chaos_task
        t1 = time.monotonic()
        drained, _ = await wait_for_chain(timeout=args.drain_timeout, progress=not args.quiet, stall_polls=120)
        deliveries_settled = await _wait_for_deliveries(receivers, timeout=args.drain_timeout)
        drain = time.monotonic() - t1
        events = await all_events(settings.kafka_bootstrap_servers)
        result = SoakResult(lists=len(lists), posting_seconds=round(posting, 1), drain_seconds=round(drain, 1),
                            statuses={k: v for k, v in posted.statuses.items()}, disruptions=log,
                            ledger=await ledger_check(claims), subscribers=scope_check(events, receivers, regions),
                            drained=drained and deliveries_settled)
        await receivers.stop()
        return result
    finally:
        stack.stop(keep=args.keep)


async def _wait_for_deliveries(receivers: Receivers, timeout: float, quiet_seconds: float = 10) -> bool:
    """Until no subscriber has received anything for quiet_seconds (the subscriptions service has caught up)."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = sum(i.deliveries for i in receivers.inboxes.values())
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_seconds:
            return True
        await asyncio.sleep(1)
    return False


def report(result: SoakResult) -> None:
    kinds = Counter("kill service" if d.what.startswith("kill ") and d.what != "kill broker" else d.what
                    for d in result.disruptions)
    print(f"\nsoak: {result.lists} lists posted in {result.posting_seconds} s "
          f"({result.lists / result.posting_seconds:.0f}/s through the disruptions), drained in {result.drain_seconds} s")
    print("disruptions: " + ", ".join(f"{n} × {k}" for k, n in sorted(kinds.items())))
    print("ledger: " + ", ".join(f"{k} {v}" for k, v in result.ledger.items()))
    header = ["subscriber", "expected", "received", "missing", "outside scope", "duplicates"]
    rows = [[name, s["expected"], s["received"], s["missing"], s["outside_scope"], s["duplicates"]]
            for name, s in result.subscribers.items()]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  " + "  ".join(str(x).rjust(w) for x, w in zip(r, widths)))
    problems = result.problems
    print("\nsoak: " + ("every check holds" if not problems else "FAILED:\n  " + "\n  ".join(problems)))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lists", type=int, default=int(os.environ.get("SOAK_LISTS", 100_000)))
    p.add_argument("--chaos-seconds", type=float, default=float(os.environ.get("SOAK_CHAOS_SECONDS", 20)),
                   help="mean seconds between disruptions")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rate", type=float, default=None, help="lists per second (default: as fast as the intake takes them)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", 7)))
    p.add_argument("--drain-timeout", type=float, default=1800)
    p.add_argument("--state", default=str(REPO / ".local" / "soak"))
    p.add_argument("--keep", action="store_true", help="keep the stack's data directory (logs) afterwards")
    p.add_argument("--json", help="also write the result to this file")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def main() -> None:
    args = parser().parse_args()
    result = uvloop.run(soak(args))
    report(result)
    if args.json:
        Path(args.json).write_text(json.dumps({**asdict(result), "problems": result.problems}, indent=2, default=str))
    sys.exit(1 if result.problems else 0)


if __name__ == "__main__":
    main()
