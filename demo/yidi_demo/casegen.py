"""Realistic cases drawn from the scheme itself, seedable and deterministic.

Each case targets an ADRG (round-robin first, so every ADRG is drawn, then at random) and
is built to satisfy one of its rule conditions: principal diagnosis from its list, main
procedure or procedure groups from its lists, newborn age/weight windows, trauma in two
body regions for MDCZ, ventilation hours for AH1. Complications follow a realistic mix
(none / CC / MCC), ages and sexes follow the MDC, LOS is long-tailed, a few patients die
or are transferred, and a small share carries an unrelated operating-room procedure
(ambiguous groups). Cases are plain dicts with the CLI's input fields.
"""
from __future__ import annotations

import random
from collections.abc import Iterator

from yidi_grouper.domain.qc import INFANT_DAYS, fits_patient
from yidi_grouper.domain.scheme import PRE_MDC, AdrgRule, Condition, Scheme

COMPLICATION_MIX = (("", 0.5), ("CC", 0.3), ("MCC", 0.2))
AMBIGUOUS_SHARE = 0.03


def generate_cases(scheme: Scheme, n: int, seed: int = 0) -> Iterator[dict]:
    rng = random.Random(seed)
    pools = _Pools(scheme)
    adrgs = [rule for mdc in scheme.mdc_order for rule in scheme.adrgs_by_mdc.get(mdc, ())]
    for index in range(n):
        rule = adrgs[index] if index < len(adrgs) else rng.choice(adrgs)
        level = _weighted(rng, COMPLICATION_MIX)
        case = case_for_adrg(scheme, rule, rng, level, pools)
        if rule.kind == "medical" and rng.random() < AMBIGUOUS_SHARE and pools.or_procedures:
            case["procedures"] = [rng.choice(pools.or_procedures)]
        case["id"] = f"G{seed}-{index:07d}"
        yield case


class _Pools:
    """Sorted code lists built once per scheme (sets are unordered; sorting keeps seeds stable)."""

    def __init__(self, scheme: Scheme) -> None:
        self.or_procedures = sorted(scheme.or_procedures)
        self.mcc = sorted(scheme.mcc)
        self.cc = sorted(code for code in scheme.cc if code not in scheme.mcc)
        by_mdc: dict[str, list[str]] = {}
        for code, mdcs in scheme.principal_mdcs.items():
            regular = [mdc for mdc in mdcs if mdc not in PRE_MDC]
            if len(mdcs) == 1 or (regular and len(regular) == len(mdcs)):
                by_mdc.setdefault(mdcs[0], []).append(code)
        self.principals = {mdc: sorted(codes) for mdc, codes in by_mdc.items()}
        self.regular_principals = sorted(
            code for mdc, codes in self.principals.items() if mdc not in PRE_MDC and mdc not in scheme.mdc_sex
            for code in codes)
        regions: dict[str, list[str]] = {}
        for code, names in scheme.trauma_regions.items():
            for name in names:
                regions.setdefault(name, []).append(code)
        self.trauma = {name: sorted(codes) for name, codes in sorted(regions.items())}
        self.sorted_sets: dict[int, list[str]] = {}

    def pick(self, rng: random.Random, codes: frozenset[str]) -> str:
        key = id(codes)
        ordered = self.sorted_sets.get(key)
        if ordered is None:
            ordered = self.sorted_sets[key] = sorted(codes)
        return rng.choice(ordered)


def case_for_adrg(scheme: Scheme, rule: AdrgRule, rng: random.Random, level: str = "", pools: _Pools | None = None) -> dict:
    """One case meant to land in `rule` with complication level "", "CC" or "MCC"."""
    pools = pools or _Pools(scheme)
    condition = rng.choice(rule.conditions)
    gender = scheme.mdc_sex.get(rule.mdc) or rng.choice("12")
    age, age_days, birth_weight = _age(rng, rule, scheme)
    diagnoses, procedures = _codes(scheme, rule, condition, rng, pools, level)
    days = age_days if age_days is not None else age * INFANT_DAYS
    diagnoses += _complications(scheme, diagnoses[0], level, rng, pools, lambda code: fits_patient(code, gender, days))
    ventilator = 0.0
    if condition.ventilator_hours is not None:
        ventilator = float(condition.ventilator_hours + rng.randint(0, 400))
    elif rng.random() < 0.05:
        ventilator = float(rng.randint(1, 95))
    los = max(1, min(180, int(rng.lognormvariate(2.0, 0.6))))
    discharge = _weighted(rng, (("1", 0.9), ("2", 0.04), ("3", 0.02), ("4", 0.02), ("5", 0.02)))
    return {
        "gender": gender, "age": age, "age_days": age_days, "birth_weight": birth_weight,
        "los": los, "discharge_way": discharge, "ventilator_hours": ventilator,
        "diagnoses": diagnoses, "procedures": procedures,
    }


def _age(rng: random.Random, rule: AdrgRule, scheme: Scheme) -> tuple[int, int | None, int | None]:
    if rule.mdc == scheme.newborn_mdc or rule.age_days is not None:
        low, high = rule.age_days or (0, 29)
        days = rng.randrange(low, high)
        weight = None
        if days < 29:
            low_w, high_w = rule.birth_weight or (1000, 4500)
            weight = rng.randint(max(low_w, 400), min(high_w, 5000))
        return 0, days, weight
    if rule.mdc == "O":
        return rng.randint(18, 45), None, None
    age = min(100, max(1, int(rng.gauss(55, 20)))) if rng.random() < 0.9 else rng.randint(1, 17)
    return age, None, None


def _codes(scheme: Scheme, rule: AdrgRule, condition: Condition, rng: random.Random, pools: _Pools, level: str):
    procedures: list[str] = []
    if condition.main_procedure is not None:
        procedures.append(pools.pick(rng, condition.main_procedure))
    for group in condition.procedure_sets:
        procedures.append(pools.pick(rng, group))
    if condition.main_is_or and pools.or_procedures:
        procedures.append(rng.choice(pools.or_procedures))
    if condition.ventilator_hours is not None and rng.random() < 0.5:
        procedures.append("96.7201")

    if condition.principal is not None:
        principal = pools.pick(rng, condition.principal)
    elif rule.mdc == "A":
        principal = rng.choice(pools.regular_principals)
    else:
        principal = rng.choice(pools.principals.get(rule.mdc) or pools.regular_principals)
    diagnoses = [principal]
    if condition.any_diagnosis is not None and condition.any_diagnosis.isdisjoint(diagnoses):
        diagnoses.append(pools.pick(rng, condition.any_diagnosis))
    if rule.mdc == "Z":
        own = scheme.trauma_regions.get(principal, frozenset())
        other_regions = [name for name in pools.trauma if name not in own]
        candidates = [rng.choice(pools.trauma[rng.choice(other_regions)]) for _ in range(30 if other_regions else 0)]
        # the second-region injury is itself usually an MCC; without complications prefer one
        # the principal's exclusion table removes
        quiet = [code for code in candidates if not counts_as_complication(scheme, principal, code)]
        if candidates:
            diagnoses.append(quiet[0] if quiet and not level else candidates[0])
    return diagnoses, procedures


def counts_as_complication(scheme: Scheme, principal: str, code: str) -> bool:
    table = scheme.mcc.get(code, scheme.cc.get(code))
    return table is not None and not (table and table == scheme.exclusion_table.get(principal))


def _complications(scheme: Scheme, principal: str, level: str, rng: random.Random, pools: _Pools, fits) -> list[str]:
    if not level:
        return []
    table = scheme.exclusion_table.get(principal, "")
    source, tables = (pools.mcc, scheme.mcc) if level == "MCC" else (pools.cc, scheme.cc)
    picked: list[str] = []
    for _ in range(20):
        code = rng.choice(source)
        if code != principal and fits(code) and (not table or tables[code] != table):
            picked.append(code)
            break
    extra = rng.choice(pools.cc)
    if level == "MCC" and rng.random() < 0.5 and fits(extra):
        picked.append(extra)
    return picked


def _weighted(rng: random.Random, options) -> str:
    roll, total = rng.random(), 0.0
    for value, weight in options:
        total += weight
        if roll < total:
            return value
    return options[-1][0]
