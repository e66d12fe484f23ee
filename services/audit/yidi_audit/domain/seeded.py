"""Seeded violations for the demo workload: recipes that turn a clean claim description into claims
that fire exactly one rule once.

A claim description is the plain dict the workload generator turns into a settlement list; recipes
read and write these keys and copy every other key unchanged (the input is never modified):

    hospital_code, psn_no: str
    adm_time, dscg_time: datetime (time-zone aware); los: int; dscg_way: str ("1" 医嘱离院 ...)
    principal_diagnosis: str; other_diagnoses: list[str]; procedures: list[str]
    fee_by_category: dict[str, Decimal]   (T is their sum; recipes keep each amount to the fen)
    fulamt_ownpay, psn_ownpay: Decimal    (自费; the generator pays them from the patient, not the fund)

`GroupContext` tells a recipe what the generator knows about the clean case's DRG in its treatment
region (the same averages the audit service gives the rules). A recipe returns the claims to submit
in order; `Recipe.flagged` is the index of the one its rule flags, the others stay silent.

A clean case stays silent under default parameters when: LOS >= 3 and >= 0.5 x group average LOS,
dscg_way 1; it prices as a normal case; categories 03/04/08/09/10/11 make up >= 30 % of T; self-pay
<= 5 % of T; the principal diagnosis is not a symptom code (R); no MCC/CC lifts it to a DRG ending
1/3 while T and LOS are at or below the lower split's averages; and the same person has no related
admission within 31 days (simplest: one clean case per psn_no).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from yidi_common.money import to_fen

from .params import AuditParams
from .rules import cost_shifting, early_discharge, lowered_admission, self_pay, split_admission, symptom_principal, upcoding

Description = dict[str, Any]
HEADROOM = Decimal("0.6")  # how far past a threshold a recipe goes, so rounding never decides
SELF_PAY_MARGIN = Decimal("0.05")
TREATMENT_CATEGORY = "05"  # where cost-shifted amounts reappear, keeping T unchanged


@dataclass(frozen=True, slots=True)
class GroupContext:
    group_avg_cost: Decimal
    group_avg_los: Decimal
    group_avg_fee_share: Mapping[str, Decimal] | None = None
    complication_code: str | None = None  # upcoding: an MCC/CC that counts for the principal diagnosis
    symptom_code: str = "R10.400"  # symptom principal: 腹痛


@dataclass(frozen=True, slots=True)
class Recipe:
    rule_id: str
    summary: str
    apply: Callable[[Description, GroupContext], list[Description]]
    flagged: int  # index of the returned claim the rule flags


def violation_recipes(params: AuditParams = AuditParams()) -> tuple[Recipe, ...]:
    """One recipe per rule, for the treatment region's parameters."""
    return (
        Recipe(split_admission.RULE_ID, "readmission to the same hospital, same diagnosis, half the window later",
               lambda d, ctx: split_readmission(d, params), 1),
        Recipe(upcoding.RULE_ID, "adds the context's MCC/CC, cost and LOS held at the lower split's averages",
               lambda d, ctx: upcoded(d, ctx, params), 0),
        Recipe(lowered_admission.RULE_ID, "outpatient-type diagnosis kept max_los days at 30 % of the group cost",
               lambda d, ctx: [lowered(d, ctx, params)], 0),
        Recipe(cost_shifting.RULE_ID, "drugs/materials/tests cut to half the threshold share, T unchanged",
               lambda d, ctx: [shifted(d, ctx, params)], 0),
        Recipe(early_discharge.RULE_ID, "stay cut below the readmitted fraction, related readmission after the split window",
               lambda d, ctx: early_discharged(d, ctx, params), 0),
        Recipe(self_pay.RULE_ID, "self-pay raised to max_share + 5 % of T",
               lambda d, ctx: [self_paid(d, params)], 0),
        Recipe(symptom_principal.RULE_ID, "a symptom code becomes principal, the specific diagnosis moves to the others",
               lambda d, ctx: [symptom_first(d, ctx, params)], 0),
    )


def split_readmission(clean: Description, params: AuditParams) -> list[Description]:
    p = params.split_admission
    if clean["principal_diagnosis"].upper().startswith(p.excluded_principal_prefixes):
        raise ValueError(f"{clean['principal_diagnosis']} is excluded from split admission")
    first = dict(clean, dscg_way="1")
    return [first, _readmitted(first, clean, p.window_days // 2)]


def upcoded(clean: Description, ctx: GroupContext, params: AuditParams) -> list[Description]:
    p = params.upcoding
    if not ctx.complication_code:
        raise ValueError("upcoding needs GroupContext.complication_code: an MCC/CC that counts for the principal")
    out = dict(clean, other_diagnoses=[*clean["other_diagnoses"], ctx.complication_code])
    out = _costing_at_most(out, p.max_cost_ratio * ctx.group_avg_cost * Decimal("0.95"))
    return [_with_los(out, min(clean["los"], math.floor(p.max_los_ratio * ctx.group_avg_los)))]


def lowered(clean: Description, ctx: GroupContext, params: AuditParams) -> Description:
    p = params.lowered_admission
    if lowered_admission.outpatient_code(clean["principal_diagnosis"], p) is None:
        raise ValueError(f"{clean['principal_diagnosis']} is not on the outpatient-treatable list")
    out = _with_los(clean, p.max_los)
    return _costing(out, to_fen(ctx.group_avg_cost * p.max_cost_share * HEADROOM))


def shifted(clean: Description, ctx: GroupContext, params: AuditParams) -> Description:
    p = params.cost_shifting
    if clean["los"] < p.min_los:
        raise ValueError(f"cost shifting needs LOS >= {p.min_los}")
    fees = dict(clean["fee_by_category"])
    total = sum(fees.values(), Decimal(0))
    in_rule = {c: a for c, a in fees.items() if c in p.categories and a > 0}
    threshold, _ = cost_shifting.share_threshold(ctx.group_avg_fee_share, p)
    factor = threshold * HEADROOM * total / sum(in_rule.values(), Decimal(0))
    for category, amount in in_rule.items():
        fees[category] = to_fen(amount * factor)
    fees[TREATMENT_CATEGORY] = fees.get(TREATMENT_CATEGORY, Decimal(0)) + total - sum(fees.values(), Decimal(0))
    return dict(clean, fee_by_category=fees)


def early_discharged(clean: Description, ctx: GroupContext, params: AuditParams) -> list[Description]:
    p, split_window = params.early_discharge, params.split_admission.window_days
    if split_window >= p.readmission_days:
        raise ValueError("the split-admission window must be shorter than the early-discharge readmission window")
    los = math.ceil(p.readmitted_stay_fraction * ctx.group_avg_los) - 1
    if los < 1:
        raise ValueError(f"group average LOS {ctx.group_avg_los} is too short to cut a stay")
    short = dict(_with_los(clean, los), dscg_way="1")
    gap = (split_window + 1 + p.readmission_days) // 2
    return [short, _readmitted(short, clean, gap)]


def self_paid(clean: Description, params: AuditParams) -> Description:
    p = params.self_pay
    total = sum(clean["fee_by_category"].values(), Decimal(0))
    amount = max(to_fen(total * (p.max_share + SELF_PAY_MARGIN)), to_fen(p.min_amount))
    if amount > total:
        raise ValueError(f"T {total} is too small for a self-pay of at least {p.min_amount}")
    return dict(clean, fulamt_ownpay=amount, psn_ownpay=amount)


def symptom_first(clean: Description, ctx: GroupContext, params: AuditParams) -> Description:
    principal = clean["principal_diagnosis"]
    if principal.upper().startswith(params.symptom_principal.non_specific_prefixes):
        raise ValueError(f"{principal} is not a specific diagnosis")
    return dict(clean, principal_diagnosis=ctx.symptom_code, other_diagnoses=[principal, *clean["other_diagnoses"]])


def _readmitted(previous: Description, clean: Description, gap_days: int) -> Description:
    """The clean stay again, admitted gap_days after `previous` was discharged."""
    adm = previous["dscg_time"] + timedelta(days=gap_days)
    return dict(clean, adm_time=adm, dscg_time=adm + (clean["dscg_time"] - clean["adm_time"]))


def _with_los(d: Description, los: int) -> Description:
    return dict(d, los=los, dscg_time=d["adm_time"] + timedelta(days=los))


def _costing_at_most(d: Description, cap: Decimal) -> Description:
    total = sum(d["fee_by_category"].values(), Decimal(0))
    return d if total <= cap else _costing(d, to_fen(cap))


def _costing(d: Description, target: Decimal) -> Description:
    """Every fee and self-pay scaled so that T is exactly `target`; the fen residue goes to the largest fee."""
    fees: dict[str, Decimal] = d["fee_by_category"]
    total = sum(fees.values(), Decimal(0))
    factor = target / total
    scaled = {c: to_fen(a * factor) for c, a in fees.items()}
    largest = max(scaled, key=lambda c: scaled[c])
    scaled[largest] += target - sum(scaled.values(), Decimal(0))
    return dict(
        d,
        fee_by_category=scaled,
        fulamt_ownpay=to_fen(d.get("fulamt_ownpay", Decimal(0)) * factor),
        psn_ownpay=to_fen(d.get("psn_ownpay", Decimal(0)) * factor),
    )
