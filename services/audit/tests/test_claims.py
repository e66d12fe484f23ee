"""Claim facts from a payment.priced payload, and the self-pay and history helpers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

from yidi_common.events.v1 import ClaimFacts as EventClaim
from yidi_common.events.v1 import FundAmount, GroupingOutcome, PaymentPriced, PricingOutcome
from yidi_audit.adapters.priced import claim_facts
from yidi_audit.domain import earlier_claims, icd_category

CST = timezone(timedelta(hours=8))


def test_claim_facts_keep_what_rules_need():
    event = PaymentPriced(
        claim=EventClaim(
            claim_id="C9", version=3, setl_id="S9", hospital_code="H1", psn_no="P9", insu_admdvs="360100",
            treat_admdvs="360700", insutype="390", setl_period="2025-03", gender="1", age=60,
            adm_time=datetime(2025, 3, 1, 9, tzinfo=CST), dscg_time=datetime(2025, 3, 5, 9, tzinfo=CST), los=4,
            dscg_way="1", diagnoses=["J18.900", "J96.000"], procedures=["96.0400"], total_cost=D("5000.00"),
            basic_fund_payment=D("3000.00"),
            fund_payments=[FundAmount(fund_pay_type="390100", amount=D("3000.00")),
                           FundAmount(fund_pay_type="390200", amount=D("200.00"))],
            psn_ownpay=D("150.00"), fulamt_ownpay=D("100.00"), fee_by_category={"09": D("5000.00")},
        ),
        grouping=GroupingOutcome(payment_method="DRG", scheme="CHS-DRG-1.1", status="grouped", mdc="E", adrg="ES3",
                                 drg="ES31", complications=["J96.000"]),
        pricing=PricingOutcome(case_kind="normal", standard=D("6500.00"), payment=D("6000.00"), fund_due=D("4000.00")),
    )
    c = claim_facts(event)
    assert (c.claim_id, c.version, c.principal_diagnosis, c.other_diagnoses, c.procedures) == ("C9", 3, "J18.900", ("J96.000",), ("96.0400",))
    assert (c.treatment_region, c.insured_region) == ("360700", "360100")
    assert (c.drg, c.adrg, c.complications, c.drg_without_complications, c.case_kind) == ("ES31", "ES3", ("J96.000",), None, "normal")
    assert (c.basic_fund_payment, c.self_pay, c.payment, c.fund_due) == (D("3000.00"), D("150.00"), D("6000.00"), D("4000.00"))
    assert (c.group_avg_cost, c.group_avg_los, c.lower_group_avg_cost) == (D("6500.00"), None, None)


def test_icd_category_is_the_first_three_characters():
    assert icd_category("k80.100x001") == "K80"


def test_earlier_claims_are_the_persons_other_claims_latest_first(claim):
    a = claim(claim_id="A", dscg_time=datetime(2025, 2, 1, tzinfo=CST))
    b = claim(claim_id="B", dscg_time=datetime(2025, 2, 20, tzinfo=CST))
    other_person = claim(claim_id="X", psn_no="P2", dscg_time=datetime(2025, 2, 25, tzinfo=CST))
    later = claim(claim_id="L", dscg_time=datetime(2025, 3, 20, tzinfo=CST))
    assert [c.claim_id for c in earlier_claims(claim(), [a, b, other_person, later, claim()])] == ["B", "A"]
