"""Real servers and real service processes for integration tests.

Kafka and PostgreSQL come from, in order: KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when they answer;
testcontainers when a Docker daemon answers; otherwise the project's own local servers
(deploy/local/*.sh, as `make test` starts them). Each test session gets its own namespace, so its
topics and databases never meet those of a running demo.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

REPO = Path(__file__).resolve().parents[2]
LOCAL_KAFKA = "127.0.0.1:19092"
LOCAL_DATABASE = "postgresql://postgres@127.0.0.1:55432/postgres"


def _answers(hostport: str) -> bool:
    host, port = hostport.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _docker_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def servers() -> Iterator[tuple[str, str]]:
    """Yields (kafka bootstrap servers, database url)."""
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", LOCAL_KAFKA)
    database = os.environ.get("DATABASE_URL", LOCAL_DATABASE)
    pg_hostport = database.split("@")[-1].split("/")[0]
    if _answers(kafka.split(",")[0]) and _answers(pg_hostport):
        yield kafka, database
        return
    if _docker_answers():
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer

        # Kafka 3.9 (Confluent Platform 7.9) and PostgreSQL 15, as `make up` and docker-compose.yml run them
        with KafkaContainer("confluentinc/cp-kafka:7.9.0").with_kraft() as k, PostgresContainer("postgres:15") as pg:
            url = pg.get_connection_url().replace("postgresql+psycopg2", "postgresql")
            yield k.get_bootstrap_server(), url
        return
    for script in ("postgres.sh", "kafka.sh"):
        subprocess.run([str(REPO / "deploy/local" / script), "start"], check=True)
    yield LOCAL_KAFKA, LOCAL_DATABASE


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    """One service as a real OS process (`yidi-<service>`), so tests can SIGKILL it."""

    def __init__(self, service: str, env: dict[str, str], log_dir: Path, name: str | None = None):
        self.service = service
        self.name = name or service
        self.port = free_port()
        self.env = {**env, f"{service.upper()}_PORT": str(self.port)}
        self.log_path = log_dir / f"{self.name}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> "ServiceProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(REPO / ".venv/bin" / f"yidi-{self.service}")], env=self.env,
                                     stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {self.tail()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not healthy in {timeout} s: {self.tail()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)

    def tail(self, n: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def session_env(kafka: str, database: str) -> dict[str, str]:
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "DATABASE_URL": database,
        "YIDI_NAMESPACE": f"it{uuid.uuid4().hex[:8]}",
        "LOG_FORMAT": "json",
        "TOPIC_PARTITIONS": "4",
    }


async def produce(kafka: str, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all")
    await producer.start()
    try:
        for key, value in messages:
            await producer.send(topic, value=value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def read_topic(kafka: str, topic: str, *, min_count: int = 0, timeout: float = 30) -> list[dict]:
    """Every message on the topic from the beginning, waiting until at least min_count arrived."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        if not partitions:
            await consumer._client.force_metadata_update()  # topic created after start
            partitions = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic) or set())]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        out: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            out += [orjson.loads(r.value) for records in batch.values() for r in records]
            end = await consumer.end_offsets(partitions)
            caught_up = all([await consumer.position(tp) >= end[tp] for tp in partitions])
            if caught_up and len(out) >= min_count:
                break
        return out
    finally:
        await consumer.stop()


async def wait_until(predicate, timeout: float = 60, interval: float = 0.5, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}; last value: {last!r}")


async def drop_namespace(kafka: str, database: str, namespace: str) -> None:
    """Delete a test namespace's topics and databases."""
    import asyncpg
    from aiokafka.admin import AIOKafkaAdminClient
    from sqlalchemy.engine import make_url

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(f"{namespace}.")]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()
    url = make_url(database)
    conn = await asyncpg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                                 database="postgres")
    try:
        for name in await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", f"yidi_{namespace}_%"):
            await conn.execute(f'DROP DATABASE "{name["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


SETTLED = frozenset({"posted", "rejected"})


async def drained(services: dict[str, ServiceProcess], *, settled: frozenset[str] | None = SETTLED,
                  headers: dict[str, str] | None = None) -> bool:
    """No consumer lag and no unpublished outbox row in any of the services, and, unless settled is None,
    every claim the grouper holds in one of the settled stages (lag None: a consumer not yet holding its
    partitions)."""
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:
        for proc in services.values():
            p = (await client.get(f"{proc.url}/v1/ops/progress")).json()
            if p["consumer_lag"] != 0 or p["outbox_pending"]:
                return False
        if settled is None:
            return True
        listing = await client.get(f"{services['grouper'].url}/v1/settlement-lists", params={"limit": 1})
    return set(listing.json()["stage_counts"]) <= settled


async def post_traced(grouper_url: str, lists: list[dict]) -> dict:
    """Posts each list with a `traceparent` of a HIS span made up here: claim id -> that span's context."""
    import random

    from yidi_common import tracing
    from yidi_grouper.domain.intake import claim_id_for

    his = {}
    async with httpx.AsyncClient(base_url=grouper_url, timeout=30) as client:
        for sl in lists:
            context = tracing.TraceContext(f"{random.getrandbits(128):032x}", f"{random.getrandbits(64):016x}")
            answer = await client.post("/v1/settlement-lists", json=sl, headers={"traceparent": context.traceparent})
            assert answer.status_code == 202, answer.text
            his[claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"])] = context
    return his
