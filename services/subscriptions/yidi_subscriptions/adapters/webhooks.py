"""Sending a webhook request (httpx), and the delivery metrics (Prometheus, the default registry)."""
from __future__ import annotations

from datetime import datetime, timezone

import httpx
from prometheus_client import Counter, Gauge, Histogram

from ..service_layer.delivery import Attempt

USER_AGENT = "yidi-subscriptions/1"


class HttpSender:
    """One client for every endpoint: no redirects followed (a redirected delivery has failed), bounded time."""

    def __init__(self, timeout_seconds: float):
        self.client = httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False,
                                        headers={"user-agent": USER_AGENT})

    async def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> Attempt:
        try:
            answer = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return Attempt(None, f"{type(exc).__name__}: {exc}"[:500])
        return Attempt(answer.status_code, None if answer.is_success else f"HTTP {answer.status_code}")

    async def close(self) -> None:
        await self.client.aclose()


# named as deploy/observability's dashboard and alert rules query them (tests/test_observability_manifests.py)
DELIVERIES = Counter("yidi_subscription_deliveries",
                     "Webhook delivery attempts, per subscription (those that failed are counted in failures too)",
                     ["subscription"])
FAILURES = Counter("yidi_subscription_delivery_failures",
                   "Failed webhook attempts, per subscription; final: attempts exhausted, the delivery failed",
                   ["subscription", "final"])
LATENCY = Histogram("yidi_subscription_delivery_seconds",
                    "From the event's time to its acknowledged delivery, per subscription", ["subscription"],
                    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400))
BACKLOG = Gauge("yidi_subscription_backlog", "Pending deliveries, per subscription", ["subscription"])


class PrometheusDeliveryMetrics:
    def __init__(self) -> None:
        self._known: set[str] = set()

    def delivered(self, subscription_id: str, event_time: datetime) -> None:
        DELIVERIES.labels(subscription_id).inc()
        LATENCY.labels(subscription_id).observe(max(0.0, (datetime.now(timezone.utc) - event_time).total_seconds()))

    def failed(self, subscription_id: str, final: bool) -> None:
        DELIVERIES.labels(subscription_id).inc()
        FAILURES.labels(subscription_id, "true" if final else "false").inc()

    def backlog(self, pending: dict[str, int]) -> None:
        for subscription_id in self._known - pending.keys():  # deleted subscriptions leave the gauge
            BACKLOG.remove(subscription_id)
        for subscription_id, n in pending.items():
            BACKLOG.labels(subscription_id).set(n)
        self._known = set(pending)
