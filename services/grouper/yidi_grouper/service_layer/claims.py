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
                        limit: int, offset: int, scope_hospital: str | None = None, scope_region: str | None = None,
                        counts_only: bool = False) -> dict:
    """Claims by hospital and stage, and how many claims are at each stage, within the caller's scope:
    one hospital's claims (scope_hospital), or those treated or insured in a region (scope_region);
    the counts cover the whole scope. counts_only: no claims listed."""
    if scope_hospital is not None and hospital_code not in (None, scope_hospital):
        items = []  # another hospital's: nothing in scope
    elif counts_only:
        items = []
    else:
        items = await tx.repo.claims(hospital_code=hospital_code or scope_hospital, region=scope_region, stage=stage,
                                     limit=limit, offset=offset)
    counts = await tx.repo.stage_counts(hospital_code=scope_hospital, region=scope_region)
    return {"items": items, "stage_counts": counts}


async def rejections_by_rule(tx: Transaction[ClaimsRepository], *, region: str | None) -> dict:
    return {"rules": await tx.repo.rejection_counts(region=region)}


async def list_version(tx: Transaction[ClaimsRepository], claim_id: str, version: int) -> dict | None:
    """One stored version of a claim's list, as posted; None: no such version."""
    body = await tx.repo.version_body(claim_id, version)
    return None if body is None else {"claim_id": claim_id, "version": version, "settlement_list": body}
