"""The Kafka watchdog (yidi_common.kafka_watchdog): the process ends only when its own clients have gone
unanswered for the whole stall while a new client is answered; a broker down for everyone is waited out."""
from __future__ import annotations

import pytest

from yidi_common.kafka_watchdog import ClientsWedged, KafkaWatchdog


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def probe(answers: list[bool]):
    """A probe answering (True) or failing (False) in turn; counts its calls."""
    calls = []

    async def ask() -> None:
        calls.append(len(calls))
        if not answers[min(len(calls) - 1, len(answers) - 1)]:
            raise ConnectionError("no answer")

    ask.calls = calls
    return ask


async def test_wedged_own_clients_end_the_process_once_the_stall_has_passed_and_a_new_client_is_answered():
    clock = Clock()
    fresh = probe([True])
    watchdog = KafkaWatchdog(own=probe([False]), fresh=fresh, stall_seconds=120, every=15, clock=clock)
    for at in (0, 15, 60, 119):  # failing since t=0: 119 s is still within the stall, the new client not asked
        clock.now = 1000.0 + at
        await watchdog.check()
    assert fresh.calls == []
    clock.now = 1120.0
    with pytest.raises(ClientsWedged):
        await watchdog.check()
    assert len(fresh.calls) == 1


async def test_a_broker_nobody_reaches_is_waited_out():
    clock = Clock()
    fresh = probe([False])
    watchdog = KafkaWatchdog(own=probe([False]), fresh=fresh, stall_seconds=120, clock=clock)
    for at in (0, 120, 600, 3600):
        clock.now = 1000.0 + at
        await watchdog.check()  # no exit: a restart would mend nothing
    assert len(fresh.calls) == 3  # asked at 120, 600 and 3600 s


async def test_an_answer_starts_the_stall_again():
    clock = Clock()
    fresh = probe([True])
    own = probe([False, False, True, False, False])
    watchdog = KafkaWatchdog(own=own, fresh=fresh, stall_seconds=120, clock=clock)
    for at in (0, 100, 110, 200, 300):  # failing 0-100, answered at 110, failing again from 200: 100 s at 300
        clock.now = 1000.0 + at
        await watchdog.check()
    assert fresh.calls == [] and watchdog.failing_since == 1200.0
    clock.now = 1320.0
    with pytest.raises(ClientsWedged):
        await watchdog.check()


async def test_a_probe_that_hangs_counts_as_unanswered():
    import asyncio

    clock = Clock()

    async def hangs() -> None:
        await asyncio.sleep(3600)

    watchdog = KafkaWatchdog(own=hangs, fresh=probe([True]), stall_seconds=0, every=0.05, clock=clock)
    with pytest.raises(ClientsWedged):
        await watchdog.check()
