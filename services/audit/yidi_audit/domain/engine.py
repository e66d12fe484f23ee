"""Run every enabled rule on one claim version.

One behaviour, one flag: when AUD-LOW-ADMISSION fires on a claim version, AUD-EARLY-DISCHARGE on the
same version is dropped (a stay that should not have been an admission was not cut short).
Findings are unique by flag id.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from .claims import ClaimFacts
from .findings import AuditFinding
from .params import AuditParams
from .rules import cost_shifting, early_discharge, lowered_admission, self_pay, split_admission, symptom_principal, upcoding
from .rules.common import RuleParams


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    evaluate: Callable[[ClaimFacts, Sequence[ClaimFacts], Any], list[AuditFinding]]
    params: Callable[[AuditParams], RuleParams]


RULES: tuple[Rule, ...] = tuple(
    Rule(module.RULE_ID, module.evaluate, attrgetter(name))
    for name, module in (
        ("split_admission", split_admission),
        ("upcoding", upcoding),
        ("lowered_admission", lowered_admission),
        ("cost_shifting", cost_shifting),
        ("early_discharge", early_discharge),
        ("self_pay", self_pay),
        ("symptom_principal", symptom_principal),
    )
)
RULE_IDS: tuple[str, ...] = tuple(r.rule_id for r in RULES)

SUPERSEDES: dict[str, frozenset[str]] = {lowered_admission.RULE_ID: frozenset({early_discharge.RULE_ID})}


def audit_claim(claim: ClaimFacts, history: Iterable[ClaimFacts], params: AuditParams) -> list[AuditFinding]:
    """Findings for `claim` (and, for history-based rules, for earlier claims it reveals), in rule order."""
    past = tuple(history)
    found: dict[str, AuditFinding] = {}
    for rule in RULES:
        rule_params = rule.params(params)
        if rule_params.enabled:
            for f in rule.evaluate(claim, past, rule_params):
                found.setdefault(f.flag_id, f)
    dropped = {(loser, f.claim_id, f.version) for f in found.values() for loser in SUPERSEDES.get(f.rule_id, ())}
    return [f for f in found.values() if (f.rule_id, f.claim_id, f.version) not in dropped]
