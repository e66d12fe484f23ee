"""Annual adjustment (年度清算调整): a late list or a correction of a year already cleared.

The year's final rates stand as the annual run fixed them; a claim version the annual run did not
settle is settled at them: FundDue final = max(0, F + to_fen(X × R_final / R_p) − T) for a weight-paid
case, FundDue as priced otherwise. Per hospital and pool the run pays the difference from what the
annual stage settled before for those claims, less confirmed deductions no run has taken:

    balance = Σ (FundDue final + per item) − Σ before (FundDue final + per item) − deductions

A correction that moves a claim to another pool takes its earlier FundDue out of the old pool's line
and puts the new one in the new pool's. Overrun shares and the guarantee are not reopened.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from yidi_common.claims import fund_due_fen

from .annual import final_payment_fen, rate_factor100
from .cases import fen, yuan
from .settlement import Difference, Settled, Stage, stage_amounts

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class AdjustmentLine:
    hospital: str
    pool: str | None
    cases: int
    fund_due_provisional: Decimal  # Σ provisional FundDue now − before (what the claim entries moved)
    fund_due_final: Decimal  # Σ final FundDue now − before
    per_item: Decimal
    deductions: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class AnnualAdjustment:
    lines: list[AdjustmentLine]
    settled: list[Settled]


def annual_adjustment(differences: Iterable[Difference], rates: Mapping[str, tuple[Decimal, Decimal | None]],
                      deductions: dict[str, Decimal], run: str = "") -> AnnualAdjustment:
    """rates: per pool label (R_p, R_final) as the annual run fixed them."""
    sums: dict[tuple[str, str | None], list] = {}
    settled = []
    for d in differences:
        case = d.case
        provisional, per_item = stage_amounts(Stage.ANNUAL, case)
        final = provisional
        if case.payment_exact is not None and case.pool in rates and rates[case.pool][1] is not None:
            rate, final_rate = rates[case.pool]
            payment = final_payment_fen(case.payment_exact, rate_factor100(final_rate, rate))
            final = yuan(fund_due_fen(fen(case.total_cost), fen(case.basic_fund), payment))
        before = d.before
        line = sums.setdefault((case.hospital_code, case.pool), [0, ZERO, ZERO, ZERO])
        line[0] += 1
        line[1] += provisional
        line[2] += final
        line[3] += per_item
        if before is not None:  # what the version before brought to its own pool (a correction may move it)
            old = sums.setdefault((before.hospital_code, before.pool), [0, ZERO, ZERO, ZERO])
            old[1] -= before.provisional
            old[2] -= before.fund_due
            old[3] -= before.per_item
        settled.append(Settled(Stage.ANNUAL, case.claim_id, case.version, run, case.period, case.hospital_code,
                               case.treatment_region, case.insured_region, final, per_item, provisional, case.pool))
    lines = []
    hospitals = sorted({h for h, _ in sums} | deductions.keys())
    for hospital in hospitals:
        pools = sorted((p for h, p in sums if h == hospital), key=lambda p: p or "")
        deducted = deductions.get(hospital, ZERO)
        for i, pool in enumerate(pools or [None]):
            count, provisional, final, per_item = sums.get((hospital, pool), [0, ZERO, ZERO, ZERO])
            taken = deducted if i == 0 else ZERO  # a hospital's deductions on its first line
            lines.append(AdjustmentLine(hospital, pool, count, provisional, final, per_item, taken,
                                        final + per_item - taken))
    return AnnualAdjustment(lines, settled)
