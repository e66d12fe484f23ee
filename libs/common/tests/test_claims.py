"""The shared definitions: claim scope, FundDue, pool labels (worked by hand from DOMAIN.md §5-6)."""
from datetime import datetime
from decimal import Decimal as D

import pytest

from yidi_common.claims import ClaimScope, claim_scope, fund_due, fund_due_fen, parse_pool_label, pool_label
from yidi_common.events.v1 import ClaimFacts, PoolRef
from yidi_common.regional_config import Origin, PoolKey, Scheme


@pytest.mark.parametrize("insured, treatment, scope", [
    ("360100", "360100", ClaimScope.LOCAL),
    ("360400", "360100", ClaimScope.CROSS_REGION),
    ("440100", "360100", ClaimScope.CROSS_PROVINCE),  # Guangdong (44) insured, treated in Jiangxi (36)
    ("361100", "360100", ClaimScope.CROSS_REGION),
])
def test_claim_scope_follows_the_province_prefix_of_the_codes(insured, treatment, scope):
    assert claim_scope(insured_region=insured, treatment_region=treatment) is scope


@pytest.mark.parametrize("t, f, payment, due", [
    ("10000.00", "7000.00", "11000.00", "8000.00"),  # 7000 + 11000 − 10000
    ("10000.00", "7000.00", "2500.00", "0.00"),  # floored at 0
    ("100.00", "60.005", "50.00", "10.01"),  # half-up to the fen
])
def test_fund_due(t, f, payment, due):
    assert fund_due(D(t), D(f), D(payment)) == D(due)


def test_fund_due_fen_agrees_in_whole_fen():
    assert fund_due_fen(1_000_000, 700_000, 1_100_000) == 800_000
    assert fund_due_fen(1_000_000, 700_000, 250_000) == 0


def test_pool_label_round_trip_and_both_spellings_agree():
    assert pool_label("360100", 2026, "DRG", "310", "cross") == "360100-2026-DRG-310-cross"
    assert pool_label("360100", 2026, "DIP", None, None) == "360100-2026-DIP-all-all"
    assert parse_pool_label("360100-2026-DIP-all-cross") == ("360100", 2026, "DIP", None, "cross")
    key = PoolKey(region="360100", year=2026, scheme=Scheme.DRG, insutype="390", origin=Origin.LOCAL)
    assert PoolKey.parse(key.label) == key
    ref = PoolRef(treat_admdvs="360100", year=2026, payment_method="DRG", insutype="390", origin="local")
    assert ref.key == key.label == "360100-2026-DRG-390-local"
    with pytest.raises(ValueError, match="not a pool label"):
        parse_pool_label("360100-2026")


def _facts(**extra):
    return dict(claim_id="c", version=1, setl_id="s", hospital_code="H1", psn_no="p", insu_admdvs="360400",
                treat_admdvs="360100", insutype="310", setl_period="2026-03", gender="1", age=40,
                adm_time=datetime(2026, 3, 1), dscg_time=datetime(2026, 3, 5), los=4, dscg_way="1",
                diagnoses=["K80.100"], procedures=[], total_cost=D("100.00"), basic_fund_payment=D("60.00"),
                fund_payments=[], **extra)


def test_claim_facts_carry_the_scope_and_older_events_get_it_filled_in():
    assert ClaimFacts.model_validate(_facts(scope="local")).scope is ClaimScope.LOCAL  # as decided upstream
    assert ClaimFacts.model_validate(_facts()).scope is ClaimScope.CROSS_REGION  # published before the field
    assert ClaimFacts.model_validate(_facts(cross_province=True)).scope is ClaimScope.CROSS_PROVINCE
