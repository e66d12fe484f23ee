"""A claim's way down the chain: the steps later services report, and what hospitals read of it."""
from __future__ import annotations

from yidi_common.unit_of_work import Transaction

from ..domain.timeline import Stage
from .repository import ClaimsRepository


async def record_timeline(tx: Transaction[ClaimsRepository], stages: list[Stage]) -> None:
    """Steps reported downstream (priced, audit flag, posted)."""
    await tx.repo.record_stages(stages)


async def claim_status(tx: Transaction[ClaimsRepository], claim_id: str) -> dict | None:
    """Where a claim is, its versions and its timeline (each version's submission first); None: no such claim."""
    claim = await tx.repo.claim(claim_id)
    if claim is None:
        return None
    versions = await tx.repo.versions(claim_id)
    # a version's submission is its stored row; the timeline's other steps were recorded as they happened
    submitted = [{"version": v["version"], "stage": "submitted", "at": v["received_at"],
                  "result": {"supersedes_version": v["version"] - 1 if v["version"] > 1 else None}} for v in versions]
    timeline = sorted([*submitted, *await tx.repo.stages(claim_id)], key=lambda s: s["at"])
    return {**claim, "versions": versions, "timeline": timeline}


async def claim_listing(tx: Transaction[ClaimsRepository], *, hospital_code: str | None, stage: str | None,
                        limit: int, offset: int) -> dict:
    """Claims by hospital and stage, and how many claims are at each stage."""
    items = await tx.repo.claims(hospital_code=hospital_code, stage=stage, limit=limit, offset=offset)
    return {"items": items, "stage_counts": await tx.repo.stage_counts()}


async def rejections_by_rule(tx: Transaction[ClaimsRepository]) -> dict:
    return {"rules": await tx.repo.rejection_counts()}
