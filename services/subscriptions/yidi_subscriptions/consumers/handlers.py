"""The subscriptions service's event handlers, by event type."""
from yidi_common.messaging import Handler


def make_handlers() -> dict[str, Handler]:
    return {}
