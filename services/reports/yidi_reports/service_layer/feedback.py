"""Feedback rounds (seed 004 二(四)): hospitals submit items while a round collects, the bureau of each
hospital's region answers them; a reference names one of the hospital's reports or flags."""
from __future__ import annotations

import uuid
from datetime import datetime

from yidi_common.unit_of_work import Transaction

from ..domain.feedback import FeedbackCalendar, FeedbackItem, FeedbackProblem, Reference, answer, submit
from ..domain.objections import problem
from .repository import ReportsRepository


async def submit_item(tx: Transaction[ReportsRepository], *, hospital: str, region: str | None, subject: str,
                      topic: str, text: str, reference: Reference | None, at: datetime,
                      calendar: FeedbackCalendar) -> FeedbackItem:
    item = submit(f"FB-{uuid.uuid4().hex[:16]}", hospital=hospital, region=region, subject=subject, topic=topic,
                  text=text, reference=reference, at=at, calendar=calendar)
    if reference is not None and not await _refers_to_own(tx, reference, hospital, item.region):
        raise FeedbackProblem(422, [problem("reference.id", "unknown-reference",
                                            f"hospital {hospital} has no {reference.kind} {reference.id}")])
    await tx.repo.save_feedback_item(item)
    return item


async def answer_item(tx: Transaction[ReportsRepository], item_id: str, *, region: str, subject: str, text: str,
                      at: datetime) -> FeedbackItem:
    found = await tx.repo.feedback_item(item_id, for_update=True)
    if found is None:
        raise FeedbackProblem(404, [problem("(path).id", "not-found", f"no feedback item {item_id}")])
    answered = answer(found, region=region, subject=subject, text=text, at=at)
    await tx.repo.save_feedback_item(answered)
    return answered


async def _refers_to_own(tx: Transaction[ReportsRepository], reference: Reference, hospital: str, region: str) -> bool:
    """A flag on one of the hospital's claims; a generated report of the hospital's or of its region."""
    if reference.kind == "flag":
        flag = await tx.repo.flag(reference.id)
        return flag is not None and flag.hospital_code == hospital
    report = await tx.repo.report(reference.id)
    return (report is not None and report.generated_at is not None
            and (report.hospital == hospital or (not report.hospital and report.region == region)))
