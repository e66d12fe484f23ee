"""The clearing consumer on real Kafka and PostgreSQL: exact postings, duplicates, poison messages, SIGKILL."""
from __future__ import annotations

from decimal import Decimal

import httpx
import orjson

from yidi_common.events.registry import PAYMENT_PRICED, dead_letter_topic, topic_for

from .factories import priced_event
from .harness import produce, read_topic, wait_until


async def _tb(url: str) -> dict:
    return httpx.get(f"{url}/v1/ledger/trial-balance", timeout=5).json()


async def _entries(url: str) -> int:
    return (await _tb(url))["entries"]


async def test_priced_claims_post_balanced_entries_once_despite_duplicates_and_a_kill(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    clearing = start_service("clearing")
    topic = topic_for(PAYMENT_PRICED)

    first = [priced_event(n) for n in range(300)]
    # every message twice, and a poison message in the middle
    messages = [(e.subject.encode(), e.to_bytes()) for e in first for _ in range(2)]
    messages.insert(150, (b"poison", b"{not json"))
    await produce(kafka, topic, messages[:300])
    await wait_until(lambda: _entries_at_least(clearing.url, 1), what="first postings")
    clearing.kill()  # SIGKILL mid-stream
    await produce(kafka, topic, messages[300:])
    clearing.start()
    await wait_until(lambda: _entries_at_least(clearing.url, 300), timeout=90, what="300 entries")

    tb = await _tb(clearing.url)
    # per claim: insured book 6500 + province 6500 + treatment-region receivable 6500 on the debit side
    assert tb["entries"] == 300
    assert Decimal(tb["debits"]) == Decimal("5850000.00")
    assert Decimal(tb["credits"]) == Decimal("5850000.00")
    assert tb["difference"] == "0.00"

    accounts = {a["account"]: Decimal(a["balance"]) for a in
                httpx.get(f"{clearing.url}/v1/ledger/accounts", timeout=5).json()["accounts"]}
    assert accounts["360100:payable-to-province"] == Decimal("-1950000.00")
    assert accounts["province:receivable:360100"] == Decimal("1950000.00")
    assert accounts["360700:hospital-payable:H36070000002"] == Decimal("-1710000.00")  # (5200 + 500) × 300
    assert accounts["360700:pool-settlement:360700-2026-DRG-310-cross"] == Decimal("-240000.00")  # (6000 − 5200) × 300

    # recorded once; the topic may hold it twice (killed between Kafka's ack and the outbox delete), same id
    dead = await read_topic(kafka, dead_letter_topic("clearing"), min_count=1)
    assert {d["id"] for d in dead} == {f"dlq:clearing:{topic}:{dead[0]['partition']}:{dead[0]['offset']}"}
    assert dead[0]["topic"] == topic and dead[0]["value"] == "{not json"
    assert "JSONDecodeError" in dead[0]["error"] or "decode" in dead[0]["error"].lower()
    kept = httpx.get(f"{clearing.url}/v1/ops/dead-letters", timeout=5).json()["items"]
    assert [(k["topic"], k["value"]) for k in kept] == [(topic, "{not json")]

    posted = await read_topic(kafka, topic_for("ledger.posted"), min_count=300)
    assert len({orjson.dumps(p["id"]) for p in posted}) == 300


async def test_a_correction_reverses_the_superseded_version(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    clearing = start_service("clearing", name="clearing-corrections")
    v1 = priced_event(9001, fund_due="5200.00")
    v2 = priced_event(9001, fund_due="4800.00", version=2)
    stale = v1.model_copy(update={"id": "version-1-again-under-another-id"})  # late: must change nothing
    # one produce call, one partition: the three usually reach the consumer in one batch
    await produce(kafka, topic_for(PAYMENT_PRICED), [(e.subject.encode(), e.to_bytes()) for e in (v1, v2, stale)])

    async def journal():
        entries = httpx.get(f"{clearing.url}/v1/ledger/claims/{v1.subject}", timeout=5).json()["entries"]
        return entries if len(entries) == 3 else None

    async def drained():
        return httpx.get(f"{clearing.url}/v1/ops/progress", timeout=5).json()["consumer_lag"] == 0

    await wait_until(journal, what="claim, reversal, corrected claim")
    await wait_until(drained, what="every message consumed")
    entries = await journal()
    assert entries is not None, "the stale version posted something"
    assert [e["kind"] for e in entries].count("claim.reversal") == 1
    hospital = "360700:hospital-payable:H36070000002"
    net = sum(Decimal(l["credit"]) - Decimal(l["debit"]) for e in entries for l in e["lines"] if l["account"] == hospital)
    assert net == Decimal("5300.00")  # only version 2 remains: 4800 + 500


async def _entries_at_least(url: str, n: int) -> bool:
    try:
        return await _entries(url) >= n
    except httpx.HTTPError:
        return False


async def test_clearing_runs_are_exact_and_idempotent(stack_env, start_service):
    """Monthly pre-settlement and two-level clearing over the claims posted above (claims 0-299 and 9001)."""
    clearing = start_service("clearing", name="clearing-runs")
    await wait_until(lambda: _entries_at_least(clearing.url, 301), what="earlier postings")
    month = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/2026-10", timeout=30).json()
    assert month["ran"] is True
    (line,) = month["lines"]
    # 300 claims × FundDue 5200 + claim 9001's corrected FundDue 4800; q = 5 % withheld
    assert line["hospital"] == "H36070000002" and line["cases"] == 301
    assert Decimal(line["fund_due"]) == Decimal("1564800.00")
    assert Decimal(line["withheld"]) == Decimal("78240.00")
    # the other funds' 500.00 per claim are paid as charged: 301 × 500 = 150500.00
    assert Decimal(line["per_item"]) == Decimal("150500.00")
    assert Decimal(line["paid"]) == Decimal("1564800.00") - Decimal("78240.00") + Decimal("150500.00")
    again = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/2026-10", timeout=30).json()
    assert again["ran"] is False and again["lines"] == month["lines"]

    xr = httpx.post(f"{clearing.url}/v1/clearing/cross-region/2026-10", timeout=30).json()
    # 301 cross-region claims from 360100 treated in 360700, each with 6000 + 500 of fund payments
    assert [(r["region"], Decimal(r["net"])) for r in xr["remittances"]] == [("360100", Decimal("1956500.00"))]
    assert [(p["region"], Decimal(p["net"])) for p in xr["payments"]] == [("360700", Decimal("1956500.00"))]
    csv_text = httpx.get(f"{clearing.url}/v1/clearing/cross-region/2026-10", params={"format": "csv"}, timeout=30).text
    assert csv_text.splitlines()[0].startswith("region,") and "360100" in csv_text
    xlsx = httpx.get(f"{clearing.url}/v1/clearing/monthly/360700/2026-10", params={"format": "xlsx"}, timeout=30)
    assert xlsx.content[:2] == b"PK"

    balances = {a["account"]: Decimal(a["balance"]) for a in
                httpx.get(f"{clearing.url}/v1/ledger/accounts", timeout=5).json()["accounts"]}
    assert balances["360100:payable-to-province"] == Decimal("0.00")  # remitted in full
    assert balances["province:bank"] == Decimal("0.00")  # what came in went out
    assert (await _tb(clearing.url))["difference"] == "0.00"


async def test_replaying_every_event_rebuilds_an_identical_ledger(stack_env, start_service):
    """A clearing process on an empty database, in a new consumer group, replays payment.priced from the start."""
    original = start_service("clearing", name="clearing-original")
    await wait_until(lambda: _entries_at_least(original.url, 301), what="the original postings")
    database = stack_env["DATABASE_URL"].rsplit("/", 1)[0] + f"/yidi_{stack_env['YIDI_NAMESPACE']}_clearing_replay"
    replay = start_service("clearing", name="clearing-replay", CONSUMER_GROUP="clearing-replay",
                           CLEARING_DATABASE_URL=database)

    def claim_balances(url: str) -> dict:
        rows = httpx.get(f"{url}/v1/ledger/accounts", params={"kind": "claim"}, timeout=10).json()["accounts"]
        return {r["account"]: r["balance"] for r in rows}

    async def replayed():
        return claim_balances(replay.url) == claim_balances(original.url) or None

    await wait_until(replayed, timeout=90, what="the replayed ledger to match")
    for claim in ("claim-00000", "claim-09001"):
        a = httpx.get(f"{original.url}/v1/ledger/claims/{claim}", timeout=10).json()["entries"]
        b = httpx.get(f"{replay.url}/v1/ledger/claims/{claim}", timeout=10).json()["entries"]
        assert [(e["entry_id"], e["lines"]) for e in a] == [(e["entry_id"], e["lines"]) for e in b]
