"""The load generator's HTTP client against a small server: answers, keep-alive, closed connections."""
from __future__ import annotations

import asyncio

import orjson

from yidi_demo.client import post_all


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[int]) -> None:
    while True:
        head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
        if not head:
            break
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
        n = orjson.loads(await reader.readexactly(length))["n"]
        seen.append(n)
        status, body = (422, {"problems": [n]}) if n % 3 == 0 else (202, {"claim_id": f"c{n}"})
        if n == 7 and seen.count(7) == 1 or n == 99:
            status, body = 503, {"detail": "busy"}  # 7 once, 99 always
        close = n % 5 == 4  # the server ends some connections after answering: the client reconnects
        payload = orjson.dumps(body)
        writer.write(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s"
                     % (status, len(payload), b"Connection: close\r\n" if close else b"", payload))
        await writer.drain()
        if close:
            break
    writer.close()


async def test_every_list_is_posted_once_and_every_answer_kept(monkeypatch):
    seen: list[int] = []
    server = await asyncio.start_server(lambda r, w: _serve(r, w, seen), "127.0.0.1", 0)
    monkeypatch.setenv("GROUPER_PORT", str(server.sockets[0].getsockname()[1]))
    async with server:
        results = await post_all([{"n": n} for n in range(30)], concurrency=4, progress=False)
    assert sorted(seen) == sorted([*range(30), 7])  # the 503 was posted again
    assert results.statuses == {202: 20, 422: 10}
    assert sorted(a["claim_id"] for a in results.accepted) == sorted(f"c{n}" for n in range(30) if n % 3)
    assert sorted(r["problems"][0] for r in results.rejected_422) == list(range(0, 30, 3))


async def test_a_post_still_failing_when_its_time_is_up_is_counted_as_such(monkeypatch):
    seen: list[int] = []
    server = await asyncio.start_server(lambda r, w: _serve(r, w, seen), "127.0.0.1", 0)
    monkeypatch.setenv("GROUPER_PORT", str(server.sockets[0].getsockname()[1]))
    async with server:
        results = await post_all([{"n": 99}, {"n": 1}], concurrency=1, progress=False, retry_for=1.0)
    assert results.statuses == {503: 1, 202: 1} and seen.count(99) >= 2


async def test_no_intake_at_all_is_unreachable(monkeypatch):
    server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    monkeypatch.setenv("GROUPER_PORT", str(port))
    results = await post_all([{"n": 1}], concurrency=1, progress=False, retry_for=0.5)
    assert results.statuses == {"unreachable": 1}


def test_the_demo_counts_only_real_answers():
    from yidi_demo.year import answered as _answered

    assert [_answered(s) for s in (202, 409, 422, "correction 202", "correction 422")] == [True] * 5
    assert [_answered(s) for s in ("unreachable", 500, 503, "correction 503", "correction unreachable")] == [False] * 5


def _chain(monkeypatch, counts: dict) -> list[str]:
    """Every service answers idle (no lag, nothing unpublished) and the grouper these stage counts."""
    import httpx

    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.path)
        if request.url.path == "/v1/ops/progress":
            return httpx.Response(200, json={"consumer_lag": 0, "outbox_pending": 0})
        return httpx.Response(200, json={"stage_counts": counts})

    real = httpx.AsyncClient
    monkeypatch.setattr(httpx, "AsyncClient", lambda **kw: real(transport=httpx.MockTransport(answer), **kw))
    return asked


async def test_the_wait_ends_when_every_claim_is_done(monkeypatch):
    from yidi_demo.client import wait_for_chain

    asked = _chain(monkeypatch, {"posted": 8, "rejected": 2})
    assert await wait_for_chain(progress=False, interval=0) == (True, {"posted": 8, "rejected": 2})
    assert asked.count("/v1/ops/progress") == 3 * 8  # three quiet polls of the eight services


async def test_the_wait_gives_up_early_when_an_idle_chain_leaves_claims_in_flight(monkeypatch):
    from yidi_demo.client import wait_for_chain

    asked = _chain(monkeypatch, {"posted": 8, "grouped": 2})  # two claims a consumer dead-lettered
    assert await wait_for_chain(progress=False, interval=0, stall_polls=4, timeout=5) == (False, {"posted": 8, "grouped": 2})
    assert asked.count("/v1/ops/progress") == 4 * 8
