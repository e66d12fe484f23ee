"""Talking to a running stack: post lists with a progress bar, wait for the chain to drain.

Lists are posted over keep-alive HTTP/1.1 connections of our own, parsed with httptools (uvicorn's
parser): the load generator shares the cores it measures, and per post httpx's client spent about
10 ms of CPU on this machine, aiohttp's 0.37 ms, this one 0.08 ms.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

import httptools
import httpx
import orjson
from tqdm import tqdm

from yidi_common.auth import Role
from yidi_common.settings import SERVICE_PORTS, get_settings

from . import tokens


def service_url(service: str) -> str:
    return f"http://127.0.0.1:{get_settings().service_port(service)}"


@dataclass
class PostResults:
    statuses: Counter = field(default_factory=Counter)
    accepted: list[dict] = field(default_factory=list)  # 202 bodies, first post of each
    rejected_422: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    due_at: dict[str, float] = field(default_factory=dict)  # claim id -> when a fixed rate meant to post it
    elapsed: float = 0.0  # seconds from the first post to the last answer


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection posting JSON bodies, one request at a time."""

    def __init__(self, host: str) -> None:
        self.host = host.encode()
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future | None = None
        self.body: list[bytes] = []
        self.open = False

    def connection_made(self, transport) -> None:
        self.transport, self.open = transport, True

    def connection_lost(self, exc) -> None:
        self.open = False
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError(f"connection lost: {exc!r}"))

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            if self.answer is not None and not self.answer.done():
                self.answer.set_exception(ConnectionError(f"bad response: {exc!r}"))
            self.transport.close()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        if not self.parser.should_keep_alive():
            self.open = False
            self.transport.close()
        if self.answer is not None and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), b"".join(self.body)))
        self.body = []

    async def post(self, path: str, payload: bytes, timeout: float, token: str = "") -> tuple[int, bytes]:
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                             b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n%s"
                             % (path.encode(), self.host, token.encode(), len(payload), payload))
        return await asyncio.wait_for(self.answer, timeout)


async def _connect(host: str, port: int) -> _Connection:
    _, connection = await asyncio.get_running_loop().create_connection(lambda: _Connection(host), host, port)
    return connection


def _hospital_token(body: dict) -> str:
    """A HIS posts with its hospital's token (anything without a hospital code: the first hospital's, to be refused)."""
    setlinfo = body.get("setlinfo") if isinstance(body, dict) else None
    code = setlinfo.get("fixmedins_code") if isinstance(setlinfo, dict) else None
    return tokens.token(Role.HOSPITAL, hospital=str(code or "unknown"))


async def post_all(lists: list[dict], *, concurrency: int = 32, desc: str = "posting settlement lists",
                   corrections: list[tuple[str, dict]] | None = None, rate: float | None = None,
                   progress: bool = True, retry_for: float = 120.0) -> PostResults:
    """Posts every list (or correction, given as (claim id, list)); rate: lists per second, None = as fast as
    possible; a post that finds no intake or gets a 5xx is sent again for up to retry_for seconds."""
    results = PostResults()
    jobs: list[tuple[str, dict]] = [("/v1/settlement-lists", sl) for sl in lists]
    jobs += [(f"/v1/settlement-lists/{cid}/corrections", sl) for cid, sl in corrections or []]
    queue: asyncio.Queue = asyncio.Queue()
    for i, job in enumerate(jobs):
        queue.put_nowait((i, job))
    bar = tqdm(total=len(jobs), desc=desc, unit="list", disable=not progress, dynamic_ncols=True)
    start = time.monotonic()
    host, port = "127.0.0.1", get_settings().service_port("grouper")

    async def worker() -> None:
        connection: _Connection | None = None
        while not queue.empty():
            i, (path, body) = queue.get_nowait()
            if rate:
                await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            payload = orjson.dumps(body)
            status, raw = None, b""
            give_up_at, delay = time.monotonic() + retry_for, 0.5
            while True:  # as a HIS would: until answered, through an intake restarting or a 5xx
                try:
                    if connection is None or not connection.open:
                        connection = await _connect(host, port)
                    status, raw = await connection.post(path, payload, timeout=30, token=_hospital_token(body))
                    if status < 500:
                        break
                except (ConnectionError, OSError, asyncio.TimeoutError):
                    if connection is not None:
                        connection.transport.close()
                    connection = None
                if time.monotonic() >= give_up_at:
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            if status is None:
                results.statuses["unreachable"] += 1
                bar.update()
                continue
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError:
                data = {"status": status, "body": raw.decode("utf-8", errors="replace")}
            results.statuses[status] += 1
            if status == 202:
                results.accepted.append(data)
                if rate:
                    results.due_at.setdefault(data["claim_id"], start + i / rate)
            elif status == 422:
                results.rejected_422.append(data)
            elif status == 409:
                results.conflicts.append(data)
            bar.update()
        if connection is not None:
            connection.transport.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    results.elapsed = time.monotonic() - start
    bar.close()
    return results


async def chain_progress(client: httpx.AsyncClient, urls: list[str]) -> list[dict]:
    out = []
    for url in urls:
        try:
            out.append((await client.get(f"{url}/v1/ops/progress", timeout=10)).json())
        except httpx.HTTPError as e:
            out.append({"service": url, "error": repr(e), "consumer_lag": -1, "outbox_pending": -1})
    return out


async def wait_for_chain(*, timeout: float = 600, progress: bool = True, interval: float = 1.0,
                         stall_polls: int = 15) -> tuple[bool, dict]:
    """Until every service has no consumer lag, no unpublished outbox and no claim in flight. Gives up
    early when the chain has stood idle for stall_polls polls with claims still in flight: nothing will
    move those any more (a consumer dead-lettered them)."""
    urls = [service_url(s) for s in SERVICE_PORTS]
    deadline = time.monotonic() + timeout
    quiet = stalled = 0
    bar = tqdm(desc="waiting for the chain", unit="claim", disable=not progress, dynamic_ncols=True)
    async with httpx.AsyncClient(headers=tokens.headers(Role.PROVINCE)) as client:
        while time.monotonic() < deadline:
            states = await chain_progress(client, urls)
            counts = (await client.get(f"{service_url('grouper')}/v1/settlement-lists", params={"limit": 1})).json()["stage_counts"]
            total = sum(counts.values())
            done = counts.get("posted", 0) + counts.get("rejected", 0)
            bar.total = total
            bar.n = done
            bar.set_postfix(lag=sum(max(s["consumer_lag"] or 0, 0) for s in states),  # None: joining its group
                            outbox=sum(max(s["outbox_pending"], 0) for s in states))
            bar.refresh()
            idle = all(s.get("consumer_lag") == 0 and s.get("outbox_pending") == 0 for s in states)
            quiet = quiet + 1 if idle and done == total else 0
            stalled = stalled + 1 if idle and done < total else 0
            if quiet >= 3 or stalled >= stall_polls:
                bar.close()
                return quiet >= 3, counts
            await asyncio.sleep(interval)
    bar.close()
    return False, counts


async def print_dead_letters(limit: int = 3) -> None:
    """What each service could not apply, with the error: why claims stopped on their way."""
    async with httpx.AsyncClient(timeout=10, headers=tokens.headers(Role.OPS)) as client:
        for service in SERVICE_PORTS:
            try:
                items = (await client.get(f"{service_url(service)}/v1/ops/dead-letters", params={"limit": limit})).json()["items"]
            except (httpx.HTTPError, KeyError, ValueError):
                continue
            for item in items:
                print(f"  {service}: dead letter {item['event_id']} from {item['topic']}: {item['error']}")
