"""Who may receive which event (issue 15, item 2): the regions and the hospital each event concerns,
read from its payload, and a subscriber's scope, taken from its token (never from a parameter).

- a bureau (token `admdvs` = R) receives the events of claims treated in R or insured in R (a bureau is
  both the treatment-region and the insured-region bureau of its region), and R's own books: budget
  alerts of R's budgets, ledger entries with an account of R, R's annual clearing;
- the province receives everything;
- a hospital receives its own lists' outcomes only: rejections (with the QC problems), groupings and
  prices of lists it posted, and the decisions on its own objections and special-case (特例单议)
  applications (`HOSPITAL_TYPES`);
- operations and analysts receive nothing (ops manage subscriptions and deliveries; analysts read
  de-identified figures elsewhere: events carry each claim's `psn_no`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from yidi_common.events.registry import (
    ANNUAL_CLEARED,
    AUDIT_FLAG_CONFIRMED,
    AUDIT_FLAG_RAISED,
    BUDGET_ALERT,
    EVENT_TYPES,
    LEDGER_POSTED,
    OBJECTION_DECIDED,
    PAYMENT_PRICED,
    SETTLEMENT_LIST_GROUPED,
    SETTLEMENT_LIST_REJECTED,
    SETTLEMENT_LIST_SUBMITTED,
    SPECIAL_CASE_DECIDED,
)

SUBSCRIBABLE: tuple[str, ...] = EVENT_TYPES  # every published type; dead letters are no event type
HOSPITAL_TYPES: frozenset[str] = frozenset({SETTLEMENT_LIST_REJECTED, SETTLEMENT_LIST_GROUPED, PAYMENT_PRICED,
                                           OBJECTION_DECIDED, SPECIAL_CASE_DECIDED})
_REGION = re.compile(r"^\d{6}$")


class NoScope(Exception):
    """The caller's role receives no events."""


@dataclass(frozen=True, slots=True)
class Concerns:
    """What an event is about: the regions whose bureaus see it and the hospital that may see it."""

    regions: frozenset[str]
    hospital: str | None = None


def concerns(event_type: str, data: dict[str, Any]) -> Concerns:
    """The regions and hospital an event concerns, from its payload (every version of the type).

    Claim events: the claim's treatment and insured regions and its hospital. budget.alert: the
    region of the budget (its pool's treatment region, or the insured region). ledger.posted: every
    region one of its lines books to (accounts are `<region>:…`; the province's book `province:…:<region>`
    names the region it faces), so a cross-region claim's entry reaches both regions.
    clearing.annual-cleared: the cleared treatment region. objection.decided: the treatment region whose
    bureau decided it and the hospital that objected (its payload names no insured region)."""
    if event_type == SETTLEMENT_LIST_SUBMITTED:
        info = data["settlement_list"]["setlinfo"]
        return _claim(info["treat_admdvs"], info["insu_admdvs"], info["fixmedins_code"])
    if event_type in (SETTLEMENT_LIST_GROUPED, PAYMENT_PRICED):
        claim = data["claim"]
        return _claim(claim["treat_admdvs"], claim["insu_admdvs"], claim["hospital_code"])
    if event_type in (SETTLEMENT_LIST_REJECTED, AUDIT_FLAG_RAISED, AUDIT_FLAG_CONFIRMED, SPECIAL_CASE_DECIDED):
        return _claim(data["treat_admdvs"], data["insu_admdvs"], data["hospital_code"])
    if event_type == OBJECTION_DECIDED:
        return Concerns(frozenset({data["treat_admdvs"]}), data["hospital_code"])
    if event_type in (BUDGET_ALERT, ANNUAL_CLEARED):
        return Concerns(frozenset({data["region"]}))
    if event_type == LEDGER_POSTED:
        return Concerns(frozenset(part for line in data["lines"] for part in line["account"].split(":")
                                  if _REGION.match(part)))
    raise LookupError(f"no scope rule for event type {event_type}")


def _claim(treatment_region: str, insured_region: str, hospital: str) -> Concerns:
    return Concerns(frozenset({treatment_region, insured_region}), hospital)


@dataclass(frozen=True, slots=True)
class Scope:
    """A subscriber's scope, fixed from its token when it subscribes or pulls."""

    role: str  # bureau | province | hospital
    region: str | None = None
    hospital: str | None = None

    @classmethod
    def of(cls, role: str, region: str | None, hospital: str | None) -> "Scope":
        if role == "province":
            return cls("province")
        if role == "bureau" and region:
            return cls("bureau", region=region)
        if role == "hospital" and hospital:
            return cls("hospital", hospital=hospital)
        raise NoScope(f"role {role} receives no events")

    @property
    def types(self) -> tuple[str, ...]:
        """The event types it may receive."""
        return tuple(t for t in SUBSCRIBABLE if self.role != "hospital" or t in HOSPITAL_TYPES)

    def admits(self, event_type: str, about: Concerns) -> bool:
        if event_type not in self.types:
            return False
        if self.role == "province":
            return True
        if self.role == "bureau":
            return self.region in about.regions
        return about.hospital is not None and about.hospital == self.hospital

    def type_problems(self, types: list[str], field: str = "types") -> list[dict]:
        """Every requested type it may not subscribe to, named with its path (an empty list is a problem too)."""
        problems = [] if types else [{"field": field, "rule": "empty", "message": "name at least one event type"}]
        for i, event_type in enumerate(types):
            if event_type not in SUBSCRIBABLE:
                problems.append({"field": f"{field}[{i}]", "rule": "unknown_event_type",
                                 "message": f"{event_type!r} is not an event type; known: {', '.join(SUBSCRIBABLE)}"})
            elif event_type not in self.types:
                problems.append({"field": f"{field}[{i}]", "rule": "outside_scope",
                                 "message": f"a {self.role} may not receive {event_type}; it may receive "
                                            f"{', '.join(self.types)}"})
        return problems
