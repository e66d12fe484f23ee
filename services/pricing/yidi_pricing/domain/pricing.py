"""price_case: DOMAIN.md §5 for DRG and DIP, every case kind, and the cases the seeds pay otherwise.

The region whose rules and pool take the case: the treatment region, or the hospital's pool region for
its cross-region cases (省本级, `ProvinceConfig.pricing_region`). Order of decisions: cross-province
(outside the pool) > 优抚 per item > bed-day > approved special-case review (seed 000 二(一): only
a version the grouper issued for a case the treatment region approved; the list's own flag
setlinfo.special_case_review is an application, priced like any other case) > ungroupable / ambiguous
(per item unless the policy prices them by the table's weight) > group not covered by the region's
table (per item) > weight/points with low/high outliers, an emergency part (急诊转住院) per item beside
them. A 手工报销 list is priced the same, then owes the hospital nothing (`_settled_by_hand`).
Outlier tests compare T with L × S and H × S, exact products, so no division decides a kind.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from yidi_common.claims import ClaimScope, fund_due
from yidi_common.money import ZERO, to_fen
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
        hospital = config.hospital(inputs.hospital_code)
        if hospital.region != inputs.treatment_region:
            raise PricingError(f"hospital {hospital.code} is in {hospital.region}, not {inputs.treatment_region}")
        region_code = config.pricing_region(hospital.code, inputs.treatment_region, inputs.scope)
        region = config.region_year(region_code, inputs.year)
    except KeyError as e:
        raise PricingError(str(e.args[0])) from None
    if inputs.scope is ClaimScope.CROSS_PROVINCE:
        priced = _fixed(inputs, region, None, CaseKind.CROSS_PROVINCE, PaymentBasis.OUTSIDE_POOL, inputs.total_cost)
    else:
        pool = region.pools[region.pool_key(inputs.insutype, cross_region=inputs.scope is ClaimScope.CROSS_REGION).label]
        priced = _price_in_pool(inputs, region, pool, hospital)
    return _settled_by_hand(priced) if inputs.manual_reimbursement else priced


def _price_in_pool(inputs: CaseInputs, region: RegionYear, pool: PoolConfig, hospital: Hospital) -> PricedCase:
    if inputs.preferential_treatment:
        return _preferential(inputs, region, pool)
    category = region.bed_day_category(hospital, inputs.principal_diagnosis, inputs.departments, inputs.los_days)
    if category is not None:
        return _bed_day(inputs, region, pool, hospital, category)
    if inputs.special_case_id is not None:
        return _per_item(inputs, region, pool, CaseKind.SPECIAL_REVIEW,
                         f"特例单议 approved by the treatment region (case {inputs.special_case_id}): per item")
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


def _preferential(inputs: CaseInputs, region: RegionYear, pool: PoolConfig) -> PricedCase:
    """优抚对象: the whole stay per item, Payment = T (seed 003 四(二) 按项目付费: "优抚人员费用等采取按项目
    付费结算方式"); in the pool of the case, like any per-item case."""
    return _per_item(inputs, region, pool, CaseKind.PREFERENTIAL, "优抚对象: per item (seed 003 四(二))")


def _bed_day(inputs: CaseInputs, region: RegionYear, pool: PoolConfig, hospital: Hospital, code: str) -> PricedCase:
    """按床日 (seed 000 二(一): long psychiatric and rehabilitation stays "可以实行按床日付费"; seed 003 四(四):
    "对精神疾病、安宁疗护住院等采取按床日付费方式结算"): Payment = min(LOS, max_days) × the category's daily
    rate for the hospital's class; fixed, not rescaled at the final rate. An emergency part is not split off."""
    category = region.bed_day[code]
    rate = category.daily_rate(hospital)
    if rate is None:
        raise PricingError(f"region {region.region} {region.year}: bed-day category {code!r} has no rate for "
                           f"hospital class {'/'.join(hospital.classes)} (bed_day.{code}.rates) and no rate")
    days = inputs.los_days if category.max_days is None else min(inputs.los_days, category.max_days)
    capped = f" (LOS {inputs.los_days}, at most {category.max_days} paid)" if days < inputs.los_days else ""
    return _fixed(
        inputs, region, pool, CaseKind.BED_DAY, PaymentBasis.BED_DAY, days * rate,
        f"bed-day {code} {category.name}: {days} days × {rate}{capped}",
        bed_day_rate=rate, bed_day_category=code, bed_days=days,
    )


def _settled_by_hand(priced: PricedCase) -> PricedCase:
    """手工报销 (seed 001 (一): "逐步将参保人员回参保地手工报销的异地费用…纳入DRG/DIP付费管理范围"; seed 000 一(二):
    the insured region's agency does "未联网结算费用的手工报销"): grouped and priced by the region's rules as
    any case (kind and amounts kept for monitoring), but the person paid the hospital in full and the insured
    region reimbursed the person: the fund owes the hospital nothing (FundDue 0), nothing is rescaled."""
    return replace(
        priced, kind=CaseKind.MANUAL_REIMBURSEMENT, basis=PaymentBasis.MANUAL, payment_exact=priced.payment,
        fund_due=ZERO, per_item_part=None,
        note=f"手工报销: priced as {priced.kind.value} ({priced.basis.value}, {priced.payment}); the insured region "
             f"reimbursed the person, nothing owed to the hospital" + (f"; {priced.note}" if priced.note else ""),
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
    emergency, total = _emergency_split(inputs)
    if total < low_amount:
        return _fixed(
            inputs, region, pool, CaseKind.LOW_OUTLIER, PaymentBasis.PER_ITEM, inputs.total_cost,
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
    payment = to_fen(payment_exact) + emergency
    return PricedCase(
        inputs=inputs,
        scheme=region.scheme,
        pool=pool.key,
        kind=kind,
        basis=PaymentBasis.WEIGHT,
        payment_exact=payment_exact,
        payment=payment,
        fund_due=fund_due(inputs.total_cost, inputs.basic_fund_payment, payment),
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
        per_item_part=emergency or None,
        note="; ".join(filter(None, ["base group" if entry.base_group else "", _emergency_note(emergency)])),
    )


def _emergency_split(inputs: CaseInputs) -> tuple[Decimal, Decimal]:
    """急诊转住院 (seed 003 四(二): "急诊转住院中急诊部分费用…采取按项目付费结算方式"): (E, T − E). The emergency
    part E is paid per item beside the group payment and never rescaled; the group prices the inpatient
    part T − E (its outlier tests too). FundDue stays max(0, F + Payment − T) over the whole list."""
    emergency = inputs.emergency_fee
    return emergency, inputs.total_cost - emergency


def _emergency_note(emergency: Decimal) -> str:
    return f"急诊转住院: emergency part {emergency} per item, the group priced on T − {emergency}" if emergency else ""


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


SPECIAL_REVIEW_DIP = "dip-above-multiple"
CONSERVATIVE_SUFFIX = ":保守"


def _price_dip(inputs: CaseInputs, region: RegionYear, pool: PoolConfig, hospital: Hospital) -> PricedCase:
    """DOMAIN.md §5 DIP with seed 003's catalogues and types (regional_config.DipPolicy):

    P = D_g × r × C × m × s × (1 + b) × a, Payment = P × V_p, where
    - C: the hospital's coefficient; C = policy.base_group_coefficient for 基础病种, 基层病种 and
      中医优势病种 (the same score at every level, seed 003 三(一)/(二)); r: tcm.score_ratio for TCM cases;
    - m: 1, or the outlier multiple (high: T/mean − H + 1; low: T/mean);
    - above special_review × mean (seed 003 三(二) 特例单议, DOMAIN.md §5 "> 5 × mean_g: special
      review"): not paid as an open-ended high outlier but referred to the special-case review queue
      (special_review = "dip-above-multiple") and paid provisionally at the capped multiple
      special_review − H + 1, i.e. as if T were special_review × mean, until the review decides;
    - s: the severity level's coefficient (疾病严重程度辅助目录, seed 003 三(一));
    - b: the hospital's 分值加成 share by category (seed 003 三(二)/(三)); none for 基础/基层 types;
    - a: the abnormal-cost coefficient when a conservative stay looks like a lowered admission
      standard (违规行为监督辅助目录, seed 003 三(一), 五(二) 降低住院标准).
    """
    dip_type = region.dip_catalogue.get(inputs.group_code or "")
    if dip_type is None:
        kind = CaseKind.NOT_COVERED if inputs.grouping_status is GroupingStatus.GROUPED else CaseKind(inputs.grouping_status.value)
        return _per_item(inputs, region, pool, kind, f"{inputs.group_code}: not in the DIP catalogue")
    dip = region.policy.dip
    emergency, total = _emergency_split(inputs)
    mean = dip_type.mean_cost
    notes: list[str] = []
    same_score = dip_type.base_group or inputs.dip_category in ("primary", "tcm")
    coefficient = region.policy.base_group_coefficient if same_score else hospital.coefficient
    score = dip_type.score
    if inputs.dip_category == "tcm" and dip.tcm.score_ratio != ONE:
        score = dip_type.score * dip.tcm.score_ratio
        notes.append(f"中医优势病种: score {dip_type.score} × {dip.tcm.score_ratio}")
    if same_score:
        notes.append(f"{_same_score_reason(dip_type.base_group, inputs.dip_category)}: C = {coefficient} at every level")
    low_amount, high_amount = dip.low * mean, dip.high * mean
    review_amount = dip.special_review * mean
    special_review = None
    if total > review_amount:
        kind, multiple = CaseKind.HIGH_OUTLIER, dip.special_review - dip.high + ONE
        special_review = SPECIAL_REVIEW_DIP
        notes.append(f"T > {dip.special_review} × mean {mean}: referred to special-case review (特例单议), paid "
                     f"provisionally at the capped multiple {multiple} until the review decides")
    elif total > high_amount:
        kind, multiple = CaseKind.HIGH_OUTLIER, (total - high_amount) / mean + ONE  # T/mean - H + 1
    elif total < low_amount:
        kind, multiple = CaseKind.LOW_OUTLIER, total / mean
    else:
        kind, multiple = CaseKind.NORMAL, ONE
    severity = dip.severity.coefficient(inputs.dip_severity)
    if severity != ONE:
        notes.append(f"severity level {inputs.dip_severity}: points × {severity}")
    bonus = Decimal(0) if dip_type.base_group or inputs.dip_category == "primary" else dip.bonus_for(hospital.categories)
    if bonus:
        listed = ", ".join(c for c in hospital.categories if c in dip.bonuses)
        notes.append(f"分值加成 {listed}: points × (1 + {bonus})")
    abnormal = ONE
    rule = dip.abnormal_cost
    if (rule.enabled and dip_type.code.endswith(CONSERVATIVE_SUFFIX) and inputs.los_days <= rule.max_los_days
            and total < rule.max_cost_ratio * mean):
        abnormal = rule.coefficient
        notes.append(f"abnormal cost (低标入院): conservative stay of {inputs.los_days} day(s), T < "
                     f"{rule.max_cost_ratio} × mean {mean}: points × {rule.coefficient}")
    points = score * coefficient * multiple * severity * (ONE + bonus) * abnormal
    payment_exact = points * pool.provisional_rate
    return PricedCase(
        inputs=inputs,
        scheme=region.scheme,
        pool=pool.key,
        kind=kind,
        basis=PaymentBasis.WEIGHT,
        payment_exact=payment_exact,
        payment=to_fen(payment_exact) + emergency,
        fund_due=fund_due(inputs.total_cost, inputs.basic_fund_payment, to_fen(payment_exact) + emergency),
        provisional_rate=pool.provisional_rate,
        rate=pool.provisional_rate,
        weight=dip_type.score,
        coefficient=coefficient,
        standard=dip_type.score * coefficient * pool.provisional_rate,
        reference_cost=mean,
        cost_ratio=total / mean,
        low_threshold=dip.low,
        high_threshold=dip.high,
        low_amount=low_amount,
        high_amount=high_amount,
        paid_weight=points,
        rate_units=points,
        review_required=special_review is not None,
        special_review=special_review,
        severity_coefficient=severity if severity != ONE else None,
        score_bonus=bonus or None,
        per_item_part=emergency or None,
        note="\n".join(filter(None, [*notes, _emergency_note(emergency)])),
    )


def _same_score_reason(base_group: bool, category: str | None) -> str:
    return "基础病种" if base_group else {"primary": "基层病种", "tcm": "中医优势病种"}[category]
