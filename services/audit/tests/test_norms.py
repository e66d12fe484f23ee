"""Group norms: loading with every problem named, and what they add to a claim's facts."""
from __future__ import annotations

import dataclasses
import os
from decimal import Decimal as D
from pathlib import Path

import pytest

from yidi_audit.domain import ClaimFacts
from yidi_audit.domain.norms import GroupNorm, GroupNormsError, load_group_norms, parse_group_norms, with_norms
from yidi_audit.domain.params import AuditConfigError, load_audit_config
from yidi_audit.domain.rules import early_discharge, upcoding

from .conftest import make_claim

NORMS = {"ES31": GroupNorm(D("12000"), D("11")), "ES35": GroupNorm(D("8500"), D("8"))}


def _claim(drg: str, standard: D | None, **changes) -> ClaimFacts:
    return make_claim(drg=drg, adrg=drg[:3], group_avg_cost=standard, group_avg_los=None,
                      lower_group_avg_cost=None, lower_group_avg_los=None, **changes)


def test_an_upper_split_gets_the_lower_splits_cost_in_its_own_standards_terms():
    claim = with_norms(_claim("ES31", D("13200.00"), complications=("J96.000",)), NORMS)
    # 13,200 x 8,500 / 12,000 = 9,350: the lower split's average at this hospital's standard
    assert (claim.group_avg_los, claim.lower_group_avg_cost, claim.lower_group_avg_los) == (D("11"), D("9350"), D("8"))


def test_without_a_standard_the_published_average_cost_is_used():
    claim = with_norms(_claim("ES31", None), NORMS)
    assert (claim.group_avg_cost, claim.lower_group_avg_cost) == (D("12000"), D("8500"))


def test_a_group_without_norms_is_left_as_it_is_and_its_rules_stay_silent():
    claim = _claim("FM19", D("30000"), los=1)
    assert with_norms(claim, NORMS) is claim
    assert early_discharge.evaluate(claim, [claim], early_discharge.Params()) == []


def test_norms_make_upcoding_fire_on_a_cheap_short_upper_split_case():
    claim = with_norms(_claim("ES31", D("12000.00"), complications=("J96.000",), los=7, case_kind="normal"), NORMS)
    assert claim.total_cost <= claim.lower_group_avg_cost and claim.los <= claim.lower_group_avg_los
    assert [f.rule_id for f in upcoding.evaluate(claim, [claim], upcoding.Params())] == ["AUD-UPCODING"]
    longer = dataclasses.replace(claim, los=9)  # a stay beyond the lower split's 8 days backs the MCC
    assert upcoding.evaluate(longer, [longer], upcoding.Params()) == []


def test_every_problem_in_a_norms_table_is_reported_by_line():
    rows = [
        {"DRG编码": "ES31", "例均费用": "12000", "平均住院日": "11"},
        {"DRG编码": "ES31", "例均费用": "12000", "平均住院日": "11"},
        {"DRG编码": "ES35", "例均费用": "-1", "平均住院日": "abc"},
        {"DRG编码": "", "例均费用": "1", "平均住院日": "1"},
    ]
    with pytest.raises(GroupNormsError) as e:
        parse_group_norms(rows, "n.csv")
    assert str(e.value) == (
        "n.csv: line 3: ES31 appears twice; line 4: 例均费用 '-1' is not a positive number; "
        "line 4: 平均住院日 'abc' is not a positive number; line 5: empty DRG编码")


def test_missing_columns_are_named():
    with pytest.raises(GroupNormsError, match=r"missing columns \['平均住院日'\]"):
        parse_group_norms([{"分组编码": "ES31", "例均费用": "1"}], "n.csv")


def test_rules_toml_points_each_region_at_its_norms(tmp_path: Path):
    (tmp_path / "p.csv").write_text("DRG编码,例均费用,平均住院日\nES31,12000,11\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("病种编码,例均费用,平均住院日\nES31,9000,9.5\n", encoding="utf-8")
    (tmp_path / "rules.toml").write_text('[group_norms]\nprovince = "p.csv"\nregions = { "360700" = "r.csv" }\n')
    config = load_audit_config(tmp_path / "rules.toml")
    assert config.norms_for("360100")["ES31"] == GroupNorm(D("12000"), D("11"))
    assert config.norms_for("360700")["ES31"] == GroupNorm(D("9000"), D("9.5"))
    assert load_group_norms(tmp_path / "p.csv") == {"ES31": GroupNorm(D("12000"), D("11"))}


def test_a_missing_norms_file_and_a_bad_region_code_are_both_reported(tmp_path: Path):
    (tmp_path / "rules.toml").write_text('[group_norms]\nprovince = "absent.csv"\nregions = { "3607" = "r.csv" }\n')
    with pytest.raises(AuditConfigError) as e:
        load_audit_config(tmp_path / "rules.toml")
    assert "absent.csv" in str(e.value) and "group_norms.regions.3607 is not a six-digit region code" in str(e.value)


def test_changed_norms_reach_the_rules_and_broken_ones_do_not(tmp_path: Path):
    from yidi_common.config_provider import ConfigProvider

    norms = tmp_path / "p.csv"
    norms.write_text("DRG编码,例均费用,平均住院日\nES31,12000,11\n", encoding="utf-8")
    (tmp_path / "rules.toml").write_text('[group_norms]\nprovince = "p.csv"\n')
    rules = ConfigProvider.load(tmp_path, lambda d: load_audit_config(d / "rules.toml"))

    def rewrite(text: str) -> None:
        norms.write_text(text, encoding="utf-8")
        stat = norms.stat()
        os.utime(norms, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    rewrite("DRG编码,例均费用,平均住院日\nES31,12000,9.5\n")
    assert rules.reload_if_changed() and rules.current.norms_for("360100")["ES31"].avg_los == D("9.5")
    rewrite("DRG编码,例均费用,平均住院日\nES31,12000,zero\n")
    assert not rules.reload_if_changed() and rules.current.norms_for("360100")["ES31"].avg_los == D("9.5")
