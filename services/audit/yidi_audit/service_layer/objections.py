"""Objection decisions published by reports (objection.decided): an accepted one on a flag withdraws it."""
from __future__ import annotations

from datetime import datetime

from yidi_common.unit_of_work import Transaction

from ..domain.objections import withdraw_on_objection
from .repository import AuditRepository


async def apply_objection_decided(tx: Transaction[AuditRepository], *, target_kind: str, flag_id: str, decision: str,
                                  objection_id: str, user_id: str, at: datetime) -> None:
    if decision != "accepted" or target_kind != "flag":
        return
    review = await tx.repo.load_review(flag_id, for_update=True)
    if review is None:
        return  # not a flag of this audit (another stack's, or never raised): nothing to withdraw
    withdrawn = withdraw_on_objection(review, objection_id=objection_id, user_id=user_id, at=at)
    if withdrawn is not None:
        await tx.repo.save_review(withdrawn)
