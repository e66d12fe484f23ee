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

import orjson
import uvloop
from aiokafka import AIOKafkaConsumer, TopicPartition

from yidi_common.events.registry import LEDGER_POSTED, topic_for
from yidi_common.regional_config import load_config
from yidi_common.settings import get_settings
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.intake import claim_id_for

from .client import post_all
from .workload import generate


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
    rows = []

    seed = args.seed if args.seed is not None else random.randrange(10**6)  # new people each run, unless told
    print(f"workload seed {seed}")
    if args.warmup:
        warmup = _lists(args.warmup, seed + 100, tag + "W")
        await post_all(warmup, concurrency=args.concurrency, desc="warm-up")
        await watch.wait_for(_claims(warmup), args.timeout)
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

    for n, rate in enumerate(args.rates):
        lists = _lists(args.latency_lists, seed + 1 + n, f"{tag}L{n}")
        res = await post_all(lists, concurrency=args.concurrency, rate=rate, desc=f"latency: {rate:g} lists/s")
        ok = await watch.wait_for(_claims(lists), args.timeout)
        lat = [watch.seen[c] - res.due_at[c] for c in _claims(lists) if c in watch.seen and c in res.due_at]
        achieved = len(lists) / res.elapsed
        note = "" if ok else "INCOMPLETE"
        if achieved < 0.95 * rate:
            note = f"{note} behind schedule: intake took {achieved:.0f}/s".strip()
        rows.append([f"fixed {rate:g} lists/s", len(lists), f"{achieved:.0f}", "",
                     f"{_pct(lat, 50) * 1000:.0f}", f"{_pct(lat, 95) * 1000:.0f}", f"{_pct(lat, 99) * 1000:.0f}", note])
    await watch.stop()

    header = ["run", "lists", "posted/s", "POST→ledger lists/s", "p50 ms", "p95 ms", "p99 ms", "note"]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print(f"\nmachine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    for r in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(x).ljust(w) for x, w in zip(r, widths)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lists", type=int, default=int(os.environ.get("BENCH_LISTS", 6000)))
    parser.add_argument("--warmup", type=int, default=int(os.environ.get("BENCH_WARMUP", 3000)),
                        help="lists run through the chain, unmeasured, before the throughput run")
    parser.add_argument("--latency-lists", type=int, default=int(os.environ.get("BENCH_LATENCY_LISTS", 3000)))
    parser.add_argument("--rates", type=lambda v: [float(r) for r in v.split(",")],
                        default=os.environ.get("BENCH_RATES", "25,100"), help="comma-separated lists/s")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--seed", type=int, default=None,
                        help="workload seed; by default a new one, so repeated runs do not pile stays onto the same people")
    parser.add_argument("--timeout", type=float, default=600)
    uvloop.run(main_async(parser.parse_args()))  # the load generator shares the cores it measures


if __name__ == "__main__":
    main()
