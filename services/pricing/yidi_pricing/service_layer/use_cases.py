"""Pricing's use cases: price each grouped claim version and publish it; simulate a hospital's list."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from yidi_common.claims import ALL
from yidi_common.events import deterministic_event_id, new_event
from yidi_common.events.registry import PAYMENT_PRICED
from yidi_common.events.v1 import PaymentPriced, PoolRef, PricingOutcome, SettlementListGrouped
from yidi_common.regional_config import ProvinceConfig
from yidi_common.unit_of_work import Transaction

from ..domain.inputs import CaseInputs
from ..domain.priced import PricedCase
from ..domain.pricing import price_case
from .repository import PricedClaimVersion, PricingRepository

SOURCE = "/yidi/pricing"


@dataclass(frozen=True, slots=True)
class GroupedClaim:
    """One settlement.list.grouped event: its id and correlation, its payload, and the case to price."""

    cause_id: str
    correlation_id: str
    grouped: SettlementListGrouped
    inputs: CaseInputs


async def price_grouped_claims(
    tx: Transaction[PricingRepository], claims: Iterable[GroupedClaim], config: ProvinceConfig
) -> None:
    """Price each version by its treatment region's rules, keep it and emit payment.priced, whose id
    derives from the grouped event so a replay emits the very same event."""
    priced_versions = []
    for claim in claims:
        outcome = pricing_outcome(price_case(claim.inputs, config), config)
        facts = claim.grouped.claim
        event = new_event(
            type=PAYMENT_PRICED, source=SOURCE, subject=facts.claim_id, correlationid=claim.correlation_id,
            event_id=deterministic_event_id(claim.cause_id, PAYMENT_PRICED),
            payload=PaymentPriced(claim=facts, grouping=claim.grouped.grouping, pricing=outcome,
                                  supersedes_version=claim.grouped.supersedes_version),
        )
        priced_versions.append(PricedClaimVersion(
            claim_id=facts.claim_id, version=facts.version, hospital_code=facts.hospital_code,
            period=facts.setl_period, pool=outcome.pool.key if outcome.pool else None, case_kind=outcome.case_kind,
            payment=outcome.payment, fund_due=outcome.fund_due, config_version=config.version,
            pricing=event.data["pricing"],
        ))
        tx.emit(event)
    await tx.repo.add(priced_versions)


def simulate(inputs: CaseInputs, config: ProvinceConfig) -> PricingOutcome:
    """模拟测算: the case priced as it would be, nothing kept or emitted."""
    return pricing_outcome(price_case(inputs, config), config)


def pricing_outcome(priced: PricedCase, config: ProvinceConfig) -> PricingOutcome:
    pool = priced.pool
    hospital = config.hospitals.get(priced.inputs.hospital_code)
    return PricingOutcome(
        case_kind=priced.kind.value,
        pool=PoolRef(
            treat_admdvs=pool.region, year=pool.year, payment_method=pool.scheme.value,
            insutype=pool.insutype.value if pool.insutype else ALL,
            origin=pool.origin.value if pool.origin else ALL,
        ) if pool else None,
        hospital_level=hospital.level if hospital else None,
        weight=priced.weight,
        rate=priced.rate,
        coefficient=priced.coefficient,
        standard=priced.standard,
        cost_ratio=priced.cost_ratio,
        low_threshold=priced.low_threshold,
        high_threshold=priced.high_threshold,
        paid_weight=priced.paid_weight,
        basis=priced.basis.value,
        payment_exact=priced.payment_exact if priced.weight_paid else None,
        per_item_part=priced.per_item_part if priced.weight_paid else None,
        payment=priced.payment,
        fund_due=priced.fund_due,
        explanation=[f"basis={priced.basis.value}", *([f"pool={pool.label}"] if pool else []),
                     *(priced.note.split("\n") if priced.note else [])],
        special_review=priced.special_review,
        severity_coefficient=priced.severity_coefficient,
        score_bonus=priced.score_bonus,
    )
