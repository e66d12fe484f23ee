"""price_case: DOMAIN.md §5 for DRG and DIP, every case kind.

Order of decisions: cross-province (outside the pool) > bed-day > approved special-case review >
ungroupable / ambiguous (per item unless the policy prices them by the table's weight) >
group not covered by the region's table (per item) > weight/points with low/high outliers.
Outlier tests compare T with L × S and H × S, exact products, so no division decides a kind.
"""
from __future__ import annotations

from decimal import Decimal

from yidi_common.claims import ClaimScope, fund_due
from yidi_common.money import to_fen
from yidi_common.regional_config import (
    Hospital,
    PoolConfig,
    ProvinceConfig,
    RegionYear,
    Scheme,
    WeightEntry,
    pick_qualified,
)

from .inputs import CaseInputs, GroupingStatus
from .priced import CaseKind, PaymentBasis, PricedCase

ONE = Decimal(1)


class PricingError(ValueError):
    """The case cannot be priced with this configuration (unknown hospital, region, category)."""


def price_case(inputs: CaseInputs, config: ProvinceConfig) -> PricedCase:
    try:
        region = config.region_year(inputs.treatment_region, inputs.year)
        hospital = config.hospital(inputs.hospital_code)
    except KeyError as e:
        raise PricingError(str(e.args[0])) from None
    if hospital.region != inputs.treatment_region:
        raise PricingError(f"hospital {hospital.code} is in {hospital.region}, not {inputs.treatment_region}")
    if inputs.scope is ClaimScope.CROSS_PROVINCE:
        return _fixed(inputs, region, None, CaseKind.CROSS_PROVINCE, PaymentBasis.OUTSIDE_POOL, inputs.total_cost)
    pool = region.pools[region.pool_key(inputs.insutype, cross_region=inputs.scope is ClaimScope.CROSS_REGION).label]
    if inputs.bed_day_category is not None:
        return _bed_day(inputs, region, pool)
    if inputs.special_case_review:
        return _per_item(inputs, region, pool, CaseKind.SPECIAL_REVIEW, "特例单议 approved")
    if inputs.grouping_status is not GroupingStatus.GROUPED and not region.policy.ungroupable_paid_by_weight:
        return _per_item(inputs, region, pool, CaseKind(inputs.grouping_status.value), "not grouped")
    if region.scheme is Scheme.DIP:
        return _price_dip(inputs, region, pool, hospital)
    return _price_drg(inputs, region, pool, hospital)


# ---------------------------------------------------------------- fixed-amount kinds


def _fixed(
    inputs: CaseInputs,
    region: RegionYear,
    pool: PoolConfig | None,
    kind: CaseKind,
    basis: PaymentBasis,
    payment: Decimal,
    note: str = "",
    **explain,
) -> PricedCase:
    payment = to_fen(payment)
    return PricedCase(
        inputs=inputs,
        scheme=region.scheme,
        pool=pool.key if pool else None,
        kind=kind,
        basis=basis,
        payment_exact=payment,
        payment=payment,
        fund_due=fund_due(inputs.total_cost, inputs.basic_fund_payment, payment),
        provisional_rate=pool.provisional_rate if pool else None,
        note=note,
        **explain,
    )


def _per_item(inputs: CaseInputs, region: RegionYear, pool: PoolConfig, kind: CaseKind, note: str) -> PricedCase:
    return _fixed(inputs, region, pool, kind, PaymentBasis.PER_ITEM, inputs.total_cost, note)


def _bed_day(inputs: CaseInputs, region: RegionYear, pool: PoolConfig) -> PricedCase:
    rate = region.bed_day_rates.get(inputs.bed_day_category)
    if rate is None:
        raise PricingError(f"region {region.region} has no bed-day rate for {inputs.bed_day_category!r}")
    return _fixed(
        inputs, region, pool, CaseKind.BED_DAY, PaymentBasis.BED_DAY, inputs.los_days * rate,
        f"{inputs.los_days} days × {rate}", bed_day_rate=rate,
    )


# ---------------------------------------------------------------- DRG


def _price_drg(inputs: CaseInputs, region: RegionYear, pool: PoolConfig, hospital: Hospital) -> PricedCase:
    entry = region.weight_table.get(inputs.group_code or "")
    if entry is None or entry.rw is None:
        reason = entry.per_item_reason if entry else "not in the weight table"
        kind = CaseKind.NOT_COVERED if inputs.grouping_status is GroupingStatus.GROUPED else CaseKind(inputs.grouping_status.value)
        return _per_item(inputs, region, pool, kind, f"{inputs.group_code}: {reason}")
    rate = pick_qualified(entry.rates, (), inputs.insutype) or pool.provisional_rate
    coefficient = _drg_coefficient(entry, hospital, inputs.insutype, region)
    standard = _drg_standard(entry, hospital, inputs.insutype, rate, coefficient)
    low, high, low_amount, high_amount = _drg_thresholds(entry, hospital, inputs.insutype, region, standard)
    total = inputs.total_cost
    if total < low_amount:
        return _fixed(
            inputs, region, pool, CaseKind.LOW_OUTLIER, PaymentBasis.PER_ITEM, total,
            f"T < low threshold {low_amount}: per item",
            rate=rate, weight=entry.rw, coefficient=coefficient, standard=standard, reference_cost=standard,
            cost_ratio=total / standard, low_threshold=low, high_threshold=high, low_amount=low_amount,
            high_amount=high_amount,
        )
    if total > high_amount:
        kind, multiple = CaseKind.HIGH_OUTLIER, (total - high_amount) / standard + ONE  # k - H + 1
        payment_exact = total - high_amount + standard  # = S × (k - H + 1), exact
    else:
        kind, multiple, payment_exact = CaseKind.NORMAL, ONE, standard
    paid_weight = entry.rw * multiple
    return PricedCase(
        inputs=inputs,
        scheme=region.scheme,
        pool=pool.key,
        kind=kind,
        basis=PaymentBasis.WEIGHT,
        payment_exact=payment_exact,
        payment=to_fen(payment_exact),
        fund_due=fund_due(total, inputs.basic_fund_payment, to_fen(payment_exact)),
        provisional_rate=pool.provisional_rate,
        rate=rate,
        weight=entry.rw,
        coefficient=coefficient,
        standard=standard,
        reference_cost=standard,
        cost_ratio=total / standard,
        low_threshold=low,
        high_threshold=high,
        low_amount=low_amount,
        high_amount=high_amount,
        paid_weight=paid_weight,
        rate_units=payment_exact / pool.provisional_rate,
        note="base group" if entry.base_group else "",
    )


def _drg_coefficient(entry: WeightEntry, hospital: Hospital, insutype: str, region: RegionYear) -> Decimal:
    """C_h: the group's published coefficient for the hospital's class (+ bonus unless a base group),
    else the base-group coefficient, else the hospital's basic + bonus."""
    published = pick_qualified(tuple(q for q in entry.coefficients if q.hospital_class), hospital.classes, insutype)
    if published is not None:
        return published if entry.base_group else published + hospital.bonus_coefficient
    if entry.base_group:
        return region.policy.base_group_coefficient
    return hospital.coefficient


def _drg_standard(entry: WeightEntry, hospital: Hospital, insutype: str, rate: Decimal, coefficient: Decimal) -> Decimal:
    """S: a standard published for the hospital's class is used as is (its coefficient is built in);
    a standard published for every class is S at C = 1; otherwise RW × R × C."""
    for_class = pick_qualified(tuple(q for q in entry.standards if q.hospital_class), hospital.classes, insutype)
    if for_class is not None:
        return for_class
    for_all = pick_qualified(tuple(q for q in entry.standards if not q.hospital_class), (), insutype)
    if for_all is not None:
        return for_all * coefficient
    return entry.rw * rate * coefficient


def _drg_thresholds(
    entry: WeightEntry, hospital: Hospital, insutype: str, region: RegionYear, standard: Decimal
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(L, H, low amount, high amount): the group's published values first, else the policy's by RW."""
    low, high = region.policy.outlier.for_weight(entry.rw)
    low = pick_qualified(entry.low_ratios, hospital.classes, insutype) or low
    high = pick_qualified(entry.high_ratios, hospital.classes, insutype) or high
    low_amount = pick_qualified(entry.low_amounts, hospital.classes, insutype)
    high_amount = pick_qualified(entry.high_amounts, hospital.classes, insutype)
    if low_amount is None:
        low_amount = low * standard
    else:
        low = low_amount / standard
    if high_amount is None:
        high_amount = high * standard
    else:
        high = high_amount / standard
    return low, high, low_amount, high_amount


# ---------------------------------------------------------------- DIP


def _price_dip(inputs: CaseInputs, region: RegionYear, pool: PoolConfig, hospital: Hospital) -> PricedCase:
    dip_type = region.dip_catalogue.get(inputs.group_code or "")
    if dip_type is None:
        kind = CaseKind.NOT_COVERED if inputs.grouping_status is GroupingStatus.GROUPED else CaseKind(inputs.grouping_status.value)
        return _per_item(inputs, region, pool, kind, f"{inputs.group_code}: not in the DIP catalogue")
    thresholds = region.policy.dip
    mean, total = dip_type.mean_cost, inputs.total_cost
    coefficient = region.policy.base_group_coefficient if dip_type.base_group else hospital.coefficient
    low_amount, high_amount = thresholds.low * mean, thresholds.high * mean
    if total > high_amount:
        kind, multiple = CaseKind.HIGH_OUTLIER, (total - high_amount) / mean + ONE  # T/mean - H + 1
    elif total < low_amount:
        kind, multiple = CaseKind.LOW_OUTLIER, total / mean
    else:
        kind, multiple = CaseKind.NORMAL, ONE
    points = dip_type.score * coefficient * multiple
    payment_exact = points * pool.provisional_rate
    review = total > thresholds.special_review * mean
    return PricedCase(
        inputs=inputs,
        scheme=region.scheme,
        pool=pool.key,
        kind=kind,
        basis=PaymentBasis.WEIGHT,
        payment_exact=payment_exact,
        payment=to_fen(payment_exact),
        fund_due=fund_due(total, inputs.basic_fund_payment, to_fen(payment_exact)),
        provisional_rate=pool.provisional_rate,
        rate=pool.provisional_rate,
        weight=dip_type.score,
        coefficient=coefficient,
        standard=dip_type.score * coefficient * pool.provisional_rate,
        reference_cost=mean,
        cost_ratio=total / mean,
        low_threshold=thresholds.low,
        high_threshold=thresholds.high,
        low_amount=low_amount,
        high_amount=high_amount,
        paid_weight=points,
        rate_units=points,
        review_required=review,
        note=f"T > {thresholds.special_review} × mean: special review candidate" if review else "",
    )
