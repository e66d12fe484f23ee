"""The subscriptions service's settings (environment variables SUBSCRIPTIONS_*), with their defaults."""
from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

from .domain.retry import RetryPolicy


class SubscriptionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUBSCRIPTIONS_", extra="ignore")

    retry_base_seconds: float = 2.0  # first retry after 1-2 s, then doubling
    retry_max_seconds: float = 3600.0  # no wait longer than an hour (and its jitter)
    retry_attempts: int = 12  # then failed: kept, listed, redeliverable (≈ 1.5 h of tries with the defaults)
    delivery_timeout_seconds: float = 10.0  # an endpoint answering slower has failed this attempt
    delivery_batch: int = 1000  # deliveries leased per round, at most (batched subscriptions take many a request)
    delivery_concurrency: int = 32  # requests in flight per replica
    lease_seconds: float = 60.0  # a delivery leased by a replica that died is sent again after this
    poll_seconds: float = 0.2  # how often an idle worker looks for new events and due deliveries
    delivered_retention_days: float = 7.0  # acknowledged deliveries stay listed this long, then go
    event_log_retention_days: float = 90.0  # the window of replay and the pull feed; older events go once no
    # delivery holds them (failed ones keep theirs) and every subscription has scanned past them
    prune_interval_seconds: float = 3600.0  # how often the worker prunes
    secret_overlap_seconds: float = 86400.0  # a rotated secret keeps signing (beside the new one) this long
    long_poll_max_seconds: float = 30.0  # GET /v1/events?wait= is cut to this
    stream_max_seconds: float = 300.0  # an SSE stream ends after this; the client reconnects with Last-Event-ID
    feed_poll_seconds: float = 0.5  # how often a waiting pull or stream looks for new events

    @property
    def retry(self) -> RetryPolicy:
        return RetryPolicy(self.retry_base_seconds, self.retry_max_seconds, self.retry_attempts)


@lru_cache
def get_subscription_settings() -> SubscriptionSettings:
    return SubscriptionSettings()
