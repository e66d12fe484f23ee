"""The claims repository over dicts (service_layer.repository.ClaimsRepository), and an intake that
decides each post at once, for unit tests of the handlers and use cases."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

from yidi_common.events import Envelope
from yidi_common.unit_of_work import Transaction
from yidi_grouper.domain.intake import Decision, NewVersion, StoredVersion
from yidi_grouper.domain.timeline import Stage, furthest_stages, moves_forward
from yidi_grouper.service_layer.intake import PostedList, accept_lists

START = datetime(2026, 11, 1, tzinfo=timezone.utc)


class FakeClaimsRepository:
    def __init__(self) -> None:
        self.stored: dict[str, list[dict]] = {}  # claim id -> its versions, oldest first
        self.current: dict[str, dict] = {}  # claim id -> the claim row
        self.timeline: list[dict] = []  # every recorded step, in order
        self._ticks = 0

    def _now(self) -> datetime:
        self._ticks += 1
        return START + timedelta(seconds=self._ticks)

    async def versions_for_update(self, claim_ids: list[str]) -> dict[str, list[StoredVersion]]:
        return {claim_id: [StoredVersion(v["version"], v["content_hash"], self._rejected(claim_id, v["version"]))
                           for v in self.stored.get(claim_id, [])] for claim_id in claim_ids}

    def _rejected(self, claim_id: str, version: int) -> bool:
        claim = self.current[claim_id]
        return claim["stage"] == "rejected" and claim["current_version"] == version

    async def add_versions(self, versions: list[NewVersion]) -> None:
        for v in versions:
            now = self._now()
            self.stored.setdefault(v.claim_id, []).append(
                {"version": v.version, "content_hash": v.content_hash, "received_at": now, "body": v.body})
            self.current[v.claim_id] = {
                "claim_id": v.claim_id, "hospital_code": v.hospital_code, "setl_id": v.setl_id,
                "treat_admdvs": v.treatment_region, "insu_admdvs": v.insured_region,
                "setl_period": v.settlement_month, "current_version": v.version, "stage": "submitted",
                "updated_at": now}

    async def record_stages(self, stages: list[Stage]) -> None:
        recorded = {step["event_id"] for step in self.timeline}
        for s in stages:
            if s.event_id not in recorded:
                recorded.add(s.event_id)
                self.timeline.append({"claim_id": s.claim_id, "version": s.version, "stage": s.stage,
                                      "event_id": s.event_id, "result": s.result, "at": self._now()})
        for (claim_id, version), stage in furthest_stages(stages).items():
            claim = self.current.get(claim_id)
            if claim and claim["current_version"] == version and moves_forward(claim["stage"], stage):
                claim.update(stage=stage, updated_at=self._now())

    async def claim(self, claim_id: str) -> dict | None:
        return dict(self.current[claim_id]) if claim_id in self.current else None

    async def versions(self, claim_id: str) -> list[dict]:
        return [{k: v[k] for k in ("version", "content_hash", "received_at")} for v in self.stored.get(claim_id, [])]

    async def version_body(self, claim_id: str, version: int) -> dict | None:
        return next((v["body"] for v in self.stored.get(claim_id, []) if v["version"] == version), None)

    async def current_lists(self, *, hospital_code: str, period: str, region: str | None, limit: int) -> list[dict]:
        claims = sorted((c for c in self.current.values() if c["hospital_code"] == hospital_code
                         and c["setl_period"].startswith(period) and self._in_scope(c, None, region)),
                        key=lambda c: c["claim_id"])[:limit]
        return [{"claim_id": c["claim_id"], "version": c["current_version"],
                 "settlement_list": await self.version_body(c["claim_id"], c["current_version"])} for c in claims]

    async def stages(self, claim_id: str) -> list[dict]:
        return [{k: step[k] for k in ("version", "stage", "result", "at")}
                for step in self.timeline if step["claim_id"] == claim_id]

    def _in_scope(self, claim: dict, hospital_code: str | None, region: str | None) -> bool:
        return hospital_code in (None, claim["hospital_code"]) and region in (None, claim["treat_admdvs"],
                                                                                claim["insu_admdvs"])

    async def claims(self, *, hospital_code: str | None, region: str | None, stage: str | None, limit: int,
                     offset: int) -> list[dict]:
        rows = [c for c in self.current.values()
                if self._in_scope(c, hospital_code, region) and stage in (None, c["stage"])]
        rows.sort(key=lambda c: c["claim_id"])
        rows.sort(key=lambda c: c["updated_at"], reverse=True)
        keys = ("claim_id", "hospital_code", "setl_id", "current_version", "stage", "updated_at")
        return [{k: c[k] for k in keys} for c in rows[offset:offset + limit]]

    async def stage_counts(self, *, hospital_code: str | None, region: str | None) -> dict[str, int]:
        return dict(Counter(c["stage"] for c in self.current.values() if self._in_scope(c, hospital_code, region)))

    async def rejection_counts(self, *, region: str | None) -> list[dict]:
        problems: Counter[tuple[str, str]] = Counter()
        claims: dict[tuple[str, str], set[str]] = {}
        for step in self.timeline:
            if step["stage"] == "rejected" and self._in_scope(self.current[step["claim_id"]], None, region):
                for p in step["result"]["problems"]:
                    problems[p["rule"], p["field"]] += 1
                    claims.setdefault((p["rule"], p["field"]), set()).add(step["claim_id"])
        return [{"rule": rule, "example_field": field, "problems": n, "claims": len(claims[rule, field])}
                for (rule, field), n in problems.most_common()]


class FakeIntake:
    """service_layer.intake.Intake deciding each post alone, on a fake repository; keeps what it emitted."""

    def __init__(self, repo: FakeClaimsRepository) -> None:
        self.repo = repo
        self.emitted: list[Envelope] = []

    async def submit(self, posted: PostedList) -> Decision:
        tx = Transaction(self.repo)
        [decision] = await accept_lists(tx, [posted])
        self.emitted += tx.emitted
        return decision
