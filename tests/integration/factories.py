"""Events and settlement lists built for integration tests."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from yidi_common.events import Envelope, deterministic_event_id, new_event
from yidi_common.events.registry import PAYMENT_PRICED
from yidi_common.events.v1 import (
    ClaimFacts,
    FundAmount,
    GroupingOutcome,
    PaymentPriced,
    PoolRef,
    PricingOutcome,
)


def priced_event(
    n: int, *, insured: str = "360100", treatment: str = "360700", basic_fund: str = "6000.00",
    other_funds: str = "500.00", fund_due: str = "5200.00", total: str = "9000.00", version: int = 1,
    psn_no: str | None = None, adm: datetime | None = None, dscg: datetime | None = None,
    period: str = "2026-10", origin: str = "cross",
) -> Envelope:
    """A priced claim paid per item (no weight): its FundDue is the same at the final rate."""
    claim_id = f"claim-{n:05d}"
    adm = adm or datetime(2026, 10, 1, 8, tzinfo=timezone.utc)
    dscg = dscg or datetime(2026, 10, 9, 10, tzinfo=timezone.utc)
    claim = ClaimFacts(
        claim_id=claim_id, version=version, setl_id=f"S{n:05d}", hospital_code="H36070000002", psn_no=psn_no or f"P{n:05d}",
        insu_admdvs=insured, treat_admdvs=treatment, insutype="310", setl_period=period, gender="1", age=60,
        adm_time=adm, dscg_time=dscg, los=(dscg - adm).days, dscg_way="1", diagnoses=["I63.900"], procedures=[], total_cost=Decimal(total),
        basic_fund_payment=Decimal(basic_fund),
        fee_by_category=_fee_mix(Decimal(total)),
        fund_payments=[FundAmount(fund_pay_type="310100", amount=Decimal(basic_fund)),
                       FundAmount(fund_pay_type="330100", amount=Decimal(other_funds))],
    )
    payload = PaymentPriced(
        claim=claim,
        grouping=GroupingOutcome(payment_method="DRG", scheme="CHS-DRG 1.1", status="grouped", mdc="MDCB",
                                 adrg="BR2", drg="BR25"),
        pricing=PricingOutcome(
            case_kind="normal",
            pool=PoolRef(treat_admdvs=treatment, year=2026, payment_method="DRG", insutype="310", origin=origin),
            payment=Decimal(fund_due) + Decimal(total) - Decimal(basic_fund), fund_due=Decimal(fund_due),
        ),
        supersedes_version=version - 1 if version > 1 else None,
    )
    return new_event(type=PAYMENT_PRICED, source="/tests", subject=claim_id, payload=payload, correlationid=claim_id,
                     event_id=deterministic_event_id(claim_id, str(version), "priced"))


def _fee_mix(total: Decimal) -> dict[str, Decimal]:
    """Beds 10 %, tests 15 %, labs 15 %, treatment 20 %, the rest drugs: an ordinary medical stay."""
    parts = {"01": Decimal("0.10"), "03": Decimal("0.15"), "04": Decimal("0.15"), "05": Decimal("0.20")}
    mix = {k: (total * v).quantize(Decimal("0.01")) for k, v in parts.items()}
    mix["09"] = total - sum(mix.values())
    return mix
