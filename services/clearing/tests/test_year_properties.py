"""A settlement year in random order (issue 12 item 12): a stateful property test over the real use cases
and the in-memory repository, and a small year worked by hand.

The machine interleaves priced claim versions (local, cross-region, cross-province; hospitals of 360100 and
360500; every month of 2026), corrections (amounts, sometimes the insured region and so the scope), late
lists, replays (the same version again, an older one after a newer one), confirmed deductions, monthly runs
of any month (again: supplementary runs), cross-region and cross-province runs, a prepayment, an advance,
assessments and annual runs. After each step it checks what the use cases did against a model it keeps
itself (the versions posted, what each stage settled, which deductions were taken where), with the amounts
worked from the claims' own figures (DOMAIN.md §5-7), not from the production functions. At the end
(teardown) it runs every month's runs, the annual runs, possibly a correction, a late list and a deduction
after them with the annual adjustment and December's supplementary interregional runs, and asks check_year.

It found two production bugs, each kept as its smallest example at the end of this file: an annual
adjustment of a claim that moved to another pool left the pool residues wrong, and a prepayment was
accepted after the annual run.
"""
from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from pydantic import BaseModel

from yidi_clearing.domain import ClearingCase, ConfirmedDeduction
from yidi_clearing.domain.guarantee import AssessmentMissing
from yidi_clearing.domain.ledger import JournalEntry, Line
from yidi_clearing.domain.settlement import Stage
from yidi_clearing.service_layer.clearing_runs import (
    YearClosed,
    record_assessments,
    run_advance,
    run_annual,
    run_cross_province,
    run_cross_region,
    run_monthly,
    run_prepayment,
)
from yidi_clearing.service_layer.ledger_postings import apply_priced_claims, record_deduction
from yidi_clearing.service_layer.year_close import check_year
from yidi_common.claims import ClaimScope, claim_scope
from yidi_common.events import new_event
from yidi_common.events.registry import PAYMENT_PRICED
from yidi_common.regional_config import ProvinceConfig, load_config
from yidi_common.unit_of_work import Transaction

from .factories import priced_case
from .fakes import FakeClearingRepository

D = Decimal
ZERO = D("0.00")
YEAR = 2026
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
FIXTURE_CONFIG = Path(__file__).resolve().parents[2] / "pricing" / "tests" / "fixtures" / "config"

# The fixture configuration (conftest.py): 360100 DRG, separate 310/390 and local/cross pools, R_p 10000
# (390: 9000); 360500 DIP, one merged pool, V_p 10. Policy: q = 5 %, default guarantee release bands.
REGIONS = {"360100": ("H1", "H2", "H3"), "360500": ("D1", "D2")}
REGION_OF = {h: r for r, hs in REGIONS.items() for h in hs}
CROSS_REGION_INSURED = {"360100": ("360400", "360500"), "360500": ("360100", "360700")}
CROSS_PROVINCE_INSURED = ("110100", "440300")
ADVANCING = ("360100", "360400", "360500", "360700")
Q = D("0.05")
RELEASE_BANDS = ((D(90), D(1)), (D(80), D("0.8")), (D(70), D("0.6")), (D(60), D("0.4")))  # below 60: nothing
SCORES = [D(95), D(85), D(75), D(65), D(40)]


@cache
def fixture_config() -> ProvinceConfig:
    return load_config(FIXTURE_CONFIG)


def with_budget(config: ProvinceConfig, region: str, label: str, budget: Decimal) -> ProvinceConfig:
    ry = config.region_year(region, YEAR)
    pools = {**ry.pools, label: ry.pools[label].model_copy(update={"budget": budget})}
    regions = {**config.region_years, f"{region}-{YEAR}": ry.model_copy(update={"pools": pools})}
    return config.model_copy(update={"region_years": regions})


def sync(coroutine):
    """Runs a use case over the fake repository, which never suspends."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the fake repository suspended")


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def dec(value) -> Decimal:
    return D(str(value))


def release_share(score: Decimal) -> Decimal:
    return next((share for minimum, share in RELEASE_BANDS if score >= minimum), D(0))


# ---------------------------------------------------------------- the claims' own figures


def owed(case: ClearingCase) -> tuple[Decimal, Decimal]:
    """(FundDue at the provisional rate, per item) the treatment region owes the hospital for a claim version:
    a claim in a pool FundDue + the other funds' payments; a cross-province claim every fund's payment."""
    if case.scope is ClaimScope.CROSS_PROVINCE:
        return ZERO, case.basic_fund + case.other_funds
    return case.fund_due, case.other_funds


def owed_total(case: ClearingCase | None) -> Decimal:
    return sum(owed(case), ZERO) if case is not None else ZERO


def remitted(case: ClearingCase | None, scope: ClaimScope) -> Decimal:
    """What a claim version owes across regions in a scope: every fund payment, per item."""
    return case.basic_fund + case.other_funds if case is not None and case.scope is scope else ZERO


def final_fund_due(case: ClearingCase, rates: dict[str, tuple[Decimal, Decimal | None]]) -> Decimal:
    """FundDue at the year's final rate: a weight-paid case is paid X × R_final / R_p (half-up to the fen, the
    kernel's order of operations), FundDue = max(0, F + Payment − T); any other claim keeps its FundDue."""
    due, _ = owed(case)
    rate, final = rates.get(case.pool or "", (None, None))
    if case.payment_exact is None or final is None:
        return due
    payment = (case.payment_exact * (final / rate).scaleb(2)).to_integral_value(ROUND_HALF_UP).scaleb(-2)
    return fen(max(ZERO, case.basic_fund + payment - case.total_cost))


@dataclass(frozen=True)
class Figures:
    total: int  # T in fen
    fund_pct: int  # F as % of T
    other: int  # other funds in fen (at most T − F)
    exact: Decimal | None  # X for a weight-paid case; None: per item (Payment = T)


@dataclass(frozen=True)
class Where:
    region: str
    hospital: int
    scope: ClaimScope
    insured: int
    insutype: str
    month: str


figures = st.builds(Figures, total=st.integers(500_00, 60_000_00), fund_pct=st.integers(0, 90),
                    other=st.integers(0, 3_000_00),
                    exact=st.none() | st.decimals(D("300"), D("80000"), places=4, allow_nan=False,
                                                  allow_infinity=False))
scopes = st.sampled_from([ClaimScope.LOCAL, ClaimScope.LOCAL, ClaimScope.CROSS_REGION, ClaimScope.CROSS_PROVINCE])
wheres = st.builds(Where, region=st.sampled_from(sorted(REGIONS)), hospital=st.integers(0, 2), scope=scopes,
                   insured=st.integers(0, 1), insutype=st.sampled_from(["310", "390"]),
                   month=st.sampled_from(MONTHS))


@dataclass(frozen=True)
class AfterClose:
    """What arrives after the annual runs: a correction (maybe moving the insured region), a late list, a
    deduction on the corrected claim."""

    index: int
    figures: Figures
    move: bool
    scope: ClaimScope
    choice: int
    late: Where
    late_figures: Figures
    deduct: bool


after_close = st.builds(AfterClose, index=st.integers(0, 10**6), figures=figures, move=st.booleans(), scope=scopes,
                        choice=st.integers(0, 1), late=wheres, late_figures=figures, deduct=st.booleans())


def insured_region(treatment: str, scope: ClaimScope, choice: int) -> str:
    if scope is ClaimScope.LOCAL:
        return treatment
    options = CROSS_REGION_INSURED[treatment] if scope is ClaimScope.CROSS_REGION else CROSS_PROVINCE_INSURED
    return options[choice % len(options)]


def pool_label(treatment: str, insutype: str, scope: ClaimScope) -> str | None:
    if scope is ClaimScope.CROSS_PROVINCE:
        return None
    if treatment == "360500":
        return f"360500-{YEAR}-DIP-all-all"
    return f"360100-{YEAR}-DRG-{insutype}-{'local' if scope is ClaimScope.LOCAL else 'cross'}"


def claim_version(claim_id: str, version: int, month: str, hospital: str, insured: str, insutype: str,
                  f: Figures) -> ClearingCase:
    """A claim version priced by hand: weight-paid Payment = X to the fen, per item Payment = T;
    FundDue = max(0, F + Payment − T) (DOMAIN.md §5)."""
    treatment = REGION_OF[hospital]
    scope = claim_scope(insured_region=insured, treatment_region=treatment)
    total = D(f.total).scaleb(-2)
    fund = D(f.total * f.fund_pct // 100).scaleb(-2)
    other = D(min(f.other, f.total - f.total * f.fund_pct // 100)).scaleb(-2)
    exact = f.exact if scope is not ClaimScope.CROSS_PROVINCE else None
    payment = fen(exact) if exact is not None else total
    due = max(ZERO, fund + payment - total)
    case = priced_case(str(total), str(fund), str(payment), str(due), None if exact is None else str(exact),
                       hospital=hospital, region=treatment, insured=insured, scope=scope,
                       pool=pool_label(treatment, insutype, scope), month=month, other=str(other),
                       claim_id=claim_id, version=version,
                       case_kind="normal" if exact is not None else "per-item")
    return replace(case, insutype=insutype)


class Cause(BaseModel):
    claim_id: str
    version: int


def priced_event(case: ClearingCase):
    return new_event(type=PAYMENT_PRICED, source="/yidi/pricing", subject=case.claim_id,
                     payload=Cause(claim_id=case.claim_id, version=case.version),
                     correlationid=f"corr-{case.claim_id}-{case.version}")


def deduction_scope(d: ConfirmedDeduction) -> ClaimScope:
    return claim_scope(insured_region=d.insured_region, treatment_region=d.treatment_region)


def balances(entries) -> Counter:
    sums: Counter = Counter()
    for entry in entries:
        for line in entry.lines:
            sums[line.account] += line.debit - line.credit
    return sums


# ---------------------------------------------------------------- the machine


class ClosingAYear(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.repo = FakeClearingRepository()
        self.config = fixture_config()
        # the model
        self.posted: dict[str, dict[int, ClearingCase]] = {}  # every version posted, per claim
        self.current: dict[str, ClearingCase] = {}  # the newest version of each claim
        self.monthly_settled: dict[str, ClearingCase] = {}  # the version the monthly stage settled
        self.annual_settled: dict[str, tuple[ClearingCase, Decimal]] = {}  # version and its final FundDue
        self.interregional: dict[Stage, dict[str, ClearingCase]] = {  # the version each stage settled
            Stage.CROSS_REGION: {}, Stage.CROSS_PROVINCE: {}}
        self.deductions: dict[str, ConfirmedDeduction] = {}
        self.applied: dict[str, str] = {}  # flag -> the kind of run that took it from the hospital
        self.cleared: dict[str, str] = {}  # flag -> the kind of run that took it from a remittance
        self.monthly_runs: Counter = Counter()  # (region, month) -> runs
        self.interregional_runs: Counter = Counter()  # (stage, month) -> runs
        self.annual_runs: Counter = Counter()  # region -> runs (0: not cleared)
        self.rates: dict[str, dict] = {}  # region -> the annual run's (R_p, R_final) per pool
        self.overrun: Counter = Counter()  # hospital -> the annual run's overrun share
        self.scores: dict[str, dict[str, Decimal]] = {r: {} for r in REGIONS}
        self.prepaid: dict[str, dict[str, Decimal]] = {}  # region -> amounts
        self.advanced: dict[str, Decimal] | None = None
        self.advance_offset: Counter = Counter()
        self.monthly_lines: set[str] = set()  # hospitals with a monthly line
        self.paid_monthly: Counter = Counter()
        self.withheld: Counter = Counter()
        self.next_claim = 0
        self.next_flag = 0

    # ------------------------------------------------------------ set-up

    @initialize(budget_h=st.integers(5_000, 400_000), budget_d=st.integers(5_000, 400_000),
                final_scores=st.lists(st.sampled_from(SCORES), min_size=5, max_size=5),
                after=st.none() | after_close)
    def plan(self, budget_h, budget_d, final_scores, after):
        """The budgets of the pools 360100 310-local and 360500's (so final rates land above and below the
        provisional ones, and reserves short or not), the assessment results recorded at the end, and what
        arrives after the annual runs."""
        self.config = with_budget(with_budget(self.config, "360100", f"360100-{YEAR}-DRG-310-local", D(budget_h)),
                                  "360500", f"360500-{YEAR}-DIP-all-all", D(budget_d))
        hospitals = [h for r in sorted(REGIONS) for h in REGIONS[r]]
        self.final_scores = dict(zip(hospitals, final_scores))
        self.after_close: AfterClose | None = after

    # ------------------------------------------------------------ priced claims

    def new_claim(self, where: Where, f: Figures) -> ClearingCase:
        self.next_claim += 1
        hospital = REGIONS[where.region][where.hospital % len(REGIONS[where.region])]
        return claim_version(f"c{self.next_claim}", 1, where.month, hospital,
                             insured_region(where.region, where.scope, where.insured), where.insutype, f)

    def correction(self, index: int, f: Figures, move: bool, scope: ClaimScope, choice: int, bump: int = 1):
        claim = self.current[sorted(self.current)[index % len(self.current)]]
        insured = insured_region(claim.treatment_region, scope, choice) if move else claim.insured_region
        version = max(self.posted[claim.claim_id]) + bump
        return claim_version(claim.claim_id, version, claim.period, claim.hospital_code, insured, claim.insutype, f)

    def post(self, cases: list[ClearingCase]) -> None:
        """apply_priced_claims; expects a claim entry per version newer than every version seen (and the
        reversal of the one it supersedes), one ledger.posted event each, and nothing for the others."""
        newest = {c: max(v) for c, v in self.posted.items()}
        expected: list[tuple[str, int, str]] = []
        for case in cases:
            before = newest.get(case.claim_id)
            if before is not None and before >= case.version:
                continue
            if before is not None:
                expected.append((case.claim_id, case.version, "claim.reversal"))
            expected.append((case.claim_id, case.version, f"claim.{case.scope}"))
            newest[case.claim_id] = case.version
        had = set(self.repo.entries)
        tx = Transaction(self.repo)
        sync(apply_priced_claims(tx, [(case, priced_event(case)) for case in cases]))
        fresh = [e for i, e in self.repo.entries.items() if i not in had]
        assert [(e.claim_id, e.version, e.kind) for e in fresh] == expected
        assert [event.id for event in tx.emitted] == [e.entry_id for e in fresh]
        for case in cases:
            self.posted.setdefault(case.claim_id, {})[case.version] = case
            if case.claim_id not in self.current or self.current[case.claim_id].version < case.version:
                self.current[case.claim_id] = case
        assert self.repo.cases_by_claim == self.current

    @rule(where=wheres, f=figures)
    def list_priced(self, where, f):
        self.post([self.new_claim(where, f)])

    @precondition(lambda self: self.monthly_runs)
    @rule(pick=st.integers(0, 10**6), where=wheres, f=figures)
    def late_list(self, pick, where, f):
        """A claim for a month whose monthly run is stored."""
        region, month = sorted(self.monthly_runs)[pick % len(self.monthly_runs)]
        self.post([self.new_claim(replace(where, region=region, month=month), f)])

    @precondition(lambda self: self.current)
    @rule(index=st.integers(0, 10**6), f=figures, move=st.booleans(), scope=scopes, choice=st.integers(0, 1),
          bump=st.integers(1, 2))
    def correct(self, index, f, move, scope, choice, bump):
        """A higher version of a claim: its amounts changed, sometimes its insured region (and so its scope)."""
        self.post([self.correction(index, f, move, scope, choice, bump)])

    @precondition(lambda self: self.current)
    @rule(index=st.integers(0, 10**6), f=figures, g=figures, where=wheres, newer_first=st.booleans())
    def batch(self, index, f, g, where, newer_first):
        """One batch: a new claim, two successive corrections of another, the newer maybe first."""
        first = self.correction(index, f, False, ClaimScope.LOCAL, 0)
        second = self.correction(index, g, False, ClaimScope.LOCAL, 0, bump=2)
        pair = [second, first] if newer_first else [first, second]
        self.post([self.new_claim(where, f), *pair])

    @precondition(lambda self: self.current)
    @rule(index=st.integers(0, 10**6), older=st.integers(0, 10**6))
    def replay(self, index, older):
        """The current version again, or an older one after it: nothing changes."""
        claim_id = sorted(self.posted)[index % len(self.posted)]
        versions = sorted(self.posted[claim_id])
        self.post([self.posted[claim_id][versions[older % len(versions)]]])

    # ------------------------------------------------------------ deductions

    @precondition(lambda self: self.current)
    @rule(index=st.integers(0, 10**6), amount=st.integers(1, 1_500_00), later=st.integers(0, 3))
    def deduct(self, index, amount, later):
        """A confirmed deduction on a claim (any scope), confirmed in the claim's month or a few later."""
        claim = self.current[sorted(self.current)[index % len(self.current)]]
        month = min(int(claim.period[5:]) + later, 12)
        self.next_flag += 1
        flag = ConfirmedDeduction(f"F{self.next_flag}", claim.claim_id, claim.setl_id, claim.hospital_code,
                                  claim.treatment_region, claim.insured_region, D(amount).scaleb(-2),
                                  datetime(YEAR, month, 25, 9), f"{YEAR}-{month:02d}")
        sync(record_deduction(Transaction(self.repo), flag))
        self.deductions[flag.flag_id] = flag

    @precondition(lambda self: self.deductions)
    @rule(index=st.integers(0, 10**6), amount=st.integers(1, 1_500_00))
    def deduction_again(self, index, amount):
        """A confirmation delivered twice (even with another amount) is recorded once."""
        flag = self.deductions[sorted(self.deductions)[index % len(self.deductions)]]
        sync(record_deduction(Transaction(self.repo), replace(flag, amount=D(amount).scaleb(-2))))
        assert self.repo.deductions_by_flag == self.deductions

    # ------------------------------------------------------------ runs

    @rule(region=st.sampled_from(sorted(REGIONS)), month=st.sampled_from(MONTHS))
    def monthly(self, region, month):
        self.run_monthly(region, month)

    @precondition(lambda self: self.monthly_runs)
    @rule(pick=st.integers(0, 10**6))
    def monthly_again(self, pick):
        """A month already run, again: a supplementary run when there is something new, else nothing."""
        self.run_monthly(*sorted(self.monthly_runs)[pick % len(self.monthly_runs)])

    @rule(month=st.sampled_from(MONTHS))
    def cross_region(self, month):
        self.run_interregional(Stage.CROSS_REGION, month)

    @rule(month=st.sampled_from(MONTHS))
    def cross_province(self, month):
        self.run_interregional(Stage.CROSS_PROVINCE, month)

    @rule(region=st.sampled_from(sorted(REGIONS)), amounts=st.lists(st.integers(0, 20_000_00), min_size=3, max_size=3))
    def prepayment(self, region, amounts):
        given = {h: D(a).scaleb(-2) for h, a in zip(REGIONS[region], amounts)}
        if self.annual_runs[region]:
            # refused like a late assessment or monthly run: a receivable posted now would never be offset
            with pytest.raises(YearClosed):
                sync(run_prepayment(Transaction(self.repo), self.config, region, YEAR, given))
            return
        result = sync(run_prepayment(Transaction(self.repo), self.config, region, YEAR, given))
        if region in self.prepaid:
            assert not result.ran
            assert {h: dec(a) for h, a in result.statement["amounts"].items()} == self.prepaid[region]
            return
        assert result.ran
        self.prepaid[region] = {h: a for h, a in given.items() if a}
        assert result.statement["amounts"] == self.prepaid[region]

    @rule(amounts=st.lists(st.integers(0, 30_000_00), min_size=4, max_size=4))
    def advance(self, amounts):
        given = {r: D(a).scaleb(-2) for r, a in zip(ADVANCING, amounts)}
        result = sync(run_advance(Transaction(self.repo), self.config, YEAR, given))
        if self.advanced is not None:
            assert not result.ran
            return
        assert result.ran
        self.advanced = {r: a for r, a in given.items() if a}

    @rule(region=st.sampled_from(sorted(REGIONS)), scores=st.lists(st.sampled_from(SCORES), min_size=3, max_size=3),
          some=st.integers(1, 3))
    def assess(self, region, scores, some):
        self.record_assessments(region, dict(list(zip(REGIONS[region], scores))[:some]))

    @precondition(lambda self: sum(self.monthly_runs.values()) >= 3)
    @rule(region=st.sampled_from(sorted(REGIONS)), now=st.integers(0, 2))
    def annual(self, region, now):
        """A region's annual run before the year's end (now == 0: less often than the other steps), or its
        annual adjustment when it ran already."""
        if now == 0:
            self.run_annual(region)

    # ------------------------------------------------------------ each run against the model

    def run_monthly(self, region: str, month: str) -> None:
        prior = self.monthly_runs[region, month]
        if self.annual_runs[region]:
            if prior:
                assert not sync(run_monthly(Transaction(self.repo), self.config, region, month)).ran
            else:
                with pytest.raises(YearClosed):
                    sync(run_monthly(Transaction(self.repo), self.config, region, month))
            return
        differences = [c for c in self.current.values() if c.treatment_region == region and c.period <= month
                       and (c.claim_id not in self.monthly_settled
                            or self.monthly_settled[c.claim_id].version < c.version)]
        deductions = [d for d in self.deductions.values()
                      if d.treatment_region == region and d.flag_id not in self.applied and d.period <= month]
        result = sync(run_monthly(Transaction(self.repo), self.config, region, month))
        assert result.ran == (not prior or bool(differences or deductions))
        if not result.ran:
            return
        expected: dict[str, list] = {}
        for case in differences:
            before = self.monthly_settled.get(case.claim_id)
            line = expected.setdefault(case.hospital_code, [0, 0, ZERO, ZERO, ZERO])
            line[0] += 1
            line[1] += before is not None
            line[2] += owed(case)[0] - (owed(before)[0] if before else ZERO)
            line[3] += owed(case)[1] - (owed(before)[1] if before else ZERO)
        for d in deductions:
            expected.setdefault(d.hospital_code, [0, 0, ZERO, ZERO, ZERO])[4] += d.amount
        want = []
        for hospital, (cases, corrections, due, per_item, deducted) in sorted(expected.items()):
            payable = due - deducted
            withheld = fen(Q * payable) if payable > 0 else ZERO
            want.append((hospital, cases, corrections, due, per_item, deducted, payable, withheld,
                         payable - withheld + per_item))
        statement = result.statement
        got = [(l["hospital"], l["cases"], l["corrections"], l["fund_due"], l["per_item"], l["deductions"],
                l["payable"], l["withheld"], l["paid"]) for l in statement["lines"]]
        assert got == want, f"monthly {region} {month} run {prior}"
        assert (statement["run"], statement["supplementary"]) == (prior, prior > 0)
        assert sorted(statement["deductions_applied"]) == sorted(d.flag_id for d in deductions)
        for case in differences:
            self.monthly_settled[case.claim_id] = case
        for d in deductions:
            self.applied[d.flag_id] = "monthly"
        for hospital, *_, withheld, paid in want:
            self.monthly_lines.add(hospital)
            self.paid_monthly[hospital] += paid
            self.withheld[hospital] += withheld
        self.monthly_runs[region, month] += 1

    def run_interregional(self, stage: Stage, month: str) -> None:
        scope = ClaimScope.CROSS_REGION if stage is Stage.CROSS_REGION else ClaimScope.CROSS_PROVINCE
        settled = self.interregional[stage]
        prior = self.interregional_runs[stage, month]
        differences = [c for c in self.current.values() if c.period <= month and (
            settled[c.claim_id].version < c.version if c.claim_id in settled else c.scope is scope)]
        deductions = [d for d in self.deductions.values()
                      if d.flag_id not in self.cleared and d.period <= month and deduction_scope(d) is scope]
        offset = {}
        if stage is Stage.CROSS_REGION and month == f"{YEAR}-12" and self.advanced:
            offset = {r: a - self.advance_offset[r] for r, a in self.advanced.items() if a - self.advance_offset[r]}
        run = run_cross_region if stage is Stage.CROSS_REGION else run_cross_province
        result = sync(run(Transaction(self.repo), self.config, month))
        assert result.ran == (not prior or bool(differences or deductions or offset))
        if not result.ran:
            return
        # per (insured, treatment) pair: what the claims owe across regions now less what was settled before
        pairs: Counter = Counter()
        for case in differences:
            before = settled.get(case.claim_id)
            if before is not None:
                pairs[before.insured_region, before.treatment_region] -= remitted(before, scope)
            pairs[case.insured_region, case.treatment_region] += remitted(case, scope)
        insured: dict[str, list] = {}
        treatment: dict[str, list] = {}
        for (i, t), amount in pairs.items():
            insured.setdefault(i, [ZERO, ZERO])[0] += amount
            treatment.setdefault(t, [ZERO, ZERO])[0] += amount
        for d in deductions:
            insured.setdefault(d.insured_region, [ZERO, ZERO])[1] += d.amount
            treatment.setdefault(d.treatment_region, [ZERO, ZERO])[1] += d.amount

        def want(totals: dict[str, list]) -> dict[str, tuple]:
            return {r: (paid, deducted, paid - deducted) for r, (paid, deducted) in totals.items() if paid or deducted}

        def got(totals: list[dict]) -> dict[str, tuple]:
            return {t["region"]: (t["fund_payments"], t["deductions"], t["net"]) for t in totals
                    if t["fund_payments"] or t["deductions"]}

        statement = result.statement
        assert got(statement["remittances"]) == want(insured), f"{stage} {month} run {prior}: remittances"
        assert got(statement["payments"]) == want(treatment), f"{stage} {month} run {prior}: payments"
        assert statement["total"] == sum((p - d for p, d in insured.values()), ZERO)
        assert {r: dec(a) for r, a in statement["advances_offset"].items()} == offset
        assert sorted(statement["deductions_applied"]) == sorted(d.flag_id for d in deductions)
        for case in differences:
            settled[case.claim_id] = case
        for d in deductions:
            self.cleared[d.flag_id] = stage.value
        self.advance_offset.update(offset)
        self.interregional_runs[stage, month] += 1

    def record_assessments(self, region: str, scores: dict[str, Decimal]) -> None:
        if self.annual_runs[region]:
            with pytest.raises(YearClosed):
                sync(record_assessments(Transaction(self.repo), self.config, region, YEAR, scores, "test"))
            return
        sync(record_assessments(Transaction(self.repo), self.config, region, YEAR, scores, "test"))
        self.scores[region].update(scores)

    def run_annual(self, region: str) -> None:
        if self.annual_runs[region]:
            return self.run_adjustment(region)
        missing = sorted(h for h in REGIONS[region] if self.withheld[h] and h not in self.scores[region])
        if missing:
            runs = dict(self.repo.runs)
            with pytest.raises(AssessmentMissing) as refused:
                sync(run_annual(Transaction(self.repo), self.config, region, YEAR))
            assert refused.value.hospitals == missing and self.repo.runs == runs
            return
        tx = Transaction(self.repo)
        result = sync(run_annual(tx, self.config, region, YEAR))
        assert result.ran and len(tx.emitted) == 1
        statement = result.statement
        rates = {p["pool"]: (dec(p["provisional_rate"]), None if p["final_rate"] is None else dec(p["final_rate"]))
                 for p in statement["pools"]}
        for p in statement["pools"]:
            assert dec(p["fund_due_final"]) + dec(p["residue"]) == dec(p["distributable"])
        cases = [c for c in self.current.values() if c.treatment_region == region]
        final = {c.claim_id: final_fund_due(c, rates) for c in cases}
        due: Counter = Counter()
        per_item: Counter = Counter()
        for c in cases:
            due[c.hospital_code] += final[c.claim_id] if c.pool is not None else ZERO
            per_item[c.hospital_code] += owed(c)[1]
        deducted: Counter = Counter()
        for d in self.deductions.values():
            if d.treatment_region == region:
                deducted[d.hospital_code] += d.amount
        prepaid = self.prepaid.get(region, {})
        hospitals = ({c.hospital_code for c in cases} | deducted.keys() | prepaid.keys()
                     | {h for h in self.monthly_lines if REGION_OF[h] == region})
        got = {h["hospital"]: h for h in statement["hospitals"]}
        assert got.keys() == hospitals
        for h in sorted(hospitals):
            line = got[h]
            withheld = self.withheld[h]
            released = fen(withheld * release_share(self.scores[region][h])) if withheld else ZERO
            overrun = dec(line["overrun_paid"])
            balance = (due[h] + per_item[h] + overrun + released - deducted[h] - prepaid.get(h, ZERO)
                       - self.paid_monthly[h] - withheld)
            assert (line["fund_due_final"], line["per_item"], line["deductions"], line["withheld"], line["released"],
                    line["forfeited"], line["prepayment"], line["paid_monthly"], line["balance"]) == (
                due[h], per_item[h], deducted[h], withheld, released, withheld - released, prepaid.get(h, ZERO),
                self.paid_monthly[h], balance), f"annual {region} {h}"
            self.overrun[h] = overrun
        for c in cases:
            self.annual_settled[c.claim_id] = (c, final[c.claim_id])
        for d in self.deductions.values():
            if d.treatment_region == region:
                self.applied.setdefault(d.flag_id, "annual")
        self.rates[region] = rates
        self.annual_runs[region] += 1

    def run_adjustment(self, region: str) -> None:
        rates = self.rates[region]
        differences = [c for c in self.current.values() if c.treatment_region == region and (
            c.claim_id not in self.annual_settled or self.annual_settled[c.claim_id][0].version < c.version)]
        deductions = [d for d in self.deductions.values()
                      if d.treatment_region == region and d.flag_id not in self.applied]
        result = sync(run_annual(Transaction(self.repo), self.config, region, YEAR))
        assert result.ran == bool(differences or deductions)
        if not result.ran:
            return
        expected: Counter = Counter()
        for case in differences:
            before, before_final = self.annual_settled.get(case.claim_id, (None, ZERO))
            expected[case.hospital_code] += (final_fund_due(case, rates) + owed(case)[1]
                                             - before_final - (owed(before)[1] if before else ZERO))
        deducted: Counter = Counter()
        for d in deductions:
            deducted[d.hospital_code] += d.amount
            expected[d.hospital_code] -= d.amount
        statement = result.statement
        assert (statement["kind"], statement["run"]) == ("annual-adjustment", self.annual_runs[region])
        got_balance: Counter = Counter()
        got_deducted: Counter = Counter()
        for line in statement["lines"]:
            got_balance[line["hospital"]] += dec(line["balance"])
            got_deducted[line["hospital"]] += dec(line["deductions"])
        assert {h: v for h, v in got_balance.items() if v} == {h: v for h, v in expected.items() if v}, \
            f"adjustment {region}"
        assert {h: v for h, v in got_deducted.items() if v} == {h: v for h, v in deducted.items() if v}
        for case in differences:
            self.annual_settled[case.claim_id] = (case, final_fund_due(case, rates))
        for d in deductions:
            self.applied[d.flag_id] = "annual-adjustment"
        self.annual_runs[region] += 1

    # ------------------------------------------------------------ invariants

    def entitled(self, hospital: str) -> Decimal:
        """What the claims entitle a hospital to: Σ what its current versions owe at the provisional rate,
        plus, for the versions the annual stage settled, FundDue final − provisional, plus its overrun share."""
        total = ZERO
        for case in self.current.values():
            if case.hospital_code == hospital:
                total += owed_total(case)
                if case.claim_id in self.annual_settled:
                    settled, final = self.annual_settled[case.claim_id]
                    total += final - owed(settled)[0]
        return total + self.overrun[hospital]

    @invariant()
    def entries_balance(self):
        for entry in self.repo.entries.values():
            assert entry.imbalance() == 0, entry
            books: Counter = Counter()
            for line in entry.lines:
                books[line.account.split(":")[0]] += line.debit - line.credit
            assert not +books and not -books, f"{entry.kind} {entry.entry_id}: books {dict(books)}"
        assert sum(balances(self.repo.entries.values()).values(), ZERO) == 0

    @invariant()
    def hospital_payables(self):
        """Per hospital, from the model: the payable account holds what the claims owe the hospital less what
        the runs settled (annual stage once the region is cleared, monthly before): nothing vanishes, nothing
        is paid twice. And from the statements: everything the hospital is entitled to is paid, withheld,
        forfeited, deducted or still payable."""
        ledger = balances(self.repo.entries.values())
        statements = self.statements_by_hospital()
        for region, hospitals in REGIONS.items():
            for h in hospitals:
                open_ = ZERO
                for case in self.current.values():
                    if case.hospital_code != h:
                        continue
                    if self.annual_runs[region]:
                        settled = self.annual_settled.get(case.claim_id, (None, ZERO))[0]
                    else:
                        settled = self.monthly_settled.get(case.claim_id)
                    open_ += owed_total(case) - owed_total(settled)
                payable = -ledger[f"{region}:hospital-payable:{h}"]
                assert payable == open_, f"{h}: hospital-payable {payable}, claims owe {open_} more than settled"
                paid, withheld, forfeited, deducted, prepaid_open = statements[h]
                assert paid + withheld + forfeited + deducted + payable - prepaid_open == self.entitled(h), (
                    f"{h}: paid {paid} + withheld {withheld} + forfeited {forfeited} + deducted {deducted} + payable "
                    f"{payable} − prepaid {prepaid_open} ≠ entitled {self.entitled(h)}")
                assert ledger[f"{region}:guarantee-withheld:{h}"] == -withheld
                assert ledger[f"{region}:prepayment-receivable:{h}"] == prepaid_open
                taken = sum((d.amount for d in self.deductions.values() if d.hospital_code == h
                             and d.flag_id in self.applied), ZERO)
                returned = sum((d.amount for d in self.deductions.values() if d.hospital_code == h
                                and d.flag_id in self.cleared), ZERO)
                assert deducted == taken
                assert ledger[f"{region}:audit-deductions:{h}"] == returned - taken

    def statements_by_hospital(self) -> dict[str, tuple[Decimal, ...]]:
        """(paid, guarantee still withheld, forfeited, deductions taken, prepayment not yet offset) per hospital,
        read from the stored statements."""
        out = {}
        for region, hospitals in REGIONS.items():
            prepayment = sync(self.repo.stored_runs("prepayment", region, str(YEAR)))
            prepaid = {h: dec(a) for h, a in prepayment[0]["amounts"].items()} if prepayment else {}
            monthly = sync(self.repo.statements("monthly", region, YEAR))
            annual = sync(self.repo.stored_runs("annual", region, str(YEAR)))
            for h in hospitals:
                lines = [l for s in monthly for l in s["lines"] if l["hospital"] == h]
                paid = prepaid.get(h, ZERO) + sum((dec(l["paid"]) for l in lines), ZERO)
                withheld = sum((dec(l["withheld"]) for l in lines), ZERO)
                deducted = sum((dec(l["deductions"]) for l in lines), ZERO)
                forfeited, prepaid_open = ZERO, prepaid.get(h, ZERO)
                if annual:
                    line = next((x for x in annual[0]["hospitals"] if x["hospital"] == h), None)
                    if line is not None:
                        paid += dec(line["balance"])
                        withheld -= dec(line["withheld"])
                        forfeited = dec(line["forfeited"])
                        deducted = dec(line["deductions"])
                        prepaid_open -= dec(line["prepayment"])
                    for adjustment in annual[1:]:
                        for x in adjustment["lines"]:
                            if x["hospital"] == h:
                                paid += dec(x["balance"])
                                deducted += dec(x["deductions"])
                out[h] = (paid, withheld, forfeited, deducted, prepaid_open)
        return out

    @invariant()
    def settled_once(self):
        seen = Counter((s.stage, s.claim_id, s.version) for s in self.repo.settlements)
        assert not [k for k, n in seen.items() if n > 1]
        latest: dict[Stage, dict[str, int]] = {stage: {} for stage in Stage}
        for s in self.repo.settlements:
            latest[s.stage][s.claim_id] = max(latest[s.stage].get(s.claim_id, 0), s.version)
            case = self.posted[s.claim_id][s.version]
            if s.stage is Stage.MONTHLY:
                assert (s.fund_due, s.per_item) == owed(case)
            elif s.stage is Stage.ANNUAL:
                assert s.per_item == owed(case)[1] and s.provisional == owed(case)[0]
            else:
                scope = ClaimScope.CROSS_REGION if s.stage is Stage.CROSS_REGION else ClaimScope.CROSS_PROVINCE
                assert (s.insured_region, s.per_item) == (case.insured_region, remitted(case, scope))
        assert latest[Stage.MONTHLY] == {c: s.version for c, s in self.monthly_settled.items()}
        assert latest[Stage.ANNUAL] == {c: s.version for c, (s, _) in self.annual_settled.items()}
        for stage in (Stage.CROSS_REGION, Stage.CROSS_PROVINCE):
            assert latest[stage] == {c: s.version for c, s in self.interregional[stage].items()}

    @invariant()
    def deductions_once(self):
        from_hospital: Counter = Counter()
        from_remittance: dict[str, list[str]] = {}
        for (kind, *_), raw in self.repo.runs.items():
            if kind in ("monthly", "annual"):
                from_hospital.update(self.stored(raw)["deductions_applied"])
            elif kind in ("cross-region", "cross-province"):
                for flag in self.stored(raw)["deductions_applied"]:
                    from_remittance.setdefault(flag, []).append(kind)
        assert not [f for f, n in from_hospital.items() if n > 1], from_hospital
        for flag, kinds in from_remittance.items():
            assert kinds == [deduction_scope(self.deductions[flag]).value], (flag, kinds)
        assert set(from_hospital) == set(self.applied) == set(self.repo.applied_in)
        assert set(from_remittance) == set(self.cleared) == set(self.repo.cleared_in)

    @staticmethod
    def stored(raw: str) -> dict:
        return orjson.loads(raw)

    @invariant()
    def accounts_across_regions(self):
        """What each insured region owes the province and the province each treatment region, and the
        platform each treatment region for cross-province claims: the current claims less what was settled."""
        ledger = balances(self.repo.entries.values())
        owing: Counter = Counter()
        owed_to: Counter = Counter()
        national: Counter = Counter()
        for case in self.current.values():
            owing[case.insured_region] += remitted(case, ClaimScope.CROSS_REGION)
            owed_to[case.treatment_region] += remitted(case, ClaimScope.CROSS_REGION)
            national[case.treatment_region] += remitted(case, ClaimScope.CROSS_PROVINCE)
        for settled in self.interregional[Stage.CROSS_REGION].values():
            owing[settled.insured_region] -= remitted(settled, ClaimScope.CROSS_REGION)
            owed_to[settled.treatment_region] -= remitted(settled, ClaimScope.CROSS_REGION)
        for settled in self.interregional[Stage.CROSS_PROVINCE].values():
            national[settled.treatment_region] -= remitted(settled, ClaimScope.CROSS_PROVINCE)
        expense: Counter = Counter()
        for case in self.current.values():
            expense[case.insured_region] += remitted(case, ClaimScope.CROSS_REGION)
        for d in self.deductions.values():
            if self.cleared.get(d.flag_id) == "cross-region":
                expense[d.insured_region] -= d.amount
        advanced = self.advanced or {}
        for region in sorted(set(REGIONS) | set(ADVANCING) | set(CROSS_PROVINCE_INSURED)):
            assert -ledger[f"{region}:payable-to-province"] == owing[region], region
            assert ledger[f"province:receivable:{region}"] == owing[region], region
            assert ledger[f"{region}:receivable-from-province"] == owed_to[region], region
            assert -ledger[f"province:payable:{region}"] == owed_to[region], region
            assert ledger[f"{region}:receivable-national-clearing"] == national[region], region
            assert ledger[f"{region}:cross-region-medical-expense"] == expense[region], region
            open_advance = advanced.get(region, ZERO) - self.advance_offset[region]
            assert ledger[f"{region}:advance-to-province"] == open_advance, region
            assert -ledger[f"province:advance-from:{region}"] == open_advance, region
        assert ledger["province:bank"] == sum(advanced.values(), ZERO) - sum(self.advance_offset.values(), ZERO)

    def check_all(self) -> None:
        self.entries_balance()
        self.hospital_payables()
        self.settled_once()
        self.deductions_once()
        self.accounts_across_regions()

    # ------------------------------------------------------------ closing the year

    def teardown(self):
        if sys.exc_info()[0] is not None or not hasattr(self, "final_scores"):
            return  # a step failed: report it as it is, without closing the year on a broken state
        for month in MONTHS:
            for region in sorted(REGIONS):
                self.run_monthly(region, month)
            self.run_interregional(Stage.CROSS_REGION, month)
            self.run_interregional(Stage.CROSS_PROVINCE, month)
        for region in sorted(REGIONS):
            self.record_assessments(region, {h: self.final_scores[h] for h in REGIONS[region]})
            self.run_annual(region)
            self.run_annual(region)  # again: nothing left, nothing runs
        self.check_all()
        if self.after_close is not None and self.current:
            after = self.after_close
            corrected = self.correction(after.index, after.figures, after.move, after.scope, after.choice)
            self.post([corrected, self.new_claim(after.late, after.late_figures)])
            if after.deduct:
                self.deduct(index=sorted(self.current).index(corrected.claim_id), amount=123_45, later=0)
            for region in sorted(REGIONS):
                self.run_annual(region)  # the annual adjustment
            self.run_interregional(Stage.CROSS_REGION, f"{YEAR}-12")
            self.run_interregional(Stage.CROSS_PROVINCE, f"{YEAR}-12")
            self.check_all()
        for region in sorted(REGIONS):
            # a correction after the annual run may move a claim into another pool (local <-> cross-region in
            # 360100, or out of the pools as cross-province): the residues of both pools must still close
            broken = [f"{i.name}: {i.detail}" for i in sync(check_year(self.repo, region, YEAR)) if not i.holds]
            assert not broken, f"{region}: {broken}"
        ledger = balances(self.repo.entries.values())
        assert not [a for a, b in ledger.items() if b and a.split(":")[1] in (
            "payable-to-province", "receivable-from-province", "receivable-national-clearing", "advance-to-province",
            "hospital-payable", "guarantee-withheld", "prepayment-receivable", "receivable", "payable",
            "advance-from")]


# ~5 s when every invariant holds; a failure is shrunk once (up to a few minutes) and then replayed from the
# example database in a second.
ClosingAYear.TestCase.settings = settings(max_examples=200, stateful_step_count=30, deadline=None,
                                          suppress_health_check=[HealthCheck.too_slow])
TestClosingAYear = ClosingAYear.TestCase


# ---------------------------------------------------------------- a small year worked by hand

POOL = f"360100-{YEAR}-DRG-310-local"


async def post(repo: FakeClearingRepository, *cases: ClearingCase) -> None:
    await apply_priced_claims(Transaction(repo), [(case, priced_event(case)) for case in cases])


async def close_check(repo: FakeClearingRepository) -> dict[str, tuple[bool, list[str]]]:
    return {i.name: (i.holds, i.detail) for i in await check_year(repo, "360100", YEAR)}


async def test_a_year_worked_by_hand_closes_and_the_close_check_can_fail(config, set_budget):
    """Pool 360100-2026-DRG-310-local, R_p 10000, q 5 %; H1 C 1.15, H2 C 0.90. B_p 34789.47 gives
    A_p 33050.00 and R_final 11000.0000 (the four pool claims are drg_cases(), test_annual.py)."""
    config = set_budget(config, "360100", POOL, "34789.47")
    repo = FakeClearingRepository()
    assert (await run_prepayment(Transaction(repo), config, "360100", YEAR,
                                 {"H1": D("3000.00"), "H2": D("2000.00")})).ran
    c1 = priced_case("30000.00", "18000.00", "23000.00", "11000.00", "23000", claim_id="c1", month="2026-01")
    # H2, other funds 300.00 per item: X = 2.0 × 10000 × 0.9 = 18000, FD = 12000 + 18000 − 20000 = 10000
    c2 = priced_case("20000.00", "12000.00", "18000.00", "10000.00", "18000", hospital="H2", other="300.00",
                     claim_id="c2", month="2026-01")
    c3 = priced_case("8000.00", "5000.00", "8000.00", "5000.00", claim_id="c3", month="2026-02", case_kind="low")
    # cross-province, every fund per item: 3600 + 400 = 4000.00 paid to H1 in full, outside the pools
    c5 = priced_case("6000.00", "3600.00", "6000.00", "3600.00", insured="110100", scope=ClaimScope.CROSS_PROVINCE,
                     pool=None, other="400.00", claim_id="c5", month="2026-02")
    await post(repo, c1, c2, c3, c5)

    january = (await run_monthly(Transaction(repo), config, "360100", "2026-01")).statement
    # H1: 11000 payable, 550.00 withheld, 10450.00 paid; H2: 10000, 500.00, 9500 + 300 per item = 9800.00
    assert [(l["hospital"], l["withheld"], l["paid"]) for l in january["lines"]] == [
        ("H1", D("550.00"), D("10450.00")), ("H2", D("500.00"), D("9800.00"))]
    # a late list for January: X = 0.5 × 10000 × 0.9 = 4500, FD = 3000 + 4500 − 5000 = 2500
    c4 = priced_case("5000.00", "3000.00", "4500.00", "2500.00", "4500", hospital="H2", claim_id="c4",
                     month="2026-01")
    await post(repo, c4)
    supplementary = await run_monthly(Transaction(repo), config, "360100", "2026-01")
    assert supplementary.ran and (supplementary.statement["run"], supplementary.statement["supplementary"]) == (1, True)
    assert [(l["hospital"], l["fund_due"], l["withheld"], l["paid"]) for l in supplementary.statement["lines"]] == [
        ("H2", D("2500.00"), D("125.00"), D("2375.00"))]
    await record_deduction(Transaction(repo), ConfirmedDeduction(
        "F1", "c1", "S-c1", "H1", "360100", "360100", D("400.00"), datetime(YEAR, 2, 20, 9), "2026-02"))
    february = (await run_monthly(Transaction(repo), config, "360100", "2026-02")).statement
    # H1: FD 5000 − deduction 400 = 4600 payable, 230.00 withheld, 4370 + 4000 per item = 8370.00 paid
    assert [(l["hospital"], l["deductions"], l["withheld"], l["paid"]) for l in february["lines"]] == [
        ("H1", D("400.00"), D("230.00"), D("8370.00"))]
    for month in MONTHS:
        await run_monthly(Transaction(repo), config, "360100", month)
        await run_cross_region(Transaction(repo), config, month)
        await run_cross_province(Transaction(repo), config, month)
    await record_assessments(Transaction(repo), config, "360100", YEAR, {"H1": D(95), "H2": D(75)}, "by hand")

    annual = (await run_annual(Transaction(repo), config, "360100", YEAR)).statement
    # R_final 11000: FD final c1 13300, c3 5000 (H1 18300.00); c2 11800, c4 2950 (H2 14750.00); overrun shares
    # 1618.00 and 121.47 (test_annual.py). H1 withheld 550 + 230 = 780.00, all released (95);
    # H2 500 + 125 = 625.00, 60 % released (75): 375.00, 250.00 forfeited.
    # H1: 18300 + 4000 + 1618 + 780 − 400 − 3000 − (10450 + 8370) − 780 = 1698.00
    #     paid over the year 3000 + 18820 + 1698 = 23518.00 = 18300 + 4000 + 1618 − 400
    # H2: 14750 + 300 + 121.47 + 375 − 2000 − (9800 + 2375) − 625 = 746.47
    #     paid over the year 2000 + 12175 + 746.47 = 14921.47 = 14750 + 300 + 121.47 − 250
    assert [(h["hospital"], h["fund_due_final"], h["overrun_paid"], h["released"], h["forfeited"], h["balance"],
             h["paid_over_year"]) for h in annual["hospitals"]] == [
        ("H1", D("18300.00"), D("1618.00"), D("780.00"), D("0.00"), D("1698.00"), D("23518.00")),
        ("H2", D("14750.00"), D("121.47"), D("375.00"), D("250.00"), D("746.47"), D("14921.47"))]
    assert [p["final_rate"] for p in annual["pools"]] == [D("11000.0000")]

    # after the annual run, c2 corrected: T 21000, F 12600, other funds 500; FD 12600 + 18000 − 21000 = 9600,
    # at R_final: 12600 + 19800 − 21000 = 11400 (was 11800), per item + 200: the adjustment recovers 200.00
    await post(repo, replace(c2, version=2, total_cost=D("21000.00"), basic_fund=D("12600.00"),
                             other_funds=D("500.00"), fund_due=D("9600.00")))
    assert not (await run_monthly(Transaction(repo), config, "360100", "2026-01")).ran  # the year is closed
    adjustment = (await run_annual(Transaction(repo), config, "360100", YEAR)).statement
    assert (adjustment["kind"], adjustment["run"]) == ("annual-adjustment", 1)
    assert [(l["hospital"], l["fund_due_final"], l["per_item"], l["balance"]) for l in adjustment["lines"]] == [
        ("H2", D("-400.00"), D("200.00"), D("-200.00"))]
    assert not (await run_cross_region(Transaction(repo), config, "2026-12")).ran  # nothing across regions
    checked = await close_check(repo)
    assert all(holds for holds, _ in checked.values()), checked

    # break the stored state on purpose: the close check says so
    dropped = next(s for s in repo.settlements if (s.stage, s.claim_id, s.version) == (Stage.ANNUAL, "c2", 2))
    repo.settlements.remove(dropped)
    broken = {name: detail for name, (holds, detail) in (await close_check(repo)).items() if not holds}
    assert broken == {
        "hospital payments = final FundDue + per item − deductions + overrun − forfeited": [
            "H2: paid 14721.47, owed 15121.47"],  # c2 counted at its v1 final FundDue 11800, not 11400
        "every current claim version settled exactly once": ["c2 v2 not settled by the annual stage"],
        "pool residue = A_p − Σ FundDue final": [f"{POOL}: residue 400.00, A_p − Σ FundDue final 0.00"],
    }
    repo.settlements.append(dropped)
    stray = JournalEntry("stray", "manual", "2026-06", None, None, (
        Line("360100:hospital-payable:H1", debit=D("1.00")), Line("360100:fund-bank", credit=D("1.00"))))
    await repo.post([stray])
    broken = {name: detail for name, (holds, detail) in (await close_check(repo)).items() if not holds}
    assert broken == {"hospital-payable zero": ["360100:hospital-payable:H1: 1.00"]}


async def test_a_correction_moving_a_claim_into_another_pool_after_the_annual_run_keeps_the_residues(config):
    """Found by the state machine: an annual adjustment booked a corrected claim's whole FundDue difference
    to its new pool, so the pool it left kept the FundDue final it no longer had."""
    repo = FakeClearingRepository()
    local = priced_case("8000.00", "5000.00", "8000.00", "5000.00", claim_id="c1", case_kind="low")  # FD 5000
    await post(repo, local)
    await run_monthly(Transaction(repo), config, "360100", "2026-03")
    await record_assessments(Transaction(repo), config, "360100", YEAR, {"H1": D(95)}, "by hand")
    await run_annual(Transaction(repo), config, "360100", YEAR)
    # the same claim, its insured region corrected to 360400: cross-region, pool 360100-2026-DRG-310-cross
    await post(repo, replace(local, version=2, insured_region="360400", scope=ClaimScope.CROSS_REGION,
                             pool=f"360100-{YEAR}-DRG-310-cross"))
    await run_annual(Transaction(repo), config, "360100", YEAR)
    await run_cross_region(Transaction(repo), config, "2026-12")
    broken = {name: detail for name, (holds, detail) in (await close_check(repo)).items() if not holds}
    assert broken == {}  # was: 310-local residue 185000.00 vs 190000.00, 310-cross 0.00 vs −5000.00


async def test_a_prepayment_after_the_annual_run_cannot_leave_the_year_open(config):
    """Found by the state machine: a prepayment posted after the annual run would never be offset (the
    annual adjustment does not take prepayments); run_prepayment refuses it (YearClosed)."""
    repo = FakeClearingRepository()
    await post(repo, priced_case("8000.00", "5000.00", "8000.00", "5000.00", claim_id="c1", case_kind="low"))
    await run_monthly(Transaction(repo), config, "360100", "2026-03")
    await record_assessments(Transaction(repo), config, "360100", YEAR, {"H1": D(95)}, "by hand")
    await run_annual(Transaction(repo), config, "360100", YEAR)
    try:
        await run_prepayment(Transaction(repo), config, "360100", YEAR, {"H1": D("1000.00")})
    except YearClosed:
        pass  # refused: the year stays closed
    await run_annual(Transaction(repo), config, "360100", YEAR)  # an adjustment, if anything were left to settle
    broken = {name: detail for name, (holds, detail) in (await close_check(repo)).items() if not holds}
    assert broken == {}  # was: 360100:prepayment-receivable:H1: 1000.00; H1: paid 6000.00, owed 5000.00
