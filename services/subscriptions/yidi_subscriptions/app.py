"""The subscriptions service: bureaus' and hospitals' webhooks and pull feed of the events of their scope."""
from yidi_common.runtime import ServiceRuntime, create_service_app

from .adapters.repository import PostgresSubscriptionRepository
from .adapters.webhooks import HttpSender, PrometheusDeliveryMetrics
from .api.documents import router as documents
from .api.feed import router as feed
from .api.subscriptions import router as subscriptions
from .consumers.handlers import make_handlers
from .service_layer.delivery import DeliveryWorker, Retention, WorkerSettings
from .settings import get_subscription_settings


async def deliver_webhooks(runtime: ServiceRuntime) -> None:
    """The delivery worker, beside the consumer (every replica runs one)."""
    settings = get_subscription_settings()
    sender = HttpSender(settings.delivery_timeout_seconds)
    worker = DeliveryWorker(runtime.engine, PostgresSubscriptionRepository, sender, PrometheusDeliveryMetrics(),
                            WorkerSettings(settings.retry, settings.delivery_batch, settings.delivery_concurrency,
                                           settings.lease_seconds, settings.poll_seconds,
                                           Retention(settings.delivered_retention_days, settings.event_log_retention_days,
                                                     settings.prune_interval_seconds)))
    try:
        await worker.run()
    finally:
        await sender.close()


app = create_service_app(
    "subscriptions",
    handlers=make_handlers(),
    routers=[subscriptions, feed, documents],
    background=(deliver_webhooks,),
    title="Yidi subscriptions",
    description="Bureaus' and hospitals' webhooks (CloudEvents, signed per Standard Webhooks) and pull feed "
                "of the events of their scope; the AsyncAPI document of every event.",
)
