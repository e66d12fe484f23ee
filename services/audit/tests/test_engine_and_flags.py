"""The engine runs enabled rules, keeps one finding per flag id, and lets one behaviour raise one flag."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yidi_audit.domain import AuditConfigError, AuditParams, audit_claim, audit_config, flag_id, load_audit_config

CST = timezone(timedelta(hours=8))
DEMO_RULES = Path(__file__).parents[3] / "demo" / "audit" / "rules.toml"


def test_a_clean_case_raises_nothing(claim):
    assert audit_claim(claim(), [], AuditParams()) == []


def test_lowered_admission_supersedes_early_discharge_on_the_same_claim(claim):
    c = claim(principal_diagnosis="J06.900", los=2, fee_by_category={"01": D("1000.00"), "09": D("1000.00")},
              fulamt_ownpay=D("0.00"), psn_ownpay=D("0.00"), group_avg_cost=D("4500"))
    assert [f.rule_id for f in audit_claim(c, [], AuditParams())] == ["AUD-LOW-ADMISSION"]
    assert [f.rule_id for f in audit_claim(c, [], AuditParams.model_validate({"lowered_admission": {"enabled": False}}))] == [
        "AUD-EARLY-DISCHARGE"
    ]


def test_disabled_rules_do_not_run(claim):
    c = claim(psn_ownpay=D("1000.00"))
    assert [f.rule_id for f in audit_claim(c, [], AuditParams())] == ["AUD-SELF-PAY"]
    params = AuditParams.model_validate({"self_pay": {"enabled": False}})
    assert audit_claim(c, [], params) == []


def test_the_same_rule_on_the_same_claim_version_gives_one_flag_id(claim):
    c = claim(psn_ownpay=D("1000.00"))
    [first] = audit_claim(c, [], AuditParams())
    [again] = audit_claim(c, [], AuditParams())
    [next_version] = audit_claim(claim(psn_ownpay=D("1000.00"), version=2), [], AuditParams())
    assert first.flag_id == again.flag_id == flag_id("AUD-SELF-PAY", "C1", 1)
    assert next_version.flag_id != first.flag_id


def test_short_stay_and_readmission_evidence_merge_into_one_flag(claim):
    cut = claim(claim_id="C0", adm_time=datetime(2025, 2, 1, 9, tzinfo=CST), dscg_time=datetime(2025, 2, 3, 9, tzinfo=CST), los=2)
    back = claim(hospital_code="H3607002", adm_time=datetime(2025, 2, 20, 9, tzinfo=CST))
    on_arrival = audit_claim(cut, [], AuditParams())
    on_readmission = audit_claim(back, [cut], AuditParams())
    assert [f.flag_id for f in on_arrival] == [f.flag_id for f in on_readmission] == [flag_id("AUD-EARLY-DISCHARGE", "C0", 1)]


@given(st.text(min_size=1), st.text(min_size=1), st.integers(min_value=1, max_value=10_000))
def test_flag_ids_are_deterministic_uuids_that_separate_versions(rule_id, claim_id, version):
    a = flag_id(rule_id, claim_id, version)
    assert a == flag_id(rule_id, claim_id, version)
    assert uuid.UUID(a).version == 5
    assert a != flag_id(rule_id, claim_id, version + 1)


def test_history_uses_the_latest_version_of_each_earlier_claim(claim):
    old = claim(claim_id="C0", version=1, dscg_time=datetime(2025, 2, 20, 9, tzinfo=CST))
    corrected = claim(claim_id="C0", version=2, dscg_time=datetime(2025, 2, 20, 9, tzinfo=CST), hospital_code="H3607002")
    assert audit_claim(claim(), [old], AuditParams())[0].evidence["previous_version"] == 1
    assert audit_claim(claim(), [old, corrected], AuditParams()) == []


def test_demo_rules_file_loads_with_a_region_override():
    config = load_audit_config(DEMO_RULES)
    assert config.province == AuditParams()
    assert config.for_region("360100").self_pay.max_share == D("0.08")
    assert config.for_region("360100").split_admission == AuditParams().split_admission
    assert config.for_region("360700") == config.province


def test_bad_configuration_names_the_problem():
    with pytest.raises(AuditConfigError, match="unknown top-level"):
        audit_config({"rules": {}})
    with pytest.raises(AuditConfigError, match="not a six-digit region code"):
        audit_config({"regions": {"3601": {}}})
    with pytest.raises(AuditConfigError, match="window_days"):
        audit_config({"province": {"split_admission": {"window_days": -1}}})
