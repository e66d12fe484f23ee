"""Subscriptions on real Kafka and PostgreSQL (issue 15, items 1-2): webhook receivers of three bureaus, the
province and a hospital get exactly the events of their scope (none outside it), signed per Standard
Webhooks (verified with the `standardwebhooks` library); a receiver failing a claim's deliveries gets them
in that claim's order; a batched subscriber gets the same events as JSON arrays (CloudEvents batched mode),
each claim's in order; failed deliveries are listed and redelivered; pause, resume, replay, secret
rotation, the pull feed (long poll) and server-sent events. Two replicas of the service run side by side.

What each caller should receive is worked out from outside the service: every event read from the Kafka
topics themselves, each tied to its claim by its payload, and each claim to its regions and hospital by
the list that was posted.
"""
from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import orjson
import pytest
from standardwebhooks import Webhook

from yidi_common.auth import Role
from yidi_common.events import EVENT_TYPES, topic_for
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo import tokens
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.intake import claim_id_for

from .harness import drained, read_topic, wait_until

CHAIN = ("grouper", "pricing", "budget", "audit", "clearing")
BUREAUS = ("360100", "360700", "360400")
HOSPITAL = "H36010000001"
OUTCOMES = ("settlement-list.rejected", "settlement-list.grouped", "payment.priced")
FAILURES_BEFORE_SUCCESS = 3
SUBSCRIPTION_SETTINGS = {"SUBSCRIPTIONS_RETRY_BASE_SECONDS": "0.2", "SUBSCRIPTIONS_RETRY_MAX_SECONDS": "0.5",
                         "SUBSCRIPTIONS_RETRY_ATTEMPTS": "4", "SUBSCRIPTIONS_POLL_SECONDS": "0.1",
                         "SUBSCRIPTIONS_FEED_POLL_SECONDS": "0.1", "SUBSCRIPTIONS_STREAM_MAX_SECONDS": "4"}


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict:
        return orjson.loads(self.body)

    @property
    def events(self) -> list[dict]:
        """The request's events: the one of structured mode or the array of batched mode."""
        body = orjson.loads(self.body)
        return body if isinstance(body, list) else [body]


@dataclass
class Receiver:
    """A webhook endpoint per path; `refuse(path, request) -> bool` makes it answer 500."""

    requests: dict[str, list[Received]] = field(default_factory=lambda: defaultdict(list))
    refusing: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, path: str) -> list[dict]:
        with self.lock:
            return [e for r in self.requests[path] if r.answered == 200 for e in r.events]

    def serve(self) -> ThreadingHTTPServer:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the service's client pools its connections

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver.lock:
                    refuse = receiver.refusing.get(self.path)
                    status = 500 if refuse and refuse(receiver.requests[self.path], headers, body) else 200
                    receiver.requests[self.path].append(Received(headers, body, status))
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # the service sends up to 32 at once

        server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    server = r.serve()
    r.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield r
    server.shutdown()


@pytest.fixture(scope="module")
def stack(start_service):
    services = {s: start_service(s, name=f"subs-{s}") for s in CHAIN}
    services["subscriptions"] = start_service("subscriptions", name="subs-subscriptions", **SUBSCRIPTION_SETTINGS)
    # a second replica: the two share the topics' partitions, the log and the deliveries
    services["subscriptions-2"] = start_service("subscriptions", name="subs-subscriptions-2", **SUBSCRIPTION_SETTINGS)
    return services


@pytest.fixture(scope="module")
def workload():
    """Lists of every region; every third cross-region one insured in 360400 (which treats few of them)."""
    from yidi_common.settings import get_settings

    config = load_config(REPO_ROOT / "demo" / "config")
    engine = GroupingEngine.from_settings(get_settings())
    w = generate(config, engine.scheme, count=90, seed=15, codes=engine.codes, cross_share=0.6, error_share=0,
                 qc_share=0.06, duplicate_share=0, correction_share=0.04, violation_share=0.03, id_prefix="SUBS")
    for i, sl in enumerate(w.lists):
        info = sl["setlinfo"]
        if info["insu_admdvs"] != info["treat_admdvs"] and not info["cross_province"] and i % 3 == 0 \
                and info["treat_admdvs"] != "360400":
            w.lists[i] = {**sl, "setlinfo": {**info, "insu_admdvs": "360400"}}
            w.corrections = [(j, {**c, "setlinfo": {**c["setlinfo"], "insu_admdvs": "360400"}}) if j == i else (j, c)
                             for j, c in w.corrections]
    return w


def _claims(workload) -> dict[str, dict]:
    """claim id -> its setlinfo (the last version posted)."""
    out = {}
    for sl in workload.lists + [c for _, c in workload.corrections]:
        info = sl["setlinfo"]
        out[claim_id_for(info["fixmedins_code"], info["setl_id"])] = info
    return out


def _claim_of(event: dict) -> str | None:
    data = event["data"]
    return data.get("claim_id") or (data.get("claim") or {}).get("claim_id")


def _province() -> dict:
    return tokens.headers(Role.PROVINCE)


def _bureau(region: str) -> dict:
    return tokens.headers(Role.BUREAU, region=region)


def _hospital() -> dict:
    return tokens.headers(Role.HOSPITAL, hospital=HOSPITAL)


async def _subscribe(client, url: str, headers: dict, types, batch_size: int = 1) -> dict:
    answer = await client.post("/v1/subscriptions", json={"url": url, "types": list(types), "batch_size": batch_size},
                               headers=headers)
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["secret"].startswith("whsec_")
    return made


def _verified(received: list[Received], *secrets: str) -> None:
    for r in received:
        for secret in secrets:
            Webhook(secret).verify(r.body, r.headers)  # raises unless one of the signatures is this secret's
        if isinstance(orjson.loads(r.body), list):
            assert r.headers["content-type"] == "application/cloudevents-batch+json"
            assert r.headers["webhook-id"].startswith("batch_")
        else:
            assert r.headers["content-type"] == "application/cloudevents+json"
            assert r.headers["webhook-id"] == r.event["id"]


async def test_each_subscriber_gets_exactly_its_scope(stack, receiver, workload):
    subs = stack["subscriptions"].url
    async with httpx.AsyncClient(base_url=subs, timeout=30) as client:
        # registration: scope from the token only, every problem named
        bad = await client.post("/v1/subscriptions", json={"url": "ftp://x", "types": ["nope", "ledger.posted"]},
                                headers=_hospital())
        assert bad.status_code == 422
        assert [(p["field"], p["rule"]) for p in bad.json()["problems"]] == [
            ("url", "url"), ("types[0]", "unknown_event_type"), ("types[1]", "outside_scope")]
        chosen_region = await client.post("/v1/subscriptions", headers=_bureau("360100"), json={
            "url": f"{receiver.base}/x", "types": ["payment.priced"], "region": "360700"})
        assert chosen_region.status_code == 422
        assert (await client.post("/v1/subscriptions", headers=tokens.headers(Role.ANALYST),
                                  json={"url": f"{receiver.base}/x", "types": ["payment.priced"]})).status_code == 403

        made = {f"bureau-{r}": await _subscribe(client, f"{receiver.base}/bureau-{r}", _bureau(r), EVENT_TYPES)
                for r in BUREAUS}
        made["province"] = await _subscribe(client, f"{receiver.base}/province", _province(), EVENT_TYPES)
        made["batched"] = await _subscribe(client, f"{receiver.base}/batched", _province(), EVENT_TYPES, batch_size=25)
        made["hospital"] = await _subscribe(client, f"{receiver.base}/hospital", _hospital(), OUTCOMES)
        made["paused"] = await _subscribe(client, f"{receiver.base}/paused", _hospital(), OUTCOMES)
        assert (await client.post(f"/v1/subscriptions/{made['paused']['id']}/pause", headers=_hospital())).json() == {
            "id": made["paused"]["id"], "status": "paused"}
        made["flaky"] = await _subscribe(client, f"{receiver.base}/flaky", _bureau("360700"), EVENT_TYPES)
        # paused until every event is in the log, so that a claim's events all queue before the first is refused
        await client.post(f"/v1/subscriptions/{made['flaky']['id']}/pause", headers=_bureau("360700"))
        made["down"] = await _subscribe(client, f"{receiver.base}/down", _bureau("360400"), EVENT_TYPES)
        # another bureau's subscription is not even visible
        assert (await client.get(f"/v1/subscriptions/{made['flaky']['id']}", headers=_bureau("360100"))).status_code == 404
        listed = (await client.get("/v1/subscriptions", headers=_bureau("360400"))).json()["items"]
        assert {s["id"] for s in listed} == {made["bureau-360400"]["id"], made["down"]["id"]}
        assert all("secret" not in s for s in listed)

    claims = _claims(workload)
    flaky_claim = next(cid for cid, info in claims.items() if info["treat_admdvs"] == "360700"
                       and info["insu_admdvs"] != "360700" and not info["cross_province"])

    def flaky_refuses(earlier: list[Received], headers: dict, body: bytes) -> bool:
        if orjson.loads(body)["subject"] != flaky_claim:
            return False
        return sum(r.headers["webhook-id"] == headers["webhook-id"] for r in earlier) < FAILURES_BEFORE_SUCCESS

    receiver.refusing["/flaky"] = flaky_refuses
    receiver.refusing["/down"] = lambda *_: True

    async with httpx.AsyncClient(base_url=stack["grouper"].url, timeout=30) as client:
        answers = await asyncio.gather(*[client.post("/v1/settlement-lists", json=sl, headers=tokens.headers(
            Role.HOSPITAL, hospital=sl["setlinfo"]["fixmedins_code"])) for sl in workload.lists])
        assert {a.status_code for a in answers} == {202}
        await wait_until(lambda: drained(stack, headers=_province()), timeout=180, what="the chain to drain")
        fixed = await asyncio.gather(*[client.post(
            f"/v1/settlement-lists/{claim_id_for(sl['setlinfo']['fixmedins_code'], sl['setlinfo']['setl_id'])}/corrections",
            json=sl, headers=tokens.headers(Role.HOSPITAL, hospital=sl["setlinfo"]["fixmedins_code"]))
            for _, sl in workload.corrections])
        assert {f.status_code for f in fixed} <= {202}
        await wait_until(lambda: drained(stack, headers=_province()), timeout=180, what="the corrections to drain")

    published = [e for t in EVENT_TYPES for e in await read_topic(stack["grouper"].env["KAFKA_BOOTSTRAP_SERVERS"],
                                                                     topic_for(t))]
    by_id = {e["id"]: e for e in published}

    def in_scope_of(region: str | None = None, hospital: str | None = None) -> set[str]:
        out = set()
        for e in published:
            claim = claims.get(_claim_of(e))
            if hospital is not None:
                if e["type"] in OUTCOMES and claim and claim["fixmedins_code"] == hospital:
                    out.add(e["id"])
            elif claim is not None:
                if region in (claim["treat_admdvs"], claim["insu_admdvs"]):
                    out.add(e["id"])
            elif e["type"] in ("budget.alert", "clearing.annual-cleared") and e["data"]["region"] == region:
                out.add(e["id"])
        return out

    expected = {f"bureau-{r}": in_scope_of(region=r) for r in BUREAUS}
    expected["province"] = expected["batched"] = set(by_id)
    expected["hospital"] = in_scope_of(hospital=HOSPITAL)
    expected["flaky"] = expected["bureau-360700"]
    for name, ids in expected.items():
        assert ids, f"{name} has events in scope"
    assert expected["bureau-360400"] < expected["province"] and expected["hospital"] < expected["province"]

    async def everyone_has_theirs():
        return all({e["id"] for e in receiver.accepted(f"/{name}")} >= ids for name, ids in expected.items()
                   if name != "flaky")

    await wait_until(everyone_has_theirs, timeout=120, what="every receiver to get its scope's events")
    async with httpx.AsyncClient(base_url=subs, timeout=30) as client:
        await client.post(f"/v1/subscriptions/{made['flaky']['id']}/resume", headers=_bureau("360700"))
    await wait_until(lambda: _has(receiver, "/flaky", expected["flaky"]), timeout=120, what="the flaky receiver")
    for name, ids in expected.items():
        got = receiver.accepted(f"/{name}")
        assert {e["id"] for e in got} == ids, name  # and none outside its scope
        assert len(got) == len(ids), name  # two replicas, yet each event delivered once
        assert {e["id"]: e["data"] for e in got} == {i: by_id[i]["data"] for i in ids}, name
        assert not any(b'"certno"' in r.body or b'"psn_name"' in r.body for r in receiver.requests[f"/{name}"])
        _verified(receiver.requests[f"/{name}"][:50], made[name]["secret"])
    assert receiver.accepted("/paused") == []

    # the batched subscriber: arrays of up to 25 events, each claim's events in log order
    batches = [r.events for r in receiver.requests["/batched"]]
    assert max(len(b) for b in batches) > 1 and max(len(b) for b in batches) <= 25
    by_claim = defaultdict(list)
    for event in receiver.accepted("/batched"):
        by_claim[event["subject"]].append(event["position"])
    assert all(p == sorted(p) for p in by_claim.values())

    # the flaky receiver: each of the claim's events refused 3 times, and still in the claim's order
    flaky = [r for r in receiver.requests["/flaky"] if r.event["subject"] == flaky_claim]
    accepted = [r.event for r in flaky if r.answered == 200]
    assert len(flaky) == (FAILURES_BEFORE_SUCCESS + 1) * len(accepted) and len(accepted) >= 4
    positions = [e["position"] for e in accepted]
    assert positions == sorted(positions)
    stages = [e["type"] for e in accepted]
    assert stages.index("settlement-list.submitted") < stages.index("settlement-list.grouped") \
        < stages.index("payment.priced") < stages.index("ledger.posted")

    async with httpx.AsyncClient(base_url=subs, timeout=30) as client:
        # the endpoint that is down: one failed delivery heads each claim's queue, the rest wait behind it
        down = made["down"]["id"]
        down_claims = {by_id[i]["subject"] for i in expected["bureau-360400"]}

        async def all_failed():
            items = (await client.get(f"/v1/subscriptions/{down}/deliveries", params={"status": "failed"},
                                      headers=_bureau("360400"))).json()["items"]
            return items if len(items) == len(down_claims) else None

        failed = await wait_until(all_failed, timeout=60, what="the down endpoint's deliveries to fail")
        assert {d["attempts"] for d in failed} == {4} and {d["last_status"] for d in failed} == {500}, {(d["last_status"], d["last_error"]) for d in failed}
        assert receiver.accepted("/down") == []
        receiver.refusing.pop("/down")
        for d in failed:
            again = await client.post(f"/v1/subscriptions/{down}/deliveries/{d['id']}/redeliver", headers=tokens.headers(Role.OPS))
            assert again.json() == {"id": d["id"], "status": "pending", "previous_status": "failed"}
        await wait_until(lambda: _has(receiver, "/down", expected["bureau-360400"]), timeout=60, what="redelivery")
        assert {e["id"] for e in receiver.accepted("/down")} == expected["bureau-360400"]

        # pause, then resume: what queued meanwhile arrives
        await client.post(f"/v1/subscriptions/{made['paused']['id']}/resume", headers=_hospital())
        await wait_until(lambda: _has(receiver, "/paused", expected["hospital"]), timeout=60, what="resume")
        assert {e["id"] for e in receiver.accepted("/paused")} == expected["hospital"]

        # rotate the secret, then replay from a position: both secrets verify while they overlap
        mine = made["bureau-360400"]
        rotated = await client.post(f"/v1/subscriptions/{mine['id']}/secret", headers=_bureau("360400"))
        assert rotated.status_code == 200 and rotated.json()["secret"] != mine["secret"]
        assert (await client.post(f"/v1/subscriptions/{mine['id']}/secret", headers=_province())).status_code == 403
        positions = sorted(e["position"] for e in receiver.accepted("/bureau-360400"))
        middle = positions[len(positions) // 2]
        before = len(receiver.requests["/bureau-360400"])
        replayed = await client.post(f"/v1/subscriptions/{mine['id']}/replay", json={"from_position": middle},
                                     headers=_bureau("360400"))
        assert replayed.status_code == 200
        again_ids = {e["id"] for e in receiver.accepted("/bureau-360400") if e["position"] >= middle}

        async def replayed_all():
            return len(receiver.requests["/bureau-360400"]) - before >= sum(p >= middle for p in positions)

        await wait_until(replayed_all, timeout=60, what="the replay")
        second = receiver.requests["/bureau-360400"][before:]
        assert {r.event["id"] for r in second} == again_ids
        _verified(second, mine["secret"], rotated.json()["secret"])

        # the pull feed: the same events, page by page, and a long poll past the end answers empty
        pulled, after = [], 0
        while True:
            page = (await client.get("/v1/events", params={"after": after, "limit": 50},
                                     headers=_bureau("360100"))).json()
            if not page["events"]:
                break
            pulled += page["events"]
            after = page["next_after"]
        assert {e["id"] for e in pulled} == expected["bureau-360100"]
        assert [e["position"] for e in pulled] == sorted(e["position"] for e in pulled)
        idle = (await client.get("/v1/events", params={"after": after, "wait": 1}, headers=_bureau("360100"))).json()
        assert idle == {"events": [], "next_after": after}
        hospital_pull = (await client.get("/v1/events", params={"limit": 1000, "types": ",".join(OUTCOMES)},
                                          headers=_hospital())).json()["events"]
        assert {e["id"] for e in hospital_pull} == expected["hospital"]
        refused = await client.get("/v1/events", params={"types": "ledger.posted"}, headers=_hospital())
        assert refused.status_code == 422 and refused.json()["problems"][0]["field"] == "types[0]"

        # server-sent events, resumed after a Last-Event-ID: what follows it, in order
        resume_after = middle
        streamed = []
        headers = {**_bureau("360400"), "Last-Event-ID": str(resume_after)}
        # (sent positionally: conftest's default-token wrapper of AsyncClient.send takes the request so)
        stream = await client.send(client.build_request("GET", "/v1/events/stream", headers=headers), stream=True)
        try:
            assert stream.headers["content-type"].startswith("text/event-stream")
            async for line in stream.aiter_lines():  # the stream ends after SUBSCRIPTIONS_STREAM_MAX_SECONDS
                if line.startswith("data:"):
                    streamed.append(orjson.loads(line[5:].strip()))
        finally:
            await stream.aclose()
        assert [e["position"] for e in streamed] == sorted(p for p in positions if p > resume_after)
        assert {e["id"] for e in streamed} == {e["id"] for e in receiver.accepted("/bureau-360400")
                                              if e["position"] > resume_after}


async def _has(receiver: Receiver, path: str, ids: set[str]) -> bool:
    return {e["id"] for e in receiver.accepted(path)} >= ids
