"""Versioned integration-event contracts: a CloudEvents envelope plus a Pydantic payload per (type, version).

Never change a published payload version in a breaking way: add a new version beside it.
"""
from .envelope import Envelope, deterministic_event_id, new_event
from .registry import EVENT_TYPES, dead_letter_topic, payload_model, topic_for

__all__ = ["Envelope", "new_event", "deterministic_event_id", "EVENT_TYPES", "topic_for", "dead_letter_topic", "payload_model"]
