"""One finding, one flag, one deduction: what a new version of a claim does to the claim's flags.

A finding is (claim_id, rule_id). A claim has one flag per rule whatever its versions, so a finding
is confirmed, and deducted (audit-flag.confirmed, keyed by flag id), at most once. When version V of
a claim is audited (a correction priced V, superseding V-1; or a person's claim arriving later
re-audits the stored V), the rules' findings on V meet the claim's flags:

- the rule fires on V and the claim has a flag for it on an earlier version: no new flag; the flag
  keeps its id and is carried to V (its version and setl_id become V's):
  - raised / proposed / disputed (undecided): the status stays; suspected amount, severity and
    evidence follow V; a proposed amount above the new suspected one is lowered to it;
  - confirmed: the decision, amounts and evidence stand; its deduction was published once and no
    second audit-flag.confirmed is ever emitted for the finding;
  - dismissed: stays dismissed, with the evidence it was dismissed on;
  - closed: reopened as raised with V's amount and evidence (the earlier proposal is dropped).
- the rule does not fire on V, and V is a correction priced now:
  - raised / proposed / disputed: closed, reason "superseded by version V: finding no longer
    present"; any later review step on it is refused naming that reason (HTTP 409);
  - confirmed: stays confirmed on its version: the deduction stands, once; the trail notes V;
  - dismissed / closed: unchanged.
- the rule fires on V and the claim has no flag for it: a new flag is raised, as for a first version.
- a flag already on V or a later version is left alone: a version arriving late changes nothing.

Each carry, close, reopen or note is a system transition in the flag's trail (role system, user
yidi-audit, from_version -> to_version, at the audit time but never before the flag's last change),
and happens once per flag and version, so a redelivered batch changes nothing. Flags stored before
this rule may hold two flags for one finding: the confirmed one (else the latest) is carried, the
other undecided ones are closed as duplicates.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from .actors import ActorRole, aware
from .findings import AuditFinding
from .review import UNDECIDED, FlagStatus, Review, Transition

SYSTEM_USER = "yidi-audit"


@dataclass(frozen=True, slots=True)
class FlagChange:
    review: Review
    finding: AuditFinding | None = None  # set when the flag now shows this finding's severity and evidence


@dataclass(frozen=True, slots=True)
class Reconciled:
    raised: tuple[AuditFinding, ...]  # new flags
    changed: tuple[FlagChange, ...]  # existing flags carried, reopened, closed or noted


def superseded_reason(version: int) -> str:
    return f"superseded by version {version}: finding no longer present"


def reconcile(flags: Iterable[Review], findings: Iterable[AuditFinding], at: datetime,
              correction: int | None = None) -> Reconciled:
    """One claim's stored flags against its findings on its current version V (all of them, when
    `correction` is V: the version priced now, whose missing findings close open flags)."""
    by_rule: dict[str, list[Review]] = {}
    for review in flags:
        by_rule.setdefault(review.rule_id, []).append(review)
    raised: list[AuditFinding] = []
    changed: list[FlagChange] = []
    fired = {f.rule_id: f for f in findings}
    for rule_id, found in fired.items():
        existing = by_rule.get(rule_id)
        if not existing:
            raised.append(found)
            continue
        primary, *others = sorted(existing, key=lambda r: (r.status is not FlagStatus.CONFIRMED, -r.version, r.flag_id))
        carried = carry(primary, found, at)
        if carried is not None:
            changed.append(carried)
        for other in others:
            if other.status in UNDECIDED and other.version <= found.version:
                reason = f"duplicate of flag {primary.flag_id} for the same finding"
                changed.append(FlagChange(_closed(other, found.version, at, reason)))
    if correction is not None:
        for rule_id, existing in by_rule.items():
            if rule_id not in fired:
                changed += [FlagChange(r) for r in (absent(r, correction, at) for r in existing) if r is not None]
    return Reconciled(tuple(raised), tuple(changed))


def carry(review: Review, found: AuditFinding, at: datetime) -> FlagChange | None:
    """The flag of `found`'s rule and claim, carried to found.version (None if it is there already)."""
    if review.version >= found.version:
        return None
    span = f"version {review.version} to version {found.version}"
    moved = {"version": found.version, "setl_id": found.setl_id}
    if review.status is FlagStatus.CLOSED:
        reason = f"reopened in version {found.version}: finding present again"
        reopened = _system(review, "reopen", FlagStatus.RAISED, at, reason, found.suspected_amount, found.version,
                           suspected_amount=found.suspected_amount, proposed_amount=None, closed_reason=None, **moved)
        return FlagChange(reopened, found)
    if review.status in UNDECIDED:
        proposed = review.proposed_amount
        reason = f"carried from {span}: finding present again, suspected {review.suspected_amount} -> {found.suspected_amount}"
        if proposed is not None and proposed > found.suspected_amount:
            proposed = found.suspected_amount
            reason += f", proposed amount lowered to {proposed}"
        carried = _system(review, "carry", review.status, at, reason, found.suspected_amount, found.version,
                          suspected_amount=found.suspected_amount, proposed_amount=proposed, **moved)
        return FlagChange(carried, found)
    decision = (f"the confirmed deduction of {review.confirmed_amount} stands, deducted once"
                if review.status is FlagStatus.CONFIRMED else "stays dismissed")
    return FlagChange(_system(review, "carry", review.status, at, f"carried from {span}: finding present again; {decision}",
                              None, found.version, **moved))


def absent(review: Review, version: int, at: datetime) -> Review | None:
    """The flag when correction `version` no longer shows its finding (None if nothing changes)."""
    if review.version >= version:
        return None
    if review.status in UNDECIDED:
        return _closed(review, version, at, superseded_reason(version))
    if review.status is FlagStatus.CONFIRMED and not any(
        t.action == "keep" and t.to_version == version for t in review.transitions
    ):
        reason = (f"version {version} no longer shows the finding; the confirmed deduction of "
                  f"{review.confirmed_amount} stands, deducted once")
        return _system(review, "keep", FlagStatus.CONFIRMED, at, reason, None, version)
    return None


def _closed(review: Review, version: int, at: datetime, reason: str) -> Review:
    return _system(review, "close", FlagStatus.CLOSED, at, reason, None, version, closed_reason=reason)


def _system(review: Review, action: str, to_status: FlagStatus, at: datetime, reason: str, amount: Decimal | None,
            to_version: int, **changes: object) -> Review:
    at = max(aware(at), review.last_change)  # the trail's times never go backwards
    step = Transition(action, review.status, to_status, ActorRole.SYSTEM, "", SYSTEM_USER, at, reason, amount,
                      review.version, to_version)
    return replace(review, status=to_status, transitions=(*review.transitions, step), **changes)
