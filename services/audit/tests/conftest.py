"""A clean, normally priced pneumonia case and a factory to vary it."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

import pytest

from yidi_audit.domain.claims import ClaimFacts

CST = timezone(timedelta(hours=8))
D = Decimal

BASE = ClaimFacts(
    claim_id="C1",
    version=1,
    setl_id="S1",
    hospital_code="H3607001",
    psn_no="P1",
    insured_region="360100",
    treatment_region="360700",
    insutype="310",
    adm_time=datetime(2025, 3, 1, 9, 0, tzinfo=CST),
    dscg_time=datetime(2025, 3, 8, 9, 0, tzinfo=CST),
    los=7,
    dscg_way="1",
    principal_diagnosis="J18.900",
    other_diagnoses=(),
    procedures=(),
    grouping_status="grouped",
    mdc="E",
    adrg="ES3",
    drg="ES35",
    complications=(),
    drg_without_complications=None,
    total_cost=D("8000.00"),
    fund_payments={"310100": D("5600.00")},
    fulamt_ownpay=D("200.00"),
    psn_ownpay=D("300.00"),
    fee_by_category={
        "01": D("600.00"), "03": D("800.00"), "04": D("1200.00"), "05": D("1000.00"),
        "07": D("400.00"), "08": D("600.00"), "09": D("3000.00"), "11": D("400.00"),
    },
    payment=D("9000.00"),
    fund_due=D("6600.00"),
    case_kind="normal",
    group_avg_cost=D("8500"),
    group_avg_los=D("8"),
)


def make_claim(**changes: Any) -> ClaimFacts:
    """BASE with changes; T follows fee_by_category and fund_due = max(0, F + Payment - T) unless given."""
    claim = replace(BASE, **changes)
    if "fee_by_category" in changes and "total_cost" not in changes:
        claim = replace(claim, total_cost=sum(claim.fee_by_category.values(), D(0)))
    if "fund_due" not in changes:
        claim = replace(claim, fund_due=max(D("0.00"), claim.basic_fund_payment + claim.payment - claim.total_cost))
    return claim


@pytest.fixture
def claim() -> Callable[..., ClaimFacts]:
    return make_claim
