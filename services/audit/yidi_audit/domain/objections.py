"""An objection accepted on a flag (异议申诉, seed 004 二(一)(二)): the hospital objected, the bureau of the
claim's treatment region accepted (reports publishes objection.decided). The flag is withdrawn:

- raised / proposed / disputed (undecided): dismissed, by a step `objection-accepted` in its trail with
  the treatment region, the deciding bureau user's id, the time of the decision and the objection;
- confirmed: its deduction was published once and stands (reports refuses objections to a confirmed
  flag; a decision racing a confirmation is noted in the trail and changes nothing else);
- dismissed / closed, or already withdrawn by this objection: unchanged (a redelivered decision is a no-op).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .actors import ActorRole, aware
from .review import UNDECIDED, FlagStatus, Review, Transition

ACTION = "objection-accepted"


def withdraw_on_objection(review: Review, *, objection_id: str, user_id: str, at: datetime) -> Review | None:
    """The review after the accepted objection, or None when nothing changes."""
    reason = f"objection {objection_id} accepted by the treatment region"
    if any(t.action == ACTION and t.reason.startswith(reason) for t in review.transitions):
        return None
    if review.status not in UNDECIDED and review.status is not FlagStatus.CONFIRMED:
        return None
    at = max(aware(at), review.last_change)
    to_status = FlagStatus.DISMISSED if review.status in UNDECIDED else review.status
    if review.status is FlagStatus.CONFIRMED:
        reason += "; the flag was confirmed before, its deduction stands"
    step = Transition(ACTION, review.status, to_status, ActorRole.TREATMENT_REGION, review.treatment_region,
                      user_id, at, reason)
    return replace(review, status=to_status, transitions=(*review.transitions, step))
