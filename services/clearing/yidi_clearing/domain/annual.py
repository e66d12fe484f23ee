"""Annual clearing (DOMAIN.md §6-7): final rate per pool, FundDue re-priced, overrun sharing.

Per pool p, over its weight-paid cases (Σ_w) and fixed-amount cases (Σ_item: per item, bed-day):

    R_final = (A_p − Σ_item FundDue + Σ_w (T − F)) / Σ_w (w × C_h)         (DIP: points, V_p)

computed as (…) × R_p / Σ_w X with X = w × R_p × C_h the unrounded provisional payment, then
rounded half-up to `final_rate_places` and floored at 0. Each weight case pays
to_fen(X × R_final / R_p), case kinds fixed as priced, and FundDue = max(0, F + Payment − T)
(yidi_common.claims.fund_due_fen).
Σ FundDue = A_p but for the floor at 0 and the rounding (of the rate and of each case):
the residue A_p − Σ FundDue posts to the pool's reserve, which also holds B_p − A_p.

Overrun sharing per hospital and pool: overrun = Σ T − Σ Payment (final); the reserve pays
s × min(overrun, c × Σ Payment) (to the fen, half-up), pro rata (largest remainder) when short;
what the reserve has left returns to the fund.

Per hospital (HospitalAnnual), what the year owes it less what it was paid:

    balance = Σ FundDue final + Σ per item + overrun paid + guarantee released
              − deductions − penalties − prepayment − paid monthly − withheld monthly

the guarantee withheld by the monthly runs being released at the share its assessment earns
(guarantee.py) and forfeited otherwise; so the hospital's payments over the year (prepayment, monthly,
annual balance) come to Σ FundDue final + per item + overrun paid − deductions − forfeited.

Kernel: two passes over integer-fen columns (cases.py); one Decimal multiply per weight case.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yidi_common.claims import fund_due_fen
from yidi_common.money import to_fen
from yidi_common.regional_config import PoolKey, ProvinceConfig

from .allocation import pro_rata_fen
from .cases import ClearingCases, fen, yuan


@dataclass(frozen=True, slots=True)
class HospitalAdjustments:
    deductions: Decimal = Decimal("0.00")  # confirmed audit deductions of the year
    penalties: Decimal = Decimal("0.00")  # assessment penalty (考核扣款)
    paid_monthly: Decimal = Decimal("0.00")  # Σ paid in monthly pre-settlement (net of withholding)
    withheld: Decimal = Decimal("0.00")  # Σ guarantee withheld by the monthly runs
    release_share: Decimal = Decimal("1")  # of the guarantee, as the assessment earns it
    prepayment: Decimal = Decimal("0.00")  # year-start prepayment (预拨周转金), offset here
    per_item: Decimal = Decimal("0.00")  # Σ paid as charged (other funds; cross-province claims)


@dataclass(frozen=True, slots=True)
class PoolClearing:
    pool: PoolKey
    cases: int
    weight_cases: int
    budget: Decimal  # B_p
    risk_reserve: Decimal  # ρ
    distributable: Decimal  # A_p
    provisional_rate: Decimal  # R_p / V_p
    item_fund_due: Decimal  # Σ_item FundDue
    weight_cost_less_fund: Decimal  # Σ_w (T − F)
    weight_units: Decimal  # Σ_w (w × C_h), DIP Σ P
    final_rate: Decimal | None  # None when the pool has no weight-paid case
    fund_due_provisional: Decimal
    fund_due_final: Decimal
    residue: Decimal  # A_p − Σ FundDue final, posted to the reserve
    reserve: Decimal  # (B_p − A_p) + residue
    overrun_claims: Decimal
    overrun_paid: Decimal
    reserve_returned: Decimal  # reserve − overrun paid, back to the fund


@dataclass(frozen=True, slots=True)
class HospitalPoolLine:
    pool: PoolKey
    hospital: str
    cases: int
    total_cost: Decimal  # Σ T
    payment_final: Decimal  # Σ Payment at the final rate
    fund_due_provisional: Decimal
    fund_due_final: Decimal
    overrun: Decimal  # max(0, Σ T − Σ Payment)
    overrun_claim: Decimal  # s × min(overrun, c × Σ Payment)
    overrun_paid: Decimal


@dataclass(frozen=True, slots=True)
class HospitalAnnual:
    hospital: str
    fund_due_final: Decimal
    per_item: Decimal
    overrun_paid: Decimal
    deductions: Decimal
    penalties: Decimal
    withheld: Decimal
    released: Decimal
    forfeited: Decimal
    prepayment: Decimal
    paid_monthly: Decimal
    balance: Decimal  # > 0 paid to the hospital, < 0 recovered from it

    @property
    def paid_over_year(self) -> Decimal:
        return self.prepayment + self.paid_monthly + self.balance


@dataclass(frozen=True, slots=True)
class AnnualClearing:
    pools: list[PoolClearing]
    lines: list[HospitalPoolLine]
    hospitals: list[HospitalAnnual]
    fund_due_final_fen: list[int]  # per case, in the order of ClearingCases


def annual_clearing(
    cases: ClearingCases,
    config: ProvinceConfig,
    adjustments: dict[str, HospitalAdjustments] | None = None,
    clearing_totals: Mapping[str, Decimal] | None = None,
) -> AnnualClearing:
    """clearing_totals: earlier years' clearing totals by pool label, for pools budgeted from history
    (seed 000 四(一)); a pool whose years are missing raises BudgetHistoryError."""
    n_pools, n_hospitals = len(cases.pools), len(cases.hospitals)
    sums = _aggregate(cases, n_pools)
    terms = [_final_terms(config, pool, sums, p, clearing_totals or {}) for p, pool in enumerate(cases.pools)]
    per_line, case_due_final = _reprice(cases, n_hospitals, [t.factor100 for t in terms])
    pools, lines = [], []
    for p, pool in enumerate(cases.pools):
        t = terms[p]
        line_ids = sorted(k for k in per_line if k // n_hospitals == p)
        fund_due_final = sum(per_line[k][3] for k in line_ids)
        residue = t.distributable - fund_due_final
        reserve = t.budget - t.distributable + residue
        claims = [_overrun_claim(per_line[k], t.overrun_share, t.overrun_cap) for k in line_ids]
        paid = pro_rata_fen(max(0, reserve), [c for _, c in claims])
        for k, (overrun, claim), paid_fen in zip(line_ids, claims, paid):
            count, total, payment, due_final, due_provisional = per_line[k]
            lines.append(HospitalPoolLine(
                pool, cases.hospitals[k % n_hospitals], count, yuan(total), yuan(payment),
                yuan(due_provisional), yuan(due_final), yuan(overrun), yuan(claim), yuan(paid_fen),
            ))
        pools.append(PoolClearing(
            pool=pool,
            cases=sums.count[p],
            weight_cases=sums.weight_count[p],
            budget=yuan(t.budget),
            risk_reserve=t.risk_reserve,
            distributable=yuan(t.distributable),
            provisional_rate=t.rate,
            item_fund_due=yuan(sums.item_fund_due[p]),
            weight_cost_less_fund=yuan(sums.weight_cost_less_fund[p]),
            weight_units=t.units,
            final_rate=t.final_rate,
            fund_due_provisional=yuan(sum(per_line[k][4] for k in line_ids)),
            fund_due_final=yuan(fund_due_final),
            residue=yuan(residue),
            reserve=yuan(reserve),
            overrun_claims=yuan(sum(c for _, c in claims)),
            overrun_paid=yuan(sum(paid)),
            reserve_returned=yuan(reserve - sum(paid)),
        ))
    return AnnualClearing(pools, lines, _hospital_statements(lines, adjustments or {}), case_due_final)


@dataclass(frozen=True, slots=True)
class _PoolSums:
    """Per pool, indexed as ClearingCases.pools."""

    count: list[int]
    weight_count: list[int]
    basic: list[int]  # Σ F
    item_fund_due: list[int]
    weight_cost_less_fund: list[int]
    exact_sum: list[Decimal]  # Σ_w X


@dataclass(frozen=True, slots=True)
class _PoolTerms:
    budget: int  # fen
    distributable: int  # fen
    risk_reserve: Decimal
    rate: Decimal  # R_p
    units: Decimal  # Σ_w X / R_p
    final_rate: Decimal | None
    factor100: Decimal | None  # 100 × R_final / R_p
    overrun_share: Decimal
    overrun_cap: Decimal


def _aggregate(cases: ClearingCases, n_pools: int) -> _PoolSums:
    """Pass 1: per-pool sums (integer fen, Decimal only for Σ X)."""
    count, weight_count = [0] * n_pools, [0] * n_pools
    basic, item_due, cost_less_fund = [0] * n_pools, [0] * n_pools, [0] * n_pools
    exact_sum = [Decimal(0)] * n_pools
    for p, t, f, due, x in zip(
        cases.pool_index, cases.total_fen, cases.basic_fund_fen, cases.fund_due_fen, cases.payment_exact
    ):
        count[p] += 1
        basic[p] += f
        if x is None:
            item_due[p] += due
        else:
            weight_count[p] += 1
            cost_less_fund[p] += t - f
            exact_sum[p] += x
    return _PoolSums(count, weight_count, basic, item_due, cost_less_fund, exact_sum)


def _final_terms(config: ProvinceConfig, pool: PoolKey, sums: _PoolSums, p: int,
                 clearing_totals: Mapping[str, Decimal]) -> _PoolTerms:
    pool_config = config.pool(pool)
    policy = config.region_year(pool.region, pool.year).policy
    budget = pool_config.budget_for(yuan(sums.basic[p]), pool_config.history_from(clearing_totals))
    distributable = policy.distributable(budget)
    rate = pool_config.provisional_rate
    exact_sum = sums.exact_sum[p]
    final_rate = None
    factor100 = None
    if exact_sum > 0:
        numerator = distributable - yuan(sums.item_fund_due[p]) + yuan(sums.weight_cost_less_fund[p])
        quantum = Decimal(1).scaleb(-policy.final_rate_places)
        final_rate = max(Decimal(0), (numerator * rate / exact_sum).quantize(quantum, rounding=ROUND_HALF_UP))
        factor100 = rate_factor100(final_rate, rate)  # exactly 100 when R_final = R_p
    return _PoolTerms(fen(budget), fen(distributable), policy.risk_reserve, rate, exact_sum / rate, final_rate,
                      factor100, policy.overrun_share, policy.overrun_cap)


def _reprice(cases: ClearingCases, n_hospitals: int,
             factor100: list[Decimal | None]) -> tuple[dict[int, list[int]], list[int]]:
    """Pass 2: per (pool, hospital) [cases, Σ T, Σ Payment final, Σ FundDue final, Σ FundDue provisional]
    (lists, not records: they are added to once per case), and each case's FundDue final."""
    lines: dict[int, list[int]] = {}
    due_final: list[int] = []
    for p, h, t, f, pay, due, x in zip(
        cases.pool_index, cases.hospital_index, cases.total_fen, cases.basic_fund_fen,
        cases.payment_fen, cases.fund_due_fen, cases.payment_exact,
    ):
        provisional_due = due
        if x is not None:
            pay = final_payment_fen(x, factor100[p])
            due = fund_due_fen(t, f, pay)
        due_final.append(due)
        line = lines.get(p * n_hospitals + h)
        if line is None:
            line = lines[p * n_hospitals + h] = [0, 0, 0, 0, 0]
        line[0] += 1
        line[1] += t
        line[2] += pay
        line[3] += due
        line[4] += provisional_due
    return lines, due_final


def final_payment_fen(payment_exact: Decimal, factor100: Decimal) -> int:
    """Payment at the final rate in fen: X × R_final / R_p, half-up (factor100 = 100 × R_final / R_p)."""
    return int((payment_exact * factor100).to_integral_value(ROUND_HALF_UP))


def rate_factor100(final_rate: Decimal, provisional_rate: Decimal) -> Decimal:
    return (final_rate / provisional_rate).scaleb(2)


def _overrun_claim(line: list[int], share: Decimal, cap: Decimal) -> tuple[int, int]:
    _, total, payment, _, _ = line
    overrun = max(0, total - payment)
    if overrun == 0:
        return 0, 0
    claim = to_fen(share * min(yuan(overrun), cap * yuan(payment)))
    return overrun, fen(claim)


def _hospital_statements(lines: list[HospitalPoolLine], adjustments: dict[str, HospitalAdjustments]) -> list[HospitalAnnual]:
    due: dict[str, Decimal] = {}
    shared: dict[str, Decimal] = {}
    for line in lines:
        due[line.hospital] = due.get(line.hospital, Decimal("0.00")) + line.fund_due_final
        shared[line.hospital] = shared.get(line.hospital, Decimal("0.00")) + line.overrun_paid
    result = []
    for hospital in sorted(due.keys() | adjustments.keys()):
        adj = adjustments.get(hospital, HospitalAdjustments())
        fund_due_final = due.get(hospital, Decimal("0.00"))
        overrun_paid = shared.get(hospital, Decimal("0.00"))
        released = to_fen(adj.withheld * adj.release_share)
        balance = (fund_due_final + adj.per_item + overrun_paid + released - adj.deductions - adj.penalties
                   - adj.prepayment - adj.paid_monthly - adj.withheld)
        result.append(HospitalAnnual(
            hospital, fund_due_final, adj.per_item, overrun_paid, adj.deductions, adj.penalties, adj.withheld,
            released, adj.withheld - released, adj.prepayment, adj.paid_monthly, balance,
        ))
    return result
