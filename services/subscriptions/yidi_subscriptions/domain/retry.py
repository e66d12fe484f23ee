"""When a failed delivery is tried again: exponential backoff with jitter, bounded, then given up."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """base_seconds × 2^(failures − 1), at most max_seconds, each delay drawn in [½, 1] of that ("equal
    jitter": spread, yet never shorter than half the step); after `attempts` failed attempts the
    delivery is failed and kept for inspection and redelivery."""

    base_seconds: float = 2.0
    max_seconds: float = 3600.0
    attempts: int = 12

    def delay(self, failures: int, draw: float) -> float | None:
        """Seconds before the next attempt after `failures` failed ones (draw in [0, 1)), None: give up."""
        if failures >= self.attempts:
            return None
        step = min(self.max_seconds, self.base_seconds * 2 ** (failures - 1))
        return step * (0.5 + draw / 2)
