"""`make soak`: posts settlement lists while killing services, the broker and PostgreSQL at random, then
checks that nothing was lost or applied twice and that every webhook subscriber got its scope.

It runs a stack of its own (PostgreSQL, Kafka, the development issuer and every service on free ports
under .local/soak), never the one `make up` runs: it crashes its servers. While lists are posted a chaos
task waits a random time (exponential, mean --chaos-seconds), then does one of: SIGKILL a random service
process (its supervisor restarts it), SIGKILL the broker and start it again after a few seconds, stop
PostgreSQL immediately (a crash: no checkpoint, no goodbye to clients) and start it again; every kind at
least once. The HIS side posts as a HIS does: a list without an answer, or with a 5xx, is posted again.

Subscribers (webhooks, signatures verified): the bureau of every region the lists involve, the province
and the hospital with the most lists. What each should hold is worked out here, not by the subscriptions
service: every event read back from the Kafka topics, tied to its claim by its payload and each claim to
its regions and hospital by the list that was posted (see `in_scope`).

It ends with a table, and exits 1 unless: every list accepted, one ledger entry per list, a zero trial
balance, and every subscriber holding every event of its scope at least once and none outside it.
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
from .client import post_all, print_dead_letters, service_url, wait_for_chain
from .receivers import Receivers
from .workload import generate

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / "deploy" / "local"
SERVICES = ("grouper", "pricing", "budget", "audit", "clearing", "subscriptions", "reports", "dashboard")
CHAOS_KINDS = ("service", "broker", "postgres")


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
    at: float  # seconds from the first post
    kind: str  # one of CHAOS_KINDS
    what: str
    seconds: float  # until the victim was started again (a service: its supervisor restarts it)


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
            # a delivery whose outcome a crash lost (sent, not recorded) goes again after 15 s, not a minute
            "SUBSCRIPTIONS_LEASE_SECONDS": os.environ.get("SUBSCRIPTIONS_LEASE_SECONDS", "15"),
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
        stopped = subprocess.run(command, capture_output=True, text=True, timeout=90)
        if stopped.returncode:
            raise RuntimeError(f"pg_ctl stop failed: {stopped.stderr.strip()}")
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
        log.append(Disruption(round(t0 - start, 1), kind, what, round(time.monotonic() - t0, 1)))
        print(f"soak {time.monotonic() - start:7.0f} s  chaos: {what} at {t0 - start:.0f} s, back after "
              f"{time.monotonic() - t0:.1f} s", flush=True)


# --- subscribers and their scopes ---

# A hospital receives its own lists' outcomes (docs/security.md, "Subscriptions"); bureaus and the province
# every event type.
HOSPITAL_TYPES = ("settlement-list.rejected", "settlement-list.grouped", "payment.priced",
                  "objection.decided", "special-case.decided")


@dataclass(frozen=True)
class Subscriber:
    name: str
    role: Role
    region: str | None = None
    hospital: str | None = None
    batch_size: int = 1  # above 1: batched deliveries (a JSON array of events a request)

    @property
    def types(self) -> tuple[str, ...]:
        return HOSPITAL_TYPES if self.role == Role.HOSPITAL else tuple(EVENT_TYPES)

    def headers(self) -> dict[str, str]:
        return tokens.headers(self.role, region=self.region, hospital=self.hospital)


def subscribers_for(lists: list[dict], regions: set[str]) -> list[Subscriber]:
    """The bureau of each of the province's regions a list is treated or insured in and the province, taking
    batches (they receive many events a second), and the hospital that posted the most lists, one event a
    request: both delivery modes."""
    involved = {r for sl in lists for r in (sl["setlinfo"]["treat_admdvs"], sl["setlinfo"]["insu_admdvs"])} & regions
    busiest = Counter(sl["setlinfo"]["fixmedins_code"] for sl in lists).most_common(1)[0][0]
    return [*(Subscriber(f"bureau-{r}", Role.BUREAU, region=r, batch_size=50) for r in sorted(involved)),
            Subscriber("province", Role.PROVINCE, batch_size=100),
            Subscriber(f"hospital-{busiest}", Role.HOSPITAL, hospital=busiest)]


def claim_of(event: dict) -> str | None:
    data = event.get("data") or {}
    return data.get("claim_id") or (data.get("claim") or {}).get("claim_id")


def in_scope(subscriber: Subscriber, event: dict, claims: dict[str, dict]) -> bool:
    """Whether the subscriber should get the event, stated from the lists posted (claims: claim id -> the
    list's setlinfo): the province everything; a bureau the events of claims treated or insured in its region
    (an objection's decision: treated there), budget alerts and annual clearings of its region, and ledger
    entries with a line on an account of its region (`<region>:…`, or the province's `province:…:<region>`;
    an entry without lines, a claim with nothing to book, reaches none); a hospital the outcomes of its
    own lists."""
    if subscriber.role == Role.PROVINCE:
        return True
    if event["type"] not in subscriber.types:
        return False
    info = claims.get(claim_of(event) or "")
    if subscriber.role == Role.HOSPITAL:
        return info is not None and info["fixmedins_code"] == subscriber.hospital
    data = event["data"]
    if event["type"] == "ledger.posted":
        return any(subscriber.region in line["account"].split(":") for line in data["lines"])
    if info is not None:
        regions = {info["treat_admdvs"]} if event["type"] == "objection.decided" else \
            {info["treat_admdvs"], info["insu_admdvs"]}
        return subscriber.region in regions
    if event["type"] in ("budget.alert", "clearing.annual-cleared"):
        return data["region"] == subscriber.region
    return False


async def subscribe(receivers: Receivers, subscribers: list[Subscriber]) -> dict[str, str]:
    """Each subscriber subscribes with its own token (its scope comes from it); returns name -> subscription id."""
    out = {}
    async with httpx.AsyncClient(base_url=service_url("subscriptions"), timeout=30) as client:
        for s in subscribers:
            answer = await client.post("/v1/subscriptions", json={"url": receivers.url(s.name), "types": list(s.types),
                                                                  "batch_size": s.batch_size}, headers=s.headers())
            answer.raise_for_status()
            made = answer.json()
            receivers.expect(s.name, made["secret"])
            out[s.name] = made["id"]
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


async def deliveries_settled(subscriptions: dict[str, str], receivers: Receivers, expected: dict[str, set[str]]) -> bool:
    """Every subscriber holds its scope, and the service has nothing more to send: each subscription has
    scanned the whole log (up to the last position the province got) and has no pending or failed delivery."""
    if any(not expected[name] <= inbox.positions.keys() for name, inbox in receivers.inboxes.items()):
        return False
    last = max(receivers.inboxes["province"].positions.values(), default=0)
    async with httpx.AsyncClient(base_url=service_url("subscriptions"), timeout=30,
                                 headers=tokens.headers(Role.PROVINCE)) as client:
        for subscription_id in subscriptions.values():
            if (await client.get(f"/v1/subscriptions/{subscription_id}")).json()["scanned_to"] < last:
                return False
            for status in ("pending", "failed"):
                found = await client.get(f"/v1/subscriptions/{subscription_id}/deliveries",
                                         params={"status": status, "limit": 1})
                if found.json()["items"]:
                    return False
    return True


async def wait_for_deliveries(subscriptions: dict[str, str], receivers: Receivers, expected: dict[str, set[str]],
                              timeout: float, stall_seconds: float = 120) -> bool:
    """Until deliveries_settled; gives up after timeout, or once nothing has arrived for stall_seconds."""
    deadline, last, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - since < stall_seconds:
        if await deliveries_settled(subscriptions, receivers, expected):
            return True
        if (now := sum(i.deliveries for i in receivers.inboxes.values())) != last:
            last, since = now, time.monotonic()
        await asyncio.sleep(2)
    return False


def scope_report(receivers: Receivers, expected: dict[str, set[str]]) -> dict[str, dict]:
    out = {}
    for name, inbox in receivers.inboxes.items():
        got = inbox.positions.keys()
        out[name] = {"expected": len(expected[name]), "received": len(got), "missing": len(expected[name] - got),
                     "outside_scope": len(got - expected[name]), "duplicates": inbox.duplicates,
                     "bad_signatures": inbox.bad_signatures}
    return out


# --- the ledger ---

async def ledger_check(claims: set[str]) -> dict:
    """Claim entries (not reversals) per posted list, and the trial balance of every line in the journal."""
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
    per_list = [entries.get(c, 0) for c in claims]
    return {"entries_per_list_min": min(per_list), "entries_per_list_max": max(per_list),
            "lists_with_one_entry": per_list.count(1), "entries_of_unknown_claims": len(entries.keys() - claims),
            "debits": str(debits), "credits": str(credits), "trial_balance": str(debits - credits)}


# --- the run ---

@dataclass
class SoakResult:
    lists: int
    statuses: dict
    posting_seconds: float
    elapsed_seconds: float = 0.0
    disruptions: list[Disruption] = field(default_factory=list)
    drained: bool = False
    delivered: bool = False
    dead_lettered: int = 0
    ledger: dict = field(default_factory=dict)
    subscribers: dict = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        return self.statuses.get(202, 0)

    @property
    def chaos(self) -> dict[str, int]:
        return {kind: sum(d.kind == kind for d in self.disruptions) for kind in CHAOS_KINDS}

    @property
    def problems(self) -> list[str]:
        out = []
        if missing := [k for k, n in self.chaos.items() if not n]:
            out.append(f"no chaos of kind {', '.join(missing)}")
        if self.accepted != self.lists:
            out.append(f"accepted {self.accepted} of {self.lists} lists: {self.statuses}")
        if not self.drained:
            out.append("the chain did not drain")
        if self.dead_lettered:
            out.append(f"{self.dead_lettered} messages dead-lettered")
        if self.ledger.get("lists_with_one_entry") != self.lists or self.ledger.get("entries_of_unknown_claims"):
            out.append(f"ledger: {self.ledger}")
        if self.ledger.get("trial_balance") not in ("0", "0.00"):
            out.append(f"trial balance off by {self.ledger.get('trial_balance')}")
        if not self.delivered:
            out.append("the subscriptions service did not finish delivering")
        for name, s in self.subscribers.items():
            if s["missing"] or s["outside_scope"] or s["bad_signatures"]:
                out.append(f"subscriber {name}: {s}")
        return out


async def dead_letters() -> int:
    """Messages the services set aside (each service's dead_letters table, which survives its restarts)."""
    async with httpx.AsyncClient(timeout=30, headers=tokens.headers(Role.OPS)) as client:
        found = [(await client.get(f"{service_url(s)}/v1/ops/dead-letters", params={"limit": 1000})).json()["items"]
                 for s in SERVICES]
    return sum(map(len, found))


async def monitor(start: float, every: float, receivers: Receivers, stop: asyncio.Event) -> None:
    """A progress line every `every` seconds: what the grouper holds, what reached the ledger, deliveries."""
    async with httpx.AsyncClient(timeout=5, headers=tokens.headers(Role.PROVINCE)) as client:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=every)
                return
            except asyncio.TimeoutError:
                pass
            try:
                counts = (await client.get(f"{service_url('grouper')}/v1/settlement-lists",
                                           params={"limit": 1})).json()["stage_counts"]
                chain = f"lists held {sum(counts.values())}, posted {counts.get('posted', 0)}"
            except (httpx.HTTPError, ValueError, KeyError):
                chain = "grouper not answering"
            delivered = sum(len(i.positions) for i in receivers.inboxes.values())
            print(f"soak {time.monotonic() - start:7.0f} s  {chain}  events delivered {delivered}", flush=True)


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
        lists = generate(config, engine.scheme, count=args.lists, seed=args.seed, codes=engine.codes,
                         error_share=0, qc_share=0, duplicate_share=0, correction_share=0, id_prefix="SOAK").lists
        claims = {claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]): sl["setlinfo"]
                  for sl in lists}
        subscribers = subscribers_for(lists, {ry.region for ry in config.region_years.values()})
        receivers = await Receivers([s.name for s in subscribers]).start()
        before = await all_events(settings.kafka_bootstrap_servers)  # events before subscribing: nobody's
        subscriptions = await subscribe(receivers, subscribers)

        start, stop, done, log = time.monotonic(), asyncio.Event(), asyncio.Event(), []
        progress = asyncio.create_task(monitor(start, args.progress_seconds, receivers, done))
        chaos_task = asyncio.create_task(chaos(stack, stop, args.chaos_seconds, rng, log))
        posted = await post_all(lists, concurrency=args.concurrency, retry_for=900, rate=args.rate, progress=False)
        result = SoakResult(lists=len(lists), statuses=dict(posted.statuses), posting_seconds=round(posted.elapsed, 1),
                            disruptions=log)
        print(f"soak: posted {len(lists)} lists in {posted.elapsed:.0f} s; finishing the chaos round", flush=True)
        stop.set()
        await chaos_task
        result.drained, _ = await wait_for_chain(timeout=args.drain_timeout, progress=False, stall_polls=120)
        result.dead_lettered = await dead_letters()
        if result.dead_lettered:
            await print_dead_letters()
        events = {i: e for i, e in (await all_events(settings.kafka_bootstrap_servers)).items() if i not in before}
        expected = {s.name: {i for i, e in events.items() if in_scope(s, e, claims)} for s in subscribers}
        result.delivered = await wait_for_deliveries(subscriptions, receivers, expected, args.drain_timeout)
        done.set()
        await progress
        result.elapsed_seconds = round(time.monotonic() - start, 1)
        result.ledger = await ledger_check(set(claims))
        result.subscribers = scope_report(receivers, expected)
        await receivers.stop()
        return result
    finally:
        stack.stop(keep=args.keep)


def report(result: SoakResult) -> None:
    def table(header: list[str], rows: list[list]) -> None:
        widths = [max(len(f"{x:,}" if isinstance(x, int) else str(x)) for x in col) for col in zip(header, *rows)]
        for r in [header, ["-" * w for w in widths], *rows]:
            print("  " + "  ".join((f"{x:,}" if isinstance(x, int) else str(x)).rjust(w) for x, w in zip(r, widths)))

    ledger = result.ledger
    print("\nsoak")
    table(["figure", "value"], [
        ["lists posted", result.lists],
        ["accepted (202)", result.accepted],
        *[[f"chaos: {kind}", n] for kind, n in result.chaos.items()],
        ["ledger entries per list (min/max)", f"{ledger.get('entries_per_list_min')}/{ledger.get('entries_per_list_max')}"],
        ["trial balance (debits - credits)", ledger.get("trial_balance")],
        ["dead-lettered messages", result.dead_lettered],
        ["posting (s)", result.posting_seconds],
        ["elapsed, first post to last delivery (s)", result.elapsed_seconds],
        ["lists/s over the elapsed time", f"{result.lists / max(result.elapsed_seconds, 0.1):.1f}"]])
    print()
    table(["subscriber", "expected", "received", "missing", "outside scope", "duplicates", "bad signatures"],
          [[name, s["expected"], s["received"], s["missing"], s["outside_scope"], s["duplicates"], s["bad_signatures"]]
           for name, s in result.subscribers.items()])
    problems = result.problems
    print("\nsoak: " + ("every check holds" if not problems else "FAILED:\n  " + "\n  ".join(problems)), flush=True)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--lists", type=int, default=int(os.environ.get("SOAK_LISTS", 100_000)))
    p.add_argument("--chaos-seconds", type=float, default=float(os.environ.get("SOAK_CHAOS_SECONDS", 20)),
                   help="mean seconds between disruptions")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rate", type=float, default=None, help="lists per second (default: as fast as the intake takes them)")
    p.add_argument("--seed", type=int, default=int(os.environ.get("SOAK_SEED", 7)))
    p.add_argument("--drain-timeout", type=float, default=1800, help="seconds to wait for the chain, then for deliveries")
    p.add_argument("--progress-seconds", type=float, default=30, help="seconds between progress lines")
    p.add_argument("--state", default=str(REPO / ".local" / "soak"))
    p.add_argument("--keep", action="store_true", help="keep the stack's data directory (logs) afterwards")
    p.add_argument("--json", help="also write the result to this file")
    return p


def main() -> None:
    args = parser().parse_args()
    result = uvloop.run(soak(args))
    report(result)
    if args.json:
        Path(args.json).write_text(json.dumps({**asdict(result), "accepted": result.accepted, "chaos": result.chaos,
                                               "problems": result.problems}, indent=2, default=str))
    sys.exit(1 if result.problems else 0)


if __name__ == "__main__":
    main()
