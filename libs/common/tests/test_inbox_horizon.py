"""How long processed-event ids must be kept: as long as Kafka could deliver their events again."""
from datetime import timedelta

from yidi_common.inbox import redelivery_horizon

DAY_MS = str(24 * 3600 * 1000)


def topic(retention_ms: str = str(7 * 24 * 3600 * 1000), segment_ms: str = str(7 * 24 * 3600 * 1000),
          policy: str = "delete") -> dict[str, str]:
    return {"retention.ms": retention_ms, "segment.ms": segment_ms, "cleanup.policy": policy}


def test_retention_plus_a_segment_plus_a_day_of_the_longest_kept_topic():
    assert redelivery_horizon({"a": topic(), "b": topic(DAY_MS, DAY_MS)}) == timedelta(days=15)
    assert redelivery_horizon({"b": topic(DAY_MS, "3600000")}) == timedelta(days=2, hours=1)


def test_a_topic_kept_forever_keeps_the_whole_inbox():
    assert redelivery_horizon({"a": topic(), "b": topic("-1")}) is None
    assert redelivery_horizon({"a": topic(policy="compact")}) is None
    assert redelivery_horizon({"a": topic(policy="compact,delete")}) is None


def test_a_topic_kafka_did_not_describe_keeps_the_whole_inbox():
    assert redelivery_horizon({"a": topic(), "gone": None}) is None
    assert redelivery_horizon({"a": {"cleanup.policy": "delete", "segment.ms": DAY_MS}}) is None
