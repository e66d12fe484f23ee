"""`make bench`: end-to-end throughput (lists/s from POST to ledger) and latency percentiles.

A warm-up of BENCH_WARMUP lists (3,000) runs through the chain first, unmeasured: a freshly started
broker's first lists cost it about three times what they cost once its JIT has settled (tens of
thousands of lists later), as a stack that has run for a day has long done. Phase 1 posts
BENCH_LISTS lists as fast as the intake takes them and times until the last one is posted to the
ledger; the share of CPU time the host took away (steal) is printed beside it. Then, for each rate
of BENCH_RATES, BENCH_LATENCY_LISTS lists are posted on a fixed schedule and p50/p95/p99 are
measured from each list's scheduled time to its ledger.posted event, so a stack that falls behind
the schedule shows it in the percentiles (no coordinated omission); the achieved posting rate is
printed beside the target.

Subscribers ride along (issue 15 item 6): each region's bureau and the province subscribe a webhook to every
event type of their scope (one receiver process, a path each: yidi_demo.receivers); after each run the bench
waits for the deliveries to settle and prints, beside the chain's table, how many events reached the
subscribers and how long after each event's time (its CloudEvents `time`) the first delivery arrived.
BENCH_SUBSCRIBERS=0 runs the chain alone.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
import uuid

import httpx
import orjson
import uvloop
from aiokafka import AIOKafkaConsumer, TopicPartition

from yidi_common.auth import Role
from yidi_common.events.registry import LEDGER_POSTED, topic_for
from yidi_common.regional_config import load_config
from yidi_common.settings import get_settings
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.intake import claim_id_for

from . import tokens
from .client import post_all, service_url
from .receivers import Receivers
from .soak import Subscriber, subscribe
from .workload import generate

DELIVERY_TARGET_SECONDS = 2.0  # issue 15 item 6: every delivery within 2 s of its event at 100 lists/s


class LedgerWatch:
    """Records when each claim's ledger entry is published."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        # assigned, not subscribed: no group, so no rebalance can ever move the position past unseen entries
        self._consumer = AIOKafkaConsumer(bootstrap_servers=get_settings().kafka_bootstrap_servers,
                                          enable_auto_commit=False)

    async def start(self) -> None:
        await self._consumer.start()
        topic = topic_for(LEDGER_POSTED)
        await self._consumer._client.force_metadata_update()  # an unsubscribed consumer holds no topic metadata
        partitions = [TopicPartition(topic, p) for p in self._consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            raise SystemExit(f"topic {topic} not found: run `make up` first")
        self._consumer.assign(partitions)
        for tp, end in (await self._consumer.end_offsets(partitions)).items():
            self._consumer.seek(tp, end)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for record in self._consumer:
            self.seen.setdefault(orjson.loads(record.value)["subject"], time.monotonic())

    async def wait_for(self, claims: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if claims <= self.seen.keys():
                return True
            await asyncio.sleep(0.05)
        return False

    async def stop(self) -> None:
        self._task.cancel()
        await self._consumer.stop()


class Subscribers:
    """A webhook per region's bureau and one for the province, each for every event type of its scope."""

    def __init__(self, regions: list[str], batch_size: int) -> None:
        self.batch_size = batch_size
        self.subscribers = [*(Subscriber(f"bureau-{r}", Role.BUREAU, region=r, batch_size=batch_size) for r in regions),
                            Subscriber("province", Role.PROVINCE, batch_size=batch_size)]
        self.receivers = Receivers([s.name for s in self.subscribers])
        self.ids: dict[str, str] = {}

    async def start(self) -> None:
        await self.receivers.start()
        self.ids = await subscribe(self.receivers, self.subscribers)

    def mark(self) -> dict[str, int]:
        return {name: len(inbox.delays) for name, inbox in self.receivers.inboxes.items()}

    async def settle(self, timeout: float = 600) -> bool:
        """Until the deliveries have caught up: the subscriptions service has read every event (no consumer
        lag) and each subscription has scanned the log to its end, with nothing pending; False on timeout."""
        ops = tokens.headers(Role.OPS)
        deadline, scanned = time.monotonic() + timeout, None
        async with httpx.AsyncClient(base_url=service_url("subscriptions"), timeout=30) as client:
            while time.monotonic() < deadline:
                lag = (await client.get("/v1/ops/progress", headers=ops)).json()["consumer_lag"]
                now, pending = {}, 0
                for name, subscription_id in self.ids.items():
                    now[name] = (await client.get(f"/v1/subscriptions/{subscription_id}", headers=ops)).json()["scanned_to"]
                    pending += len((await client.get(f"/v1/subscriptions/{subscription_id}/deliveries", headers=ops,
                                                     params={"status": "pending", "limit": 1})).json()["items"])
                if lag == 0 and pending == 0 and now == scanned:
                    return True
                scanned = now if lag == 0 and pending == 0 else None
                await asyncio.sleep(0.5)
        return False

    def row(self, run: str, mark: dict[str, int], settled: bool) -> list:
        delays = [d for name, inbox in self.receivers.inboxes.items() for d in inbox.delays[mark[name]:]]
        if not delays:
            return [run, 0, "", "", "", "", "", "" if settled else "INCOMPLETE"]
        within = sum(d <= DELIVERY_TARGET_SECONDS for d in delays) / len(delays)
        return [run, len(delays), f"{_pct(delays, 50):.2f}", f"{_pct(delays, 95):.2f}", f"{_pct(delays, 99):.2f}",
                f"{max(delays):.2f}", f"{within:.1%}", "" if settled else "still arriving at the timeout"]

    async def stop(self) -> None:
        async with httpx.AsyncClient(base_url=service_url("subscriptions"), timeout=30) as client:
            for s in self.subscribers:
                await client.delete(f"/v1/subscriptions/{self.ids[s.name]}", headers=s.headers())
        await self.receivers.stop()
        duplicates = sum(inbox.duplicates for inbox in self.receivers.inboxes.values())
        print(f"subscribers: {len(self.ids)}, duplicates received {duplicates}")


def _table(header: list[str], rows: list[list]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))


def _lists(count: int, seed: int, tag: str) -> list[dict]:
    s = get_settings()
    engine = GroupingEngine.from_settings(s)
    w = generate(load_config(s.yidi_config_dir), engine.scheme, count=count, seed=seed, codes=engine.codes,
                 error_share=0, qc_share=0, duplicate_share=0, correction_share=0, id_prefix=tag)
    return w.lists


def _claims(lists: list[dict]) -> set[str]:
    return {claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]) for sl in lists}


def _cpu_times() -> list[int] | None:
    """The machine's CPU time counters (Linux /proc/stat), None elsewhere."""
    try:
        with open("/proc/stat") as f:
            return [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None


def _steal_share(before: list[int] | None, after: list[int] | None) -> float | None:
    """Of the CPU time that passed, the share the hypervisor gave to others (steal, the 8th counter)."""
    if not before or not after or len(after) < 8:
        return None
    spent = [b - a for a, b in zip(before, after)]
    return spent[7] / sum(spent[:8]) if sum(spent[:8]) else None


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def main_async(args) -> None:
    tag = f"B{uuid.uuid4().hex[:5].upper()}"
    watch = LedgerWatch()
    await watch.start()
    rows, delivery_rows = [], []
    subscribers = None
    if args.subscribers:
        subscribers = Subscribers(sorted({h.region for h in load_config(get_settings().yidi_config_dir).hospitals.values()}),
                                  args.batch_size)
        await subscribers.start()

    seed = args.seed if args.seed is not None else random.randrange(10**6)  # new people each run, unless told
    print(f"workload seed {seed}")
    if args.warmup:
        warmup = _lists(args.warmup, seed + 100, tag + "W")
        await post_all(warmup, concurrency=args.concurrency, desc="warm-up")
        await watch.wait_for(_claims(warmup), args.timeout)
    if subscribers:
        await subscribers.settle(timeout=args.timeout)
    mark = subscribers.mark() if subscribers else None
    lists = _lists(args.lists, seed, tag + "T")
    cpu_before = _cpu_times()
    t0 = time.monotonic()
    res = await post_all(lists, concurrency=args.concurrency, desc="throughput: posting")
    t_posted = time.monotonic()
    ok = await watch.wait_for(_claims(lists), args.timeout)
    t_done = max(watch.seen[c] for c in _claims(lists) if c in watch.seen)
    steal = _steal_share(cpu_before, _cpu_times())
    rows.append(["sustained (max rate)", len(lists), f"{len(lists) / (t_posted - t0):.0f}",
                 f"{len(lists) / (t_done - t0):.0f}", "", "", "",
                 "; ".join(filter(None, ["" if ok else "INCOMPLETE", f"steal {steal:.0%}" if steal is not None else ""]))])
    if subscribers:
        delivery_rows.append(subscribers.row("sustained (max rate)", mark, await subscribers.settle(timeout=args.timeout)))

    for n, rate in enumerate(args.rates):
        lists = _lists(args.latency_lists, seed + 1 + n, f"{tag}L{n}")
        mark = subscribers.mark() if subscribers else None
        res = await post_all(lists, concurrency=args.concurrency, rate=rate, desc=f"latency: {rate:g} lists/s")
        ok = await watch.wait_for(_claims(lists), args.timeout)
        lat = [watch.seen[c] - res.due_at[c] for c in _claims(lists) if c in watch.seen and c in res.due_at]
        achieved = len(lists) / res.elapsed
        note = "" if ok else "INCOMPLETE"
        if achieved < 0.95 * rate:
            note = f"{note} behind schedule: intake took {achieved:.0f}/s".strip()
        rows.append([f"fixed {rate:g} lists/s", len(lists), f"{achieved:.0f}", "",
                     f"{_pct(lat, 50) * 1000:.0f}", f"{_pct(lat, 95) * 1000:.0f}", f"{_pct(lat, 99) * 1000:.0f}", note])
        if subscribers:
            delivery_rows.append(subscribers.row(f"fixed {rate:g} lists/s", mark,
                                                 await subscribers.settle(timeout=args.timeout)))
    await watch.stop()
    if subscribers:
        await subscribers.stop()

    print(f"\nmachine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    _table(["run", "lists", "posted/s", "POST→ledger lists/s", "p50 ms", "p95 ms", "p99 ms", "note"], rows)
    if subscribers:
        print(f"\ndeliveries to {len(subscribers.ids)} subscribers, up to {subscribers.batch_size} events a request "
              "(seconds from each event's time to its first delivery)")
        _table(["run", "events delivered", "p50 s", "p95 s", "p99 s", "max s",
                f"within {DELIVERY_TARGET_SECONDS:g} s", "note"], delivery_rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lists", type=int, default=int(os.environ.get("BENCH_LISTS", 6000)))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 3000)),
                        help="lists run through the chain, unmeasured, before the throughput run")
    parser.add_argument("--latency-lists", type=int, default=int(os.environ.get("BENCH_LATENCY_LISTS", 3000)))
    parser.add_argument("--rates", type=lambda v: [float(r) for r in v.split(",")],
                        default=os.environ.get("BENCH_RATES", "25,100"), help="comma-separated lists/s")
    parser.add_argument("--subscribers", type=int, default=int(os.environ.get("BENCH_SUBSCRIBERS", 1)),
                        help="1: a webhook per region's bureau and the province rides along; 0: the chain alone")
    parser.add_argument("--batch-size", type=int, default=int(os.environ.get("BENCH_BATCH", 100)),
                        help="the subscribers' batch_size: events per webhook request (1: one event a request)")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seed", type=int, default=None,
                        help="workload seed; by default a new one, so repeated runs do not pile stays onto the same people")
    parser.add_argument("--timeout", type=float, default=600)
    uvloop.run(main_async(parser.parse_args()))  # the load generator shares the cores it measures


if __name__ == "__main__":
    main()
