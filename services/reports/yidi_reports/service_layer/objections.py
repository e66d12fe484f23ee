"""Objections (seed 004): filed by a hospital on a notice item, a statement item or a flag, decided by the
bureau of its treatment region. A decision is published as objection.decided: audit withdraws an
accepted flag, this service's read model stops counting it; an accepted notice or statement item is
corrected by the hospital's next version of the claim, which the next report shows."""
from __future__ import annotations

import uuid
from datetime import datetime

from yidi_common.events import Envelope, new_event
from yidi_common.events.registry import OBJECTION_DECIDED
from yidi_common.events.v1 import ObjectionDecided
from yidi_common.unit_of_work import Transaction

from ..domain.indicators import CHINA
from ..domain.objections import WINDOW_DAYS, Objection, ObjectionProblem, Target, decide, file_objection, problem
from ..domain.periods import InvalidPeriod, Period
from .repository import ReportsRepository

SOURCE = "/yidi/reports"
NOTICE_KINDS = ("monthly-notice", "quarterly-announcement", "annual-report")


async def file(tx: Transaction[ReportsRepository], *, kind: str, target_id: str, item: str | None, hospital: str,
               subject: str, reason: str, documents: list[str], at: datetime,
               window_days: int = WINDOW_DAYS) -> Objection:
    target = await _target(tx, kind, target_id, item, hospital)
    objection = file_objection(f"OBJ-{uuid.uuid4().hex[:16]}", target, hospital=hospital, subject=subject,
                               reason=reason, documents=documents, at=at,
                               open_ones=await tx.repo.open_objections(kind, target_id), window_days=window_days)
    await tx.repo.save_objection(objection)
    return objection


async def decide_objection(tx: Transaction[ReportsRepository], objection_id: str, *, decision: str, reasons: str,
                           region: str, subject: str, at: datetime) -> Objection:
    found = await tx.repo.objection(objection_id, for_update=True)
    if found is None:
        raise ObjectionProblem(404, [problem("(path).id", "not-found", f"no objection {objection_id}")])
    decided = decide(found, decision=decision, reasons=reasons, region=region, subject=subject, at=at)
    await tx.repo.save_objection(decided)
    tx.emit(objection_decided(decided, subject))
    return decided


def objection_decided(objection: Objection, subject: str) -> Envelope:
    return new_event(
        type=OBJECTION_DECIDED, source=SOURCE, subject=objection.claim_id or objection.target_id,
        correlationid=objection.id, event_id=f"objection-decided:{objection.id}", time=objection.decided_at,
        payload=ObjectionDecided(
            objection_id=objection.id, target_kind=objection.target_kind, target_id=objection.target_id,
            claim_id=objection.claim_id, hospital_code=objection.hospital_code,
            treat_admdvs=objection.treatment_region, decision=objection.status, decided_at=objection.decided_at,
            decided_by=subject, reasons=objection.decision_reasons or ""),
    )


async def _target(tx: Transaction[ReportsRepository], kind: str, target_id: str, item: str | None,
                  hospital: str) -> Target:
    claim = None
    if item is not None:
        claim = await tx.repo.case(item)
        if claim is None or claim.hospital_code != hospital:
            raise ObjectionProblem(422, [problem("target.item", "unknown-item", f"hospital {hospital} has no claim {item}")])
    if kind == "flag":
        flag = await tx.repo.flag(target_id)
        if flag is None or flag.raised_at is None:
            raise ObjectionProblem(404, [problem("target.id", "not-found", f"no flag {target_id}")])
        current = await tx.repo.case(flag.claim_id)
        return Target(kind, target_id, frozenset({flag.hospital_code or ""}), flag.treatment_region or "",
                      flag.raised_at, flag.claim_id, current.version if current else flag.version,
                      confirmed=flag.confirmed_amount is not None)
    if kind == "notice":
        report = await tx.repo.report(target_id)
        if report is None or report.generated_at is None or report.kind not in NOTICE_KINDS:
            raise ObjectionProblem(404, [problem("target.id", "not-found", f"no generated notice {target_id}")])
        hospitals = frozenset((report.content or {}).get("hospitals", []))
        return Target(kind, target_id, hospitals, report.region, report.generated_at,
                      claim.claim_id if claim else None, claim.version if claim else None)
    if kind == "statement":
        region, _, month = target_id.partition("/")
        try:
            period = Period.parse(month)
        except InvalidPeriod:
            period = None
        if period is None or period.months != 1 or len(region) != 6 or not region.isdigit():
            raise ObjectionProblem(422, [problem("target.id", "statement-id",
                                                 "a statement is named <region>/<yyyy-mm>, e.g. 360100/2026-03")])
        hospitals = frozenset(h for r, h, m in await tx.repo.units() if r == region and m == month)
        known_from = datetime(period.end.year, period.end.month, 1, tzinfo=CHINA)
        return Target(kind, target_id, hospitals, region, known_from,
                      claim.claim_id if claim else None, claim.version if claim else None)
    raise ObjectionProblem(422, [problem("target.kind", "enum", "target.kind is notice, statement or flag")])


