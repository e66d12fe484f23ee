"""Every seeded violation is flagged exactly once by its rule; the clean cases not at all.

A stand-in for grouper and pricing turns descriptions into claim facts: ES3 pneumonia splits on the
MCC J96.000 (ES31/ES35), symptom principals group to GZ15; a case is normal at 0.4 <= T / avg <= 2.
"""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from yidi_common.money import to_fen
from yidi_audit.domain import RULE_IDS, AuditParams, ClaimFacts, audit_claim, load_audit_config
from yidi_audit.domain.seeded import GroupContext, violation_recipes

CST = timezone(timedelta(hours=8))
AVERAGES = {"ES35": (D("8500"), D("8")), "ES31": (D("12000"), D("11")), "GZ15": (D("5000"), D("5"))}
MCC = {"J96.000"}
PROFILE = {"09": D("0.40"), "04": D("0.20"), "01": D("0.10")}

CLEAN: dict[str, Any] = {
    "hospital_code": "H3607001",
    "psn_no": "P1",
    "adm_time": datetime(2025, 3, 1, 9, tzinfo=CST),
    "dscg_time": datetime(2025, 3, 8, 9, tzinfo=CST),
    "los": 7,
    "dscg_way": "1",
    "principal_diagnosis": "J18.900",
    "other_diagnoses": [],
    "procedures": [],
    "fee_by_category": {
        "01": D("600.00"), "03": D("800.00"), "04": D("1200.00"), "05": D("1000.00"),
        "07": D("400.00"), "08": D("600.00"), "09": D("3000.00"), "11": D("400.00"),
    },
    "fulamt_ownpay": D("200.00"),
    "psn_ownpay": D("300.00"),
}
CLEAN_COLD = {**CLEAN, "principal_diagnosis": "J20.900"}  # acute bronchitis: on the outpatient list


def facts(d: dict[str, Any], claim_id: str, profile: dict[str, D] | None) -> ClaimFacts:
    adrg = "GZ1" if d["principal_diagnosis"].startswith("R") else "ES3"
    complications = tuple(c for c in d["other_diagnoses"] if c in MCC and adrg == "ES3")
    drg = adrg + ("1" if complications else "5")
    lower = adrg + "5" if complications else None
    avg_cost, avg_los = AVERAGES[drg]
    total = sum(d["fee_by_category"].values(), D(0))
    kind = "normal" if D("0.4") <= total / avg_cost <= D("2") else "outlier"
    payment = to_fen(avg_cost) if kind == "normal" else total
    self_pay = max(d["fulamt_ownpay"], d["psn_ownpay"])
    fund = to_fen((total - self_pay) * D("0.7"))
    return ClaimFacts(
        claim_id=claim_id, version=1, setl_id="S-" + claim_id, hospital_code=d["hospital_code"], psn_no=d["psn_no"],
        insu_admdvs="360100", treat_admdvs="360700", insutype="310", adm_time=d["adm_time"], dscg_time=d["dscg_time"],
        los=d["los"], dscg_way=d["dscg_way"], principal_diagnosis=d["principal_diagnosis"],
        other_diagnoses=tuple(d["other_diagnoses"]), procedures=tuple(d["procedures"]), grouping_status="grouped",
        mdc=adrg[0], adrg=adrg, drg=drg, complications=complications, drg_without_complications=lower,
        total_cost=total, fund_payments={"310100": fund}, fulamt_ownpay=d["fulamt_ownpay"], psn_ownpay=d["psn_ownpay"],
        fee_by_category=d["fee_by_category"], payment=payment, fund_due=max(D("0.00"), fund + payment - total),
        case_kind=kind, group_avg_cost=avg_cost, group_avg_los=avg_los,
        lower_group_avg_cost=AVERAGES[lower][0] if lower else None,
        lower_group_avg_los=AVERAGES[lower][1] if lower else None,
        group_avg_fee_share=profile,
    )


def audit_all(descriptions: list[dict[str, Any]], params: AuditParams, profile: dict[str, D] | None = None):
    history: list[ClaimFacts] = []
    findings = []
    for i, d in enumerate(descriptions):
        claim = facts(d, f"C{i}", profile)
        findings += audit_claim(claim, history, params)
        history.append(claim)
    return findings


def context(profile: dict[str, D] | None = None) -> GroupContext:
    return GroupContext(group_avg_cost=D("8500"), group_avg_los=D("8"), group_avg_fee_share=profile, complication_code="J96.000")


def test_there_is_a_recipe_for_every_rule():
    assert [r.rule_id for r in violation_recipes()] == list(RULE_IDS)


@pytest.mark.parametrize("profile", [None, PROFILE], ids=["no-profile", "group-profile"])
def test_clean_cases_raise_nothing(profile):
    assert audit_all([CLEAN], AuditParams(), profile) == []
    assert audit_all([CLEAN_COLD], AuditParams(), profile) == []


@pytest.mark.parametrize("profile", [None, PROFILE], ids=["no-profile", "group-profile"])
@pytest.mark.parametrize("recipe", violation_recipes(), ids=lambda r: r.rule_id)
def test_each_recipe_is_flagged_once_by_its_rule(recipe, profile):
    clean = CLEAN_COLD if recipe.rule_id == "AUD-LOW-ADMISSION" else CLEAN
    before = copy.deepcopy(clean)
    seeded = recipe.apply(clean, context(profile))
    assert clean == before  # the clean description is not modified
    findings = audit_all(seeded, AuditParams(), profile)
    assert [(f.rule_id, f.claim_id) for f in findings] == [(recipe.rule_id, f"C{recipe.flagged}")]


def test_recipes_follow_the_region_parameters():
    params = load_audit_config(Path(__file__).parents[3] / "demo" / "audit" / "rules.toml").for_region("360100")
    [recipe] = [r for r in violation_recipes(params) if r.rule_id == "AUD-SELF-PAY"]
    [seeded] = recipe.apply(CLEAN, context())
    assert seeded["psn_ownpay"] == D("1040.00")  # (0.08 + 0.05) x 8000
    assert [f.rule_id for f in audit_all([seeded], params)] == ["AUD-SELF-PAY"]


def test_recipes_refuse_descriptions_they_cannot_turn_into_their_violation():
    recipes = {r.rule_id: r for r in violation_recipes()}
    with pytest.raises(ValueError, match="outpatient"):
        recipes["AUD-LOW-ADMISSION"].apply(CLEAN, context())
    with pytest.raises(ValueError, match="complication_code"):
        recipes["AUD-UPCODING"].apply(CLEAN, GroupContext(group_avg_cost=D("8500"), group_avg_los=D("8")))
    with pytest.raises(ValueError, match="not a specific diagnosis"):
        recipes["AUD-QC-SYMPTOM-PRINCIPAL"].apply({**CLEAN, "principal_diagnosis": "R50.900"}, context())
