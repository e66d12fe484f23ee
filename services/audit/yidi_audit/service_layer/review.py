"""Joint review of a flag (DOMAIN.md §8): the treatment region proposes or withdraws, the insured region
confirms or disputes, the province resolves a dispute. A confirmation publishes the deduction clearing
applies (audit-flag.confirmed), once per finding (claim, rule): a flag is confirmed once, a second flag of
an already confirmed finding (stored before flags were carried across versions) is refused, and a
closed flag (a correction no longer shows its finding) refuses every step, naming why."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from yidi_common.unit_of_work import Transaction

from ..domain import review as decide
from ..domain.actors import Actor
from ..domain.deductions import deduction
from ..domain.errors import InvalidInput, InvalidTransition
from ..domain.review import FlagStatus, Review
from .events import flag_confirmed
from .repository import AuditRepository, NotFound


async def propose(tx: Transaction[AuditRepository], flag_id: str, actor: Actor, at: datetime, reason: str = "",
                  amount: Decimal | None = None) -> Review:
    return await _step(tx, flag_id, lambda r: decide.propose(r, actor, at, reason, amount))


async def withdraw(tx: Transaction[AuditRepository], flag_id: str, actor: Actor, at: datetime, reason: str) -> Review:
    return await _step(tx, flag_id, lambda r: decide.withdraw(r, actor, at, reason))


async def confirm(tx: Transaction[AuditRepository], flag_id: str, actor: Actor, at: datetime, reason: str = "",
                  amount: Decimal | None = None) -> Review:
    return await _step(tx, flag_id, lambda r: decide.confirm(r, actor, at, reason, amount))


async def dispute(tx: Transaction[AuditRepository], flag_id: str, actor: Actor, at: datetime, reason: str) -> Review:
    return await _step(tx, flag_id, lambda r: decide.dispute(r, actor, at, reason))


async def resolve(tx: Transaction[AuditRepository], flag_id: str, actor: Actor, at: datetime, upheld: bool | None,
                  reason: str, amount: Decimal | None = None) -> Review:
    def settle(r: Review) -> Review:
        if upheld is None:
            raise InvalidInput("resolve needs upheld: true or false")
        return decide.resolve(r, actor, at, upheld, reason, amount)
    return await _step(tx, flag_id, settle)


async def _step(tx: Transaction[AuditRepository], flag_id: str, step: Callable[[Review], Review]) -> Review:
    current = await tx.repo.load_review(flag_id, for_update=True)
    if current is None:
        raise NotFound("no such flag", flag_id=flag_id)
    updated = step(current)
    confirmed_now = updated.status is FlagStatus.CONFIRMED and current.status is not FlagStatus.CONFIRMED
    if confirmed_now:
        await _not_deducted_yet(tx, updated)
    await tx.repo.save_review(updated)
    if confirmed_now:
        owed = deduction(updated)
        if owed is not None:
            setl_id = updated.setl_id
            if not setl_id:  # flags stored before the review kept it
                claim = await tx.repo.claim_facts(owed.claim_id)
                setl_id = claim.setl_id if claim else ""
            tx.emit(flag_confirmed(owed, updated.rule_id, setl_id))
    return updated


async def _not_deducted_yet(tx: Transaction[AuditRepository], review: Review) -> None:
    for other in await tx.repo.claim_flags([review.claim_id], for_update=False):
        if other.flag_id != review.flag_id and other.rule_id == review.rule_id and other.status is FlagStatus.CONFIRMED:
            raise InvalidTransition(
                f"cannot confirm flag {review.flag_id}: its finding ({review.rule_id} on claim {review.claim_id}) "
                f"was confirmed as flag {other.flag_id} already and is deducted once")
