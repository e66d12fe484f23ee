"""Objections (异议申诉, seed 004 二(一)(二)): a hospital objects to an item of a notice, a statement or an
audit flag within a window; the bureau of its treatment region accepts or rejects it with reasons.

    open --accept (bureau of the treatment region)--> accepted
    open --reject (bureau of the treatment region, reasons)--> rejected

Seed 004 accepts objections to the monthly notice and the quarterly announcement but sets no time
limit: the window is configuration, `WINDOW_DAYS` (15 days) by default, counted from when the target
was made known: a notice from its generation, a flag from when audit raised it, a monthly statement
from the end of its month. Every step is kept with the caller's role, token subject (a user id, never
a name) and time.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

WINDOW_DAYS = 15
TARGET_KINDS = ("notice", "statement", "flag")
DECISIONS = ("accepted", "rejected")


class ObjectionProblem(Exception):
    """Refused: `status` 403 (not the caller's), 404 (no such target), 409 (state or window), 422 (input);
    `problems` names each with a field path."""

    def __init__(self, status: int, problems: list[dict]):
        super().__init__("; ".join(p["message"] for p in problems))
        self.status, self.problems = status, problems


def problem(field: str, rule: str, message: str) -> dict:
    return {"field": field, "rule": rule, "message": message}


@dataclass(frozen=True, slots=True)
class Step:
    action: str  # filed | accepted | rejected | corrected
    role: str
    subject: str
    at: datetime
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Target:
    """What an objection is about, as the service knows it."""

    kind: str
    id: str
    hospitals: frozenset[str]  # hospitals that may object to it
    treatment_region: str
    known_from: datetime  # when it was made known: the window counts from here
    claim_id: str | None = None
    claim_version: int | None = None
    confirmed: bool = False  # a flag whose deduction audit published already


@dataclass(frozen=True, slots=True)
class Objection:
    id: str
    hospital_code: str
    treatment_region: str
    target_kind: str
    target_id: str
    reason: str
    documents: tuple[str, ...]
    filed_at: datetime
    window_closes: datetime
    status: str = "open"
    claim_id: str | None = None
    claim_version: int | None = None  # the claim's version when the objection was filed
    decided_at: datetime | None = None
    decision_reasons: str | None = None
    trail: tuple[Step, ...] = ()


def file_objection(objection_id: str, target: Target, *, hospital: str, subject: str, reason: str,
                   documents: list[str], at: datetime, open_ones: list[Objection],
                   window_days: int = WINDOW_DAYS) -> Objection:
    """Seed 004 二(一): a hospital's objection to a target it is named in, within the window."""
    if hospital not in target.hospitals:
        raise ObjectionProblem(403, [problem("target.id", "not-your-target",
                                             f"{target.kind} {target.id} does not concern hospital {hospital}")])
    problems = []
    if not reason.strip():
        problems.append(problem("reason", "required", "an objection needs its reason"))
    if problems:
        raise ObjectionProblem(422, problems)
    closes = target.known_from + timedelta(days=window_days)
    if at > closes:
        problems.append(problem("target.id", "objection-window-closed",
                                f"objections to {target.kind} {target.id} closed at {closes.isoformat()} "
                                f"({window_days} days after {target.known_from.isoformat()})"))
    if target.confirmed:
        problems.append(problem("target.id", "flag-confirmed",
                                f"flag {target.id} was confirmed and its deduction published: object to the statement"))
    same = [o for o in open_ones if o.claim_id == target.claim_id]
    if same:
        problems.append(problem("target", "objection-pending",
                                f"objection {same[0].id} on the same item is still open"))
    if problems:
        raise ObjectionProblem(409, problems)
    return Objection(
        id=objection_id, hospital_code=hospital, treatment_region=target.treatment_region, target_kind=target.kind,
        target_id=target.id, reason=reason.strip(), documents=tuple(documents), filed_at=at, window_closes=closes,
        claim_id=target.claim_id, claim_version=target.claim_version,
        trail=(Step("filed", "hospital", subject, at),),
    )


def decide(objection: Objection, *, decision: str, reasons: str, region: str, subject: str, at: datetime) -> Objection:
    """Seed 004 二(四): the bureau of the hospital's treatment region answers; a rejection gives its reasons."""
    if region != objection.treatment_region:
        raise ObjectionProblem(403, [problem("(path).id", "not-your-region",
                                             f"objection {objection.id} is decided by the bureau of {objection.treatment_region}")])
    problems = []
    if decision not in DECISIONS:
        problems.append(problem("decision", "enum", f"decision must be one of {', '.join(DECISIONS)}"))
    if decision == "rejected" and not reasons.strip():
        problems.append(problem("reasons", "required", "a rejection gives its reasons"))
    if problems:
        raise ObjectionProblem(422, problems)
    if objection.status != "open":
        raise ObjectionProblem(409, [problem("(path).id", "already-decided",
                                             f"objection {objection.id} was {objection.status} at {objection.decided_at}")])
    if at < objection.filed_at:
        at = objection.filed_at
    return replace(objection, status=decision, decided_at=at, decision_reasons=reasons.strip(),
                   trail=(*objection.trail, Step(decision, "bureau", subject, at, reasons.strip())))


def corrected_version(objection: Objection, current_version: int | None) -> int | None:
    """An accepted objection on a claim is corrected once a later version of the claim (the hospital's
    corrected settlement list) has gone through the chain: that version, else None."""
    if objection.status != "accepted" or objection.claim_id is None or current_version is None:
        return None
    return current_version if current_version > (objection.claim_version or 0) else None
