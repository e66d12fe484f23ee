"""Ends the process when its Kafka clients stop talking to a broker that answers a new client.

aiokafka's clients do not always recover from a broker restart (robinhood/faust#99). `make soak` met it: after
the broker came back, the budget service's consumer fetched nothing for 15 minutes, every ListOffsets request
timing out, while the other services' clients had reconnected; the process stayed up and healthy-looking.
Every `every` seconds the watchdog asks the broker something through the service's own clients. After
`stall_seconds` of failures it asks through a new client: if that one is answered, the service's clients are
wedged and `check` raises ClientsWedged, which ends the process (runtime's crash on a failed background task);
its supervisor (deploy/local/services.sh, the kubelet) starts it again and the inbox skips whatever is
delivered a second time. While the broker answers no one, it waits.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

log = structlog.get_logger()

Probe = Callable[[], Awaitable[object]]


class ClientsWedged(Exception):
    """The broker answers a new client but not this process's own ones."""


@dataclass
class KafkaWatchdog:
    own: Probe  # through the service's consumer and producer
    fresh: Probe  # through a client made for the question
    stall_seconds: float = 120.0
    every: float = 15.0
    clock: Callable[[], float] = time.monotonic
    failing_since: float | None = None

    async def check(self) -> None:
        try:
            await asyncio.wait_for(self.own(), self.every)
            if self.failing_since is not None:
                log.info("kafka clients answered again", after_seconds=round(self.clock() - self.failing_since))
            self.failing_since = None
            return
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the client raises, it did not answer
            now = self.clock()
            if self.failing_since is None:
                self.failing_since = now
                log.warning("kafka clients not answered", error=repr(exc))
            if now - self.failing_since < self.stall_seconds:
                return
        try:
            await asyncio.wait_for(self.fresh(), self.every)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the broker answers no one: nothing a restart would mend
            return
        raise ClientsWedged(f"own clients unanswered for {self.clock() - self.failing_since:.0f} s, a new one answered")

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            await self.check()
