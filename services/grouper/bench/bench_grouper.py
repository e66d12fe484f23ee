"""Grouper benchmarks: the grouping kernel on one core, and the grouper service through Kafka.

    uv run python services/grouper/bench/bench_grouper.py [--scheme DIR] [--cases N] [--seed S] [--rounds R]
        [--no-kernel] [--no-kafka] [--kafka-cases M] [--workers 1,2] [--partitions 12] [--warmup 0.05]

Kernel part: cases generated from the scheme, converted to GroupingInput; only group_case is timed,
pinned to one core.

Kafka part (needs Kafka and PostgreSQL: KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL, default the local
servers of `make infra`): M settlement lists are generated once (demo workload generator, clean
lists only) and serialised once as settlement-list.submitted envelopes. For each worker count N,
in a fresh namespace (YIDI_NAMESPACE, so topics, databases and consumer group never meet a running
demo): the topics are created, all M events are loaded into the submitted topic, the database is
migrated, then N `yidi-grouper` processes are started in one consumer group. The run ends when M
grouped/rejected events are on the output topics; the workers are stopped, the namespace's
database dropped and its topics deleted.

Timing excludes process start-up: it uses the Kafka timestamps (set by the workers' outbox relay
when it publishes) of the output events, from the moment the W-th output was published (W = the
warm-up share of M, default 5 %: start-up, group join and the first batches) to the moment the
M-th was, and counts the cases published in that window. If the consumer group became stable with
all N workers only later (a worker that joined late, or one restarted), the window starts then
instead. The first-output-to-last figure is printed too. A worker process that exits is restarted,
as a supervisor would, and reported.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from yidi_demo.casegen import generate_cases
from yidi_grouper.domain.drg import GroupingInput, group_case
from yidi_grouper.domain.scheme import describe, load_scheme

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SCHEME = Path(os.environ.get("YIDI_REFERENCE_DIR", REPO_ROOT.parent / "shared" / "reference")) / "chs-drg-1.1"
GROUPER_BIN = REPO_ROOT / ".venv" / "bin" / "yidi-grouper"


# ---------------------------------------------------------------- kernel: group_case on one core

def kernel_part(args) -> None:
    main_affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if main_affinity:
        os.sched_setaffinity(0, {min(main_affinity)})  # one core

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

    print("== grouping kernel (group_case, one core) ==")
    print(f"scheme: {describe(scheme)} (loaded in {load_seconds:.2f}s)")
    print(f"results: {dict(sorted(statuses.items()))}")
    print(f"{'round':>5} {'cases total':>12} {'seconds':>9} {'cases/s':>10}")
    for round_number, total, seconds, rate in rows:
        print(f"{round_number:>5} {total:>12,} {seconds:>9.2f} {rate:>10,.0f}")
    best = max(rate for *_, rate in rows)
    print(f"best: {best:,.0f} cases/s on one core\n", flush=True)
    if main_affinity:
        os.sched_setaffinity(0, main_affinity)  # the Kafka part's helpers may use every core


# ---------------------------------------------------------------- Kafka: the service, N workers

def _answers(hostport: str) -> bool:
    host, port = hostport.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _submitted_events(count: int, seed: int) -> list[tuple[bytes, bytes]]:
    """(key, value) of `count` settlement-list.submitted events, as the intake would emit them."""
    from yidi_common.events import deterministic_event_id, new_event
    from yidi_common.events.registry import SETTLEMENT_LIST_SUBMITTED
    from yidi_common.events.v2 import DeidentifiedSettlementList, SettlementListSubmitted, without_personal_data
    from yidi_common.regional_config import load_config
    from yidi_common.settings import get_settings
    from yidi_common.settlement_list import SettlementList
    from yidi_demo.workload import generate
    from yidi_grouper.adapters.grouping_engine import GroupingEngine
    from yidi_grouper.domain.intake import claim_id_for

    settings = get_settings()
    engine = GroupingEngine.from_settings(settings)
    # a little more than asked: the generator now and then gives two lists one (hospital, setl_id),
    # which the grouper rightly treats as one claim; keep the first of each
    workload = generate(load_config(settings.yidi_config_dir), engine.scheme, count=count + count // 100 + 10,
                        seed=seed, codes=engine.codes, error_share=0, qc_share=0, duplicate_share=0,
                        correction_share=0, id_prefix="BG")
    now = datetime.now(timezone.utc)
    out, seen = [], set()
    for raw in workload.lists:
        if len(out) == count:
            break
        sl = SettlementList.model_validate(raw)
        claim_id = claim_id_for(sl.setlinfo.fixmedins_code, sl.setlinfo.setl_id)
        if claim_id in seen:
            continue
        seen.add(claim_id)
        event = new_event(
            type=SETTLEMENT_LIST_SUBMITTED, source="/yidi/grouper/intake", subject=claim_id, correlationid=claim_id,
            event_id=deterministic_event_id(claim_id, "1", SETTLEMENT_LIST_SUBMITTED), schemaversion=2,
            payload=SettlementListSubmitted(claim_id=claim_id, version=1, supersedes_version=None, submitted_at=now,
                                            settlement_list=DeidentifiedSettlementList.model_validate(
                                                without_personal_data(sl.model_dump(mode="json")))),
        )
        out.append((claim_id.encode(), event.to_bytes()))
    return out


async def _preload(bootstrap: str, topic: str, events: list[tuple[bytes, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    logging.getLogger("aiokafka").setLevel(logging.ERROR)  # fresh topics: 'not leader' retries until elected
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_batch_size=1 << 20)
    await producer.start()
    try:
        futures = [await producer.send(topic, value=value, key=key) for key, value in events]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


class Worker:
    """One `yidi-grouper` process of the benchmark's namespace."""

    def __init__(self, index: int, env: dict[str, str], log_dir: Path):
        self.index = index
        self.port = _free_port()
        self.env = {**env, "GROUPER_PORT": str(self.port)}
        self.log_path = log_dir / f"grouper-{index}.log"
        self.proc: subprocess.Popen | None = None
        self.healthy_at: float | None = None
        self.crashes: list[str] = []

    def start(self) -> None:
        self.proc = subprocess.Popen([str(GROUPER_BIN)], env=self.env, stdout=open(self.log_path, "ab"),
                                     stderr=subprocess.STDOUT)

    def supervise(self) -> None:
        """Restarts the process if it exited, as its supervisor would (its committed work is safe)."""
        if self.proc is not None and self.proc.poll() is not None:
            self.crashes.append(f"exit {self.proc.returncode}: {self.tail(1)[:300]}")
            if len(self.crashes) > 5:
                raise RuntimeError(f"grouper worker {self.index} keeps exiting:\n{self.tail()}")
            self.start()

    def check(self) -> bool:
        import httpx

        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"grouper worker {self.index} exited ({self.proc and self.proc.returncode}):\n{self.tail()}")
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


async def _watch_outputs(bootstrap: str, topics: list[str], dead_letter: str, expected: int, workers: list[Worker],
                         timeout: float, group: str) -> tuple[dict[str, int], Counter, int, int | None]:
    """Waits until `expected` events are on the output topics (polling end offsets, cheap), then reads them
    all once: returns {key: first publish timestamp in ms}, counts by topic, dead-lettered count, and since
    when (epoch ms, sampled) the consumer group was last seen stable with every worker a member."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    stable_since: int | None = None
    try:
        await consumer._client.force_metadata_update()
        parts = {t: [TopicPartition(t, p) for p in sorted(consumer.partitions_for_topic(t) or ())]
                 for t in [*topics, dead_letter]}
        outputs = [tp for t in topics for tp in parts[t]]
        deadline = time.monotonic() + timeout
        last_progress, last_done = time.monotonic(), -1
        while True:
            ends = await consumer.end_offsets(outputs + parts[dead_letter])
            done = sum(ends[tp] for tp in outputs)
            dead = sum(ends[tp] for tp in parts[dead_letter])
            if done + dead >= expected:
                break
            now = time.monotonic()
            if done != last_done:
                last_progress, last_done = now, done
            if now > deadline or now - last_progress > 60:
                raise TimeoutError(f"only {done} of {expected} outputs ({dead} dead-lettered) after "
                                   f"{now - deadline + timeout:.0f} s, none new for {now - last_progress:.0f} s")
            for w in workers:
                w.supervise()
            described = (await admin.describe_consumer_groups([group]))[0].to_object()["groups"][0]
            if described["state"] == "Stable" and len(described["members"]) == len(workers):
                stable_since = stable_since or int(time.time() * 1000)
            else:
                stable_since = None
            await asyncio.sleep(0.25)
        consumer.assign(outputs)
        await consumer.seek_to_beginning(*outputs)
        first: dict[str, int] = {}
        by_topic: Counter = Counter()
        read = 0
        while read < done:
            batch = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for records in batch.values():
                for r in records:
                    read += 1
                    by_topic[r.topic.rsplit(".", 2)[-1]] += 1
                    key = r.key.decode()
                    if key not in first or r.timestamp < first[key]:
                        first[key] = r.timestamp
        return first, by_topic, dead, stable_since
    finally:
        await admin.close()
        await consumer.stop()


async def _wait_stable(bootstrap: str, group: str, workers: list[Worker], timeout: float = 60) -> None:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for w in workers:
                w.supervise()
            described = (await admin.describe_consumer_groups([group]))[0].to_object()["groups"][0]
            if described["state"] == "Stable" and len(described["members"]) == len(workers):
                return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"consumer group {group} not stable with {len(workers)} members in {timeout:.0f} s")
    finally:
        await admin.close()


async def _drop_namespace(bootstrap: str, database_url: str, namespace: str) -> None:
    import asyncpg
    from aiokafka.admin import AIOKafkaAdminClient
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                                 database="postgres")
    try:
        for row in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"yidi\\_{namespace}\\_%"):
            await conn.execute(f'DROP DATABASE "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(f"{namespace}.")]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()


def _run_workers(n: int, events: list[tuple[bytes, bytes]], args, bootstrap: str, database_url: str,
                 log_dir: Path) -> dict:
    from yidi_common.db import migrate
    from yidi_common.events import dead_letter_topic, topic_for
    from yidi_common.events.registry import SETTLEMENT_LIST_GROUPED, SETTLEMENT_LIST_REJECTED, SETTLEMENT_LIST_SUBMITTED
    from yidi_common.kafka_admin import ensure_topics
    from yidi_grouper.main import MIGRATIONS

    ns = f"bench{n}w{uuid.uuid4().hex[:6]}"
    previous_ns = os.environ.get("YIDI_NAMESPACE")
    os.environ["YIDI_NAMESPACE"] = ns  # topic_for, ensure_topics and migrate read it
    workers: list[Worker] = []
    try:
        asyncio.run(ensure_topics(bootstrap, args.partitions))
        submitted = topic_for(SETTLEMENT_LIST_SUBMITTED)
        preload_s = 0.0
        if not args.load_after_join:
            t = time.monotonic()
            asyncio.run(_preload(bootstrap, submitted, events))
            preload_s = time.monotonic() - t
        migrate("grouper", MIGRATIONS)  # once, here, so N workers do not race to create the database
        env = {
            **os.environ,
            "YIDI_NAMESPACE": ns,
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "DATABASE_URL": database_url,
            # the default group id is the service name whatever the namespace: name it so that the
            # benchmark's workers form their own group instead of joining a running demo's
            "CONSUMER_GROUP": f"{ns}.grouper",
            "LOG_FORMAT": "json",
        }
        workers = [Worker(i, env, log_dir) for i in range(1, n + 1)]
        started = time.monotonic()
        for w in workers:
            w.start()
        deadline = started + 180
        while not all(w.healthy_at for w in workers):
            if time.monotonic() > deadline:
                raise TimeoutError("grouper workers not healthy in 180 s:\n" + "\n".join(w.tail() for w in workers))
            for w in workers:
                w.supervise()
                if not w.healthy_at and w.check():
                    w.healthy_at = time.monotonic()
            time.sleep(0.1)
        startup_s = max(w.healthy_at for w in workers) - started
        if args.load_after_join:
            asyncio.run(_wait_stable(bootstrap, env["CONSUMER_GROUP"], workers))
            t = time.monotonic()
            asyncio.run(_preload(bootstrap, submitted, events))
            preload_s = time.monotonic() - t
        first, by_topic, dead, stable_since = asyncio.run(_watch_outputs(
            bootstrap, [topic_for(SETTLEMENT_LIST_GROUPED), topic_for(SETTLEMENT_LIST_REJECTED)],
            dead_letter_topic("grouper"), len(events), workers, args.timeout, env["CONSUMER_GROUP"]))
    finally:
        for w in workers:
            w.stop()
        try:
            asyncio.run(_drop_namespace(bootstrap, database_url, ns))
        except Exception as exc:  # noqa: BLE001 - a failed clean-up must not hide the result
            print(f"warning: could not drop namespace {ns}: {exc!r}", file=sys.stderr)
        if previous_ns is None:
            os.environ.pop("YIDI_NAMESPACE", None)
        else:
            os.environ["YIDI_NAMESPACE"] = previous_ns

    stamps = sorted(first.values())
    m = len(stamps)
    if m < len(events):
        raise RuntimeError(f"{n} workers: {m} distinct claims out of {len(events)} ({dead} dead-lettered)")
    warm = max(1, int(m * args.warmup))
    start = stamps[warm - 1]
    if stable_since is not None and stable_since > start:  # a late join or a restart: time from the stable group
        start = stable_since
    timed = sum(1 for ts in stamps if ts > start)
    seconds = (stamps[-1] - start) / 1000
    return {
        "workers": n, "cases": timed, "seconds": seconds, "rate": timed / seconds,
        "crashes": [c for w in workers for c in w.crashes], "stable_late": start == stable_since,
        "all_seconds": (stamps[-1] - stamps[0]) / 1000, "startup": startup_s, "preload": preload_s,
        "by_topic": dict(by_topic), "dead": dead, "total": m,
    }


def kafka_part(args) -> None:
    from yidi_common.settings import get_settings

    settings = get_settings()
    bootstrap, database_url = settings.kafka_bootstrap_servers, settings.database_url
    pg = database_url.split("@")[-1].split("/")[0]
    if not (_answers(bootstrap.split(",")[0]) and _answers(pg)):
        raise SystemExit(f"Kafka part: Kafka ({bootstrap}) or PostgreSQL ({pg}) does not answer; "
                         f"run `make infra` or set KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL (or pass --no-kafka)")
    counts = [int(x) for x in args.workers.split(",")]

    print(f"== grouper service through Kafka ({args.partitions} partitions, one consumer group) ==", flush=True)
    t = time.monotonic()
    events = _submitted_events(args.kafka_cases, args.seed)
    size = sum(len(v) for _, v in events) / len(events)
    print(f"generated {len(events):,} settlement lists and their submitted events once "
          f"({size:,.0f} bytes each, {time.monotonic() - t:.1f} s)", flush=True)

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-grouper-") as tmp:
        for n in counts:
            row = _run_workers(n, events, args, bootstrap, database_url, Path(tmp))
            rows.append(row)
            print(f"  {n} worker(s): pre-loaded in {row['preload']:.1f} s, healthy {row['startup']:.1f} s after start, "
                  f"outputs {row['by_topic']}, dead-lettered {row['dead']}, "
                  f"first→last output {row['all_seconds']:.1f} s ({row['total'] / row['all_seconds']:,.0f} cases/s)"
                  + (", timed from when the group became stable" if row["stable_late"] else ""), flush=True)
            for crash in row["crashes"]:
                print(f"    a worker exited and was restarted: {crash}", flush=True)

    base = rows[0]["rate"]
    print(f"\nmachine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
          f"{len(events):,} cases loaded {'once the group was stable' if args.load_after_join else 'before the workers started'}, "
          f"timed after the first {args.warmup:.0%} of outputs")
    print(f"{'workers':>7} {'cases':>8} {'seconds':>8} {'cases/s':>9} {'speed-up':>9}")
    for r in rows:
        print(f"{r['workers']:>7} {r['cases']:>8,} {r['seconds']:>8.2f} {r['rate']:>9,.0f} {r['rate'] / base:>8.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scheme", default=str(DEFAULT_SCHEME if DEFAULT_SCHEME.is_dir() else REPO_ROOT / "demo" / "scheme"))
    parser.add_argument("--cases", type=int, default=200_000, help="kernel: cases per round")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="kernel: rounds")
    parser.add_argument("--kernel", action=argparse.BooleanOptionalAction, default=True, help="run the kernel part")
    parser.add_argument("--kafka", action=argparse.BooleanOptionalAction, default=True,
                        help="run the Kafka part (needs Kafka and PostgreSQL)")
    parser.add_argument("--kafka-cases", type=int, default=20_000, help="Kafka: settlement lists per run")
    parser.add_argument("--workers", default="1,2", help="Kafka: worker counts to run, comma-separated")
    parser.add_argument("--partitions", type=int, default=12, help="Kafka: partitions per topic")
    parser.add_argument("--warmup", type=float, default=0.05, help="Kafka: share of outputs before timing starts")
    parser.add_argument("--load-after-join", action="store_true",
                        help="Kafka: load the events once the workers' group is stable, not before starting them")
    parser.add_argument("--timeout", type=float, default=300, help="Kafka: seconds to wait for one run's outputs")
    args = parser.parse_args()
    if args.kernel:
        kernel_part(args)
    if args.kafka:
        kafka_part(args)


if __name__ == "__main__":
    main()
