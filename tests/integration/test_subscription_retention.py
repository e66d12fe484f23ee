"""Retention of the subscriptions service on real Kafka and PostgreSQL: acknowledged deliveries and logged
events past their retention go; a failed delivery stays listed, keeps its event and can still be redelivered.
Retention is set to zero and the worker prunes every second, so what may go goes at once."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from yidi_common.auth import Role
from yidi_common.events import new_event
from yidi_common.events.registry import BUDGET_ALERT, topic_for
from yidi_common.events.v1 import BudgetAlert
from yidi_demo import tokens

from .harness import produce, wait_until

ALERT = {"budget_kind": "pool", "budget_key": "360100-2026-DRG-310-cross", "region": "360100", "period": "2026-10",
         "level": "notice", "threshold": "0.80", "consumed": "80000.00", "budget": "100000.00", "ratio": "0.8000",
         "basis": "budget", "basis_amount": "100000.00"}
EVENTS = 6


def _receiver(refused_subject: str) -> tuple[ThreadingHTTPServer, dict]:
    """Accepts every event but one subject's, until `state["refusing"]` is cleared; counts what it accepted."""
    state = {"refusing": True, "accepted": []}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers["content-length"]))
            refuse = state["refusing"] and self.path == "/down" and refused_subject.encode() in body
            if not refuse:
                state["accepted"].append((self.path, body))
            self.send_response(500 if refuse else 204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state


async def test_delivered_and_old_events_go_a_failed_delivery_keeps_its_event(stack_env, start_service):
    subs = start_service("subscriptions", SUBSCRIPTIONS_DELIVERED_RETENTION_DAYS="0",
                         SUBSCRIPTIONS_EVENT_LOG_RETENTION_DAYS="0", SUBSCRIPTIONS_PRUNE_INTERVAL_SECONDS="1",
                         SUBSCRIPTIONS_POLL_SECONDS="0.1", SUBSCRIPTIONS_RETRY_ATTEMPTS="1")
    server, state = _receiver(refused_subject="budget-3")
    base = f"http://127.0.0.1:{server.server_address[1]}"
    bureau, ops = tokens.headers(Role.BUREAU, region="360100"), tokens.headers(Role.OPS)
    try:
        async with httpx.AsyncClient(base_url=subs.url, timeout=30) as client:
            made = {}
            for name in ("ok", "down"):
                answer = await client.post("/v1/subscriptions", headers=bureau,
                                           json={"url": f"{base}/{name}", "types": [BUDGET_ALERT]})
                made[name] = answer.json()["id"]
            events = [new_event(type=BUDGET_ALERT, source="/yidi/budget", subject=f"budget-{i}",
                                payload=BudgetAlert.model_validate(ALERT), correlationid=f"c-{i}") for i in range(EVENTS)]
            await produce(stack_env["KAFKA_BOOTSTRAP_SERVERS"], topic_for(BUDGET_ALERT),
                          [(e.subject.encode(), e.to_bytes()) for e in events])

            async def listed(name: str, status: str | None = None) -> list[dict]:
                params = {"status": status} if status else {}
                return (await client.get(f"/v1/subscriptions/{made[name]}/deliveries", params=params,
                                         headers=ops)).json()["items"]

            async def pruned():
                return not await listed("ok") and len(await listed("down")) == 1 and \
                    len(state["accepted"]) == 2 * EVENTS - 1

            await wait_until(pruned, timeout=60, what="delivered deliveries to be pruned")
            (failed,) = await listed("down", "failed")
            feed = (await client.get("/v1/events", params={"after": 0}, headers=bureau)).json()["events"]
            assert [e["subject"] for e in feed] == ["budget-3"]  # the others' events went with their deliveries
            assert feed[0]["id"] == events[3].id == failed["event_id"]

            state["refusing"] = False
            again = await client.post(f"/v1/subscriptions/{made['down']}/deliveries/{failed['id']}/redeliver",
                                      headers=ops)
            assert again.json()["status"] == "pending"

            async def redelivered():
                return sum(path == "/down" and events[3].id.encode() in body for path, body in state["accepted"]) == 1

            await wait_until(redelivered, timeout=30, what="the failed delivery to be redelivered")
            await wait_until(lambda: _empty(client, made["down"], ops), timeout=30, what="its delivery to be pruned")
    finally:
        server.shutdown()


async def _empty(client: httpx.AsyncClient, subscription_id: str, headers: dict) -> bool:
    return not (await client.get(f"/v1/subscriptions/{subscription_id}/deliveries", headers=headers)).json()["items"]
