"""Joint review of an audit flag (seed 001 (八)) as a pure state machine.

    raised --propose (treatment region)--> proposed --confirm (insured region)--> confirmed
    raised --withdraw (treatment region, reason)--> dismissed
    proposed --dispute (insured region, reason)--> disputed
    disputed --resolve upheld (province, reason)--> confirmed
    disputed --resolve dismissed (province, reason)--> dismissed
    raised / proposed / disputed --(system, a correction without the finding)--> closed
    closed --(system, a later version with the finding again)--> raised

The acting region must be the claim's treatment region (its pool region for a 省本级 claim: `reviewing_region`),
its insured region, or its province (first two digits + 0000) respectively. Amounts are Decimal yuan to the fen: the proposed amount is at
most the suspected one, the confirmed amount at most the proposed one (both default to the bound).
Every transition records action, role, region, user, time and reason; times never go backwards.
Each function returns a new Review; a refused action raises an AuditDomainError subclass: a step on a
closed flag names why it was closed, a second confirm says the deduction was published already.
What corrections do to flags (carry, close, reopen) is in `corrections`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from yidi_common.money import to_fen

from .actors import Actor, ActorRole, aware, province_of, require_actor
from .errors import InvalidInput, InvalidTransition
from .findings import AuditFinding


class FlagStatus(StrEnum):
    RAISED = "raised"
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    DISMISSED = "dismissed"
    CLOSED = "closed"  # by the system: a correction no longer shows the finding (closed_reason says which)


UNDECIDED = frozenset({FlagStatus.RAISED, FlagStatus.PROPOSED, FlagStatus.DISPUTED})


@dataclass(frozen=True, slots=True)
class Transition:
    action: str
    from_status: FlagStatus
    to_status: FlagStatus
    role: ActorRole
    region: str
    user_id: str
    at: datetime
    reason: str
    amount: Decimal | None = None
    from_version: int | None = None  # system steps: the claim version the flag was on
    to_version: int | None = None  # ... and the version that caused the step


@dataclass(frozen=True, slots=True)
class Review:
    flag_id: str
    rule_id: str
    claim_id: str
    version: int
    hospital_code: str
    treatment_region: str
    insured_region: str
    suspected_amount: Decimal
    raised_at: datetime
    setl_id: str = ""  # of `version`; "" in flags stored before it was kept
    status: FlagStatus = FlagStatus.RAISED
    proposed_amount: Decimal | None = None
    confirmed_amount: Decimal | None = None
    confirmed_at: datetime | None = None
    closed_reason: str | None = None
    transitions: tuple[Transition, ...] = ()
    pool_region: str | None = None  # 省本级: the pool region, whose bureau proposes and withdraws

    @property
    def reviewing_region(self) -> str:
        """The bureau that reviews the claim as its treatment region (就医地): the pool region of a 省本级 claim
        (seed 000 二(一): 纳入省本级统筹区…医保支付管理), else the treatment region."""
        return self.pool_region or self.treatment_region

    @property
    def last_change(self) -> datetime:
        return self.transitions[-1].at if self.transitions else self.raised_at


def open_review(finding: AuditFinding, raised_at: datetime) -> Review:
    return Review(
        flag_id=finding.flag_id,
        rule_id=finding.rule_id,
        claim_id=finding.claim_id,
        version=finding.version,
        setl_id=finding.setl_id,
        hospital_code=finding.hospital_code,
        treatment_region=finding.treatment_region,
        insured_region=finding.insured_region,
        suspected_amount=finding.suspected_amount,
        raised_at=aware(raised_at),
        pool_region=finding.pool_region,
    )


def propose(review: Review, actor: Actor, at: datetime, reason: str = "", amount: Decimal | None = None) -> Review:
    _require_status(review, "propose", FlagStatus.RAISED)
    require_actor(actor, ActorRole.TREATMENT_REGION, review.reviewing_region, "propose")
    proposed = _amount(amount, review.suspected_amount, "suspected")
    return _move(review, "propose", FlagStatus.PROPOSED, actor, at, reason, proposed, proposed_amount=proposed)


def withdraw(review: Review, actor: Actor, at: datetime, reason: str) -> Review:
    _require_status(review, "withdraw", FlagStatus.RAISED)
    require_actor(actor, ActorRole.TREATMENT_REGION, review.reviewing_region, "withdraw")
    return _move(review, "withdraw", FlagStatus.DISMISSED, actor, at, _reason(reason, "withdraw"), None)


def confirm(review: Review, actor: Actor, at: datetime, reason: str = "", amount: Decimal | None = None) -> Review:
    _require_status(review, "confirm", FlagStatus.PROPOSED)
    require_actor(actor, ActorRole.INSURED_REGION, review.insured_region, "confirm")
    return _confirmed(review, "confirm", actor, at, reason, amount)


def dispute(review: Review, actor: Actor, at: datetime, reason: str) -> Review:
    _require_status(review, "dispute", FlagStatus.PROPOSED)
    require_actor(actor, ActorRole.INSURED_REGION, review.insured_region, "dispute")
    return _move(review, "dispute", FlagStatus.DISPUTED, actor, at, _reason(reason, "dispute"), None)


def resolve(review: Review, actor: Actor, at: datetime, upheld: bool, reason: str, amount: Decimal | None = None) -> Review:
    """The province settles a dispute: upheld confirms the finding, otherwise it is dismissed."""
    _require_status(review, "resolve", FlagStatus.DISPUTED)
    require_actor(actor, ActorRole.PROVINCE, province_of(review.treatment_region), "resolve")
    reason = _reason(reason, "resolve")
    if upheld:
        return _confirmed(review, "resolve", actor, at, reason, amount)
    if amount is not None:
        raise InvalidInput("resolve: a dismissed dispute takes no amount")
    return _move(review, "resolve", FlagStatus.DISMISSED, actor, at, reason, None)


def _confirmed(review: Review, action: str, actor: Actor, at: datetime, reason: str, amount: Decimal | None) -> Review:
    bound = review.proposed_amount if review.proposed_amount is not None else review.suspected_amount
    confirmed = _amount(amount, bound, "proposed")
    moved = _move(review, action, FlagStatus.CONFIRMED, actor, at, reason, confirmed, confirmed_amount=confirmed)
    return replace(moved, confirmed_at=moved.last_change)


def _move(
    review: Review,
    action: str,
    to_status: FlagStatus,
    actor: Actor,
    at: datetime,
    reason: str,
    amount: Decimal | None,
    **changes: object,
) -> Review:
    at = aware(at)
    if at < review.last_change:
        raise InvalidInput(f"{action} at {at.isoformat()} is before the flag's last change {review.last_change.isoformat()}")
    step = Transition(action, review.status, to_status, actor.role, actor.region, actor.user_id, at, reason.strip(), amount)
    return replace(review, status=to_status, transitions=(*review.transitions, step), **changes)


def _require_status(review: Review, action: str, expected: FlagStatus) -> None:
    if review.status is not expected:
        state = review.status.value
        if review.status is FlagStatus.CLOSED:
            state += f" ({review.closed_reason})"
        elif review.status is FlagStatus.CONFIRMED:
            state += " (its deduction was published once)"
        raise InvalidTransition(f"cannot {action} flag {review.flag_id}: it is {state}, {action} needs {expected.value}")


def _amount(amount: Decimal | None, bound: Decimal, bound_name: str) -> Decimal:
    if amount is None:
        return bound
    if amount != to_fen(amount):
        raise InvalidInput(f"amount {amount} is not to the fen (0.01)")
    if not Decimal(0) <= amount <= bound:
        raise InvalidInput(f"amount {amount} must be between 0.00 and the {bound_name} amount {bound}")
    return to_fen(amount)


def _reason(reason: str, action: str) -> str:
    if not reason.strip():
        raise InvalidInput(f"{action} needs a reason")
    return reason

