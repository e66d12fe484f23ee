"""A claim's timeline: each version's steps down the chain, and the one stage the claim is at."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# the stages a claim moves through, in order; it only moves forwards (an audit flag is recorded
# on the timeline but is not a stage of the claim)
STAGE_ORDER = ("submitted", "rejected", "grouped", "priced", "posted")


@dataclass(frozen=True)
class Stage:
    """One step of a claim version's timeline: the event that made it and the step's result."""

    claim_id: str
    version: int
    stage: str
    event_id: str
    result: dict[str, Any]


def furthest_stages(stages: list[Stage]) -> dict[tuple[str, int], str]:
    """(claim id, version) -> the furthest claim stage these steps reach; steps that are no stage left out."""
    furthest: dict[tuple[str, int], str] = {}
    for s in stages:
        if s.stage in STAGE_ORDER[1:]:
            key = (s.claim_id, s.version)
            if key not in furthest or STAGE_ORDER.index(s.stage) > STAGE_ORDER.index(furthest[key]):
                furthest[key] = s.stage
    return furthest


def moves_forward(current: str, new: str) -> bool:
    return STAGE_ORDER.index(current) < STAGE_ORDER.index(new)
