"""What the grouper's use cases need of storage: claims, their versions and their timelines."""
from __future__ import annotations

from typing import Protocol

from ..domain.intake import NewVersion, StoredVersion
from ..domain.timeline import Stage


class ClaimsRepository(Protocol):
    async def versions_for_update(self, claim_ids: list[str]) -> dict[str, list[StoredVersion]]:
        """Each claim's stored versions, oldest first (an empty list for a new claim); the claims stay
        locked against other intake processes until the transaction ends."""

    async def add_versions(self, versions: list[NewVersion]) -> None:
        """Stores new versions, in order: a claim's last one becomes its current version, at stage submitted."""

    async def record_stages(self, stages: list[Stage]) -> None:
        """Appends to the timelines (an event already recorded is skipped) and moves each claim's stage
        forward when the step is about its current version."""

    async def claim(self, claim_id: str) -> dict | None:
        """claim_id, hospital_code, setl_id, treat_admdvs, insu_admdvs, setl_period, current_version,
        stage, updated_at."""

    async def versions(self, claim_id: str) -> list[dict]:
        """version, content_hash, received_at of each stored version, oldest first."""

    async def version_body(self, claim_id: str, version: int) -> dict | None:
        """The list of one stored version as posted (personal fields readable); None: no such version."""

    async def stages(self, claim_id: str) -> list[dict]:
        """version, stage, result, at of each recorded step, in the order recorded."""

    async def claims(self, *, hospital_code: str | None, region: str | None, stage: str | None, limit: int,
                     offset: int) -> list[dict]:
        """claim_id, hospital_code, setl_id, current_version, stage, updated_at; most recently updated first.
        region: only claims treated or insured there."""

    async def stage_counts(self, *, hospital_code: str | None, region: str | None) -> dict[str, int]:
        """stage -> number of claims at it (of the hospital's, of those treated or insured in the region)."""

    async def rejection_counts(self, *, region: str | None) -> list[dict]:
        """rule, example_field, problems, claims: QC failures by rule over every rejected version (of claims
        treated or insured in the region), most first."""

    async def current_lists(self, *, hospital_code: str, period: str, region: str | None, limit: int) -> list[dict]:
        """claim_id, version and settlement_list (as posted, personal fields readable) of the current version of
        each of a hospital's claims whose setl_period starts with `period` (a month yyyy-mm or a year yyyy),
        by claim_id; region: only claims treated or insured there. At most `limit`."""
