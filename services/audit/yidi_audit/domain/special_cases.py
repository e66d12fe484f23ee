"""特例单议 (special-case review) as a workflow: application, decision within a quota, history.

Seed 000 二(一): difficult, critical, complex or rare cases "可按有关规定纳入特例单议, 实行按项目付费,
具体数量比例由就医地统筹区医保部门与本统筹区异地就医定点医疗机构协商谈判确定, 按统筹区统一管理": the
treatment region's bureau decides, paid per item, within a number/share negotiated per hospital and managed
by the treatment region (so no province override: a quota is changed by changing the configuration).
Seed 001 (二) requires the mechanism province-wide; seed 001 三 has the insured region take part (it reads
every case and decision); seed 003 三(二) names the DIP cases (long stays, high cost, new technology,
complex or multidisciplinary); seed 004 (二) puts 特病单议受理及评审结算 in each quarter's 季公告.

    open --approve (treatment region, within quota)--> approved
    open --reject (treatment region, reasons)--> rejected
    open --a newer version of the claim arrives--> superseded (system)

For a 省本级 claim (a provincial hospital's cross-region case in the province-level pool, seed 000 二(一) 纳入
省本级统筹区DIP付费年度预算和医保支付管理) the pool region's bureau is the treatment region's: it decides, and its
quota counts the hospital's claims in that pool (`CaseClaim.reviewing_region`).

One case per claim version (its id derives from both). Every step is kept as a history line with who
(token subject and role, never a name) and when.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
import uuid

from yidi_common.ids import uuid5_text

from .errors import InvalidInput, InvalidTransition, WrongActor

CHINA = timezone(timedelta(hours=8))
CASE_NAMESPACE = uuid.UUID("6a0b8f3e-2f4d-4c1e-9a57-3b1d0c9e7a21")
PER_ITEM_KINDS = frozenset({"low_outlier", "special_review", "ungroupable", "ambiguous", "not_covered",
                            "cross_province"})


class Origin(StrEnum):
    HOSPITAL = "hospital"  # POST /v1/special-cases
    HOSPITAL_LIST = "hospital-list"  # the list's own flag setlinfo.special_case_review
    PRICING = "pricing"  # payment.priced named a reason (DIP: above the special-review multiple, seed 003 三(二))


class CaseStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class QuotaPeriod(StrEnum):
    YEAR = "year"
    QUARTER = "quarter"


@dataclass(frozen=True, slots=True)
class CaseClaim:
    """What a case needs of the claim version it is about."""

    claim_id: str
    version: int
    setl_id: str
    hospital_code: str
    treatment_region: str
    insured_region: str
    dscg_time: datetime
    total_cost: Decimal  # T
    basic_fund_payment: Decimal  # F: what the fund pays for the case priced per item (FundDue = max(0, F + T - T))
    case_kind: str
    pool_region: str | None = None  # 省本级: the pool region, whose bureau decides within its quota

    @property
    def reviewing_region(self) -> str:
        """The bureau that reviews the claim as its treatment region (就医地): the pool region of a 省本级 claim
        (seed 000 二(一): 纳入省本级统筹区…医保支付管理), else the treatment region."""
        return self.pool_region or self.treatment_region


@dataclass(frozen=True, slots=True)
class Step:
    action: str  # apply / refer / approve / reject / supersede
    status: CaseStatus
    by: str  # token subject, or "system"
    role: str  # token role (hospital, bureau), or "system"
    region: str | None
    at: datetime
    reasons: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SpecialCase:
    case_id: str
    claim: CaseClaim
    origin: Origin
    reasons: tuple[str, ...]
    documents: tuple[str, ...]
    status: CaseStatus
    period: str  # the quota period the claim's discharge falls in
    applied_at: datetime
    history: tuple[Step, ...]

    @property
    def decided(self) -> Step | None:
        return next((s for s in reversed(self.history) if s.action in ("approve", "reject")), None)


def case_id_for(claim_id: str, version: int) -> str:
    """One case per claim version."""
    return uuid5_text(CASE_NAMESPACE, f"{claim_id}|{version}")


def period_of(at: datetime, period: QuotaPeriod) -> str:
    """The quota period of a discharge, in China time: "2026" or "2026-Q1"."""
    local = at.astimezone(CHINA)
    return str(local.year) if period is QuotaPeriod.YEAR else f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of "2026" or "2026-Q1" in China time; ValueError naming the expected form."""
    year, _, quarter = period.partition("-Q")
    if not (year.isdigit() and len(year) == 4 and 1 <= int(year) < 9999 and (not _ or quarter in ("1", "2", "3", "4"))):
        raise ValueError(f"period {period!r} is neither yyyy nor yyyy-Qn")
    if not quarter:
        return datetime(int(year), 1, 1, tzinfo=CHINA), datetime(int(year) + 1, 1, 1, tzinfo=CHINA)
    first = (int(quarter) - 1) * 3 + 1
    end = datetime(int(year) + 1, 1, 1, tzinfo=CHINA) if first == 10 else datetime(int(year), first + 3, 1, tzinfo=CHINA)
    return datetime(int(year), first, 1, tzinfo=CHINA), end


def application_problems(claim: CaseClaim, reasons: Sequence[str], documents: Sequence[str]) -> list[dict]:
    """Every problem of an application, with its field path; empty when it may be opened."""
    problems = []
    if not [r for r in reasons if r.strip()]:
        problems.append({"field": "reasons", "rule": "required", "message": "at least one reason"})
    for i, r in enumerate(reasons):
        if not r.strip():
            problems.append({"field": f"reasons[{i}]", "rule": "blank", "message": "a reason is not blank"})
    for i, d in enumerate(documents):
        if not d.strip():
            problems.append({"field": f"documents[{i}]", "rule": "blank", "message": "a document reference is not blank"})
    if claim.case_kind in PER_ITEM_KINDS:
        problems.append({"field": "claim_id", "rule": "already-per-item",
                         "message": f"claim {claim.claim_id} version {claim.version} is already paid per item "
                                    f"({claim.case_kind})"})
    return problems


def open_case(claim: CaseClaim, origin: Origin, reasons: Sequence[str], documents: Sequence[str], *, by: str,
              role: str, at: datetime, period: QuotaPeriod) -> SpecialCase:
    clean_reasons = tuple(r.strip() for r in reasons if r.strip())
    clean_documents = tuple(d.strip() for d in documents if d.strip())
    action = "apply" if origin is Origin.HOSPITAL else "refer"
    return SpecialCase(
        case_id=case_id_for(claim.claim_id, claim.version), claim=claim, origin=origin, reasons=clean_reasons,
        documents=clean_documents, status=CaseStatus.OPEN, period=period_of(claim.dscg_time, period), applied_at=at,
        history=(Step(action, CaseStatus.OPEN, by, role, None, at, clean_reasons, clean_documents),),
    )


@dataclass(frozen=True, slots=True)
class QuotaLimit:
    """The negotiated quota of one hospital (seed 000 二(一)): shares of its cases and of its fund."""

    max_case_share: Decimal
    max_fund_share: Decimal


@dataclass(frozen=True, slots=True)
class QuotaUse:
    """A hospital's figures in one period: its claims (current versions, discharged in the period) and the
    cases already approved."""

    claims: int
    fund: Decimal  # Σ F of those claims
    approved_cases: int
    approved_fund: Decimal  # Σ F of the approved cases

    def with_case(self, claim: CaseClaim) -> "QuotaUse":
        return replace(self, approved_cases=self.approved_cases + 1,
                       approved_fund=self.approved_fund + claim.basic_fund_payment)

    @property
    def case_share(self) -> Decimal:
        return Decimal(self.approved_cases) / Decimal(self.claims) if self.claims else Decimal(0)

    @property
    def fund_share(self) -> Decimal:
        return self.approved_fund / self.fund if self.fund else Decimal(0)


class QuotaExceeded(InvalidTransition):
    """An approval beyond the hospital's quota; `figures` names them."""

    def __init__(self, message: str, figures: dict) -> None:
        super().__init__(message)
        self.figures = figures


def check_quota(claim: CaseClaim, use: QuotaUse, limit: QuotaLimit, period: str) -> dict:
    """The figures with this case approved; QuotaExceeded when either share would pass its limit.

    Case share = approved cases / the hospital's claims in the period; fund share = Σ F of the approved
    cases / Σ F of the hospital's claims in the period (F is what the fund pays for a case priced per item)."""
    after = use.with_case(claim)
    figures = {
        "hospital_code": claim.hospital_code, "period": period, "claims": after.claims,
        "approved_cases": after.approved_cases, "case_share": str(after.case_share.quantize(Decimal("0.0001"))),
        "max_case_share": str(limit.max_case_share), "fund": str(after.fund), "approved_fund": str(after.approved_fund),
        "fund_share": str(after.fund_share.quantize(Decimal("0.0001"))), "max_fund_share": str(limit.max_fund_share),
    }
    over = []
    if after.case_share > limit.max_case_share:
        over.append(f"cases {after.approved_cases}/{after.claims} > {limit.max_case_share}")
    if after.fund_share > limit.max_fund_share:
        over.append(f"fund {after.approved_fund}/{after.fund} > {limit.max_fund_share}")
    if over:
        raise QuotaExceeded(f"approval beyond {claim.hospital_code}'s quota for {period}: " + "; ".join(over), figures)
    return figures


def decide(case: SpecialCase, decision: str, reasons: Sequence[str], *, by: str, role: str, region: str,
           at: datetime) -> SpecialCase:
    """The treatment region's bureau approves or rejects an open case (quota checked by the caller first)."""
    if region != case.claim.reviewing_region or role != "bureau":
        raise WrongActor(f"deciding needs the bureau of the claim's treatment region {case.claim.reviewing_region}, "
                         f"{by} acts as {role} {region}")
    if case.status is not CaseStatus.OPEN:
        raise InvalidTransition(f"case {case.case_id} is {case.status.value}, not open")
    if decision not in ("approve", "reject"):
        raise InvalidInput(f"decision must be approve or reject, not {decision!r}")
    clean = tuple(r.strip() for r in reasons if r.strip())
    if decision == "reject" and not clean:
        raise InvalidInput("a rejection needs at least one reason")
    if at < case.applied_at:
        raise InvalidInput(f"{at.isoformat()} is before the application {case.applied_at.isoformat()}")
    status = CaseStatus.APPROVED if decision == "approve" else CaseStatus.REJECTED
    return replace(case, status=status, history=(*case.history, Step(decision, status, by, role, region, at, clean)))


def supersede(case: SpecialCase, version: int, at: datetime) -> SpecialCase:
    """An open case whose claim a newer version replaced: closed; the hospital applies for the new one."""
    if case.status is not CaseStatus.OPEN:
        return case
    return replace(case, status=CaseStatus.SUPERSEDED, history=(
        *case.history, Step("supersede", CaseStatus.SUPERSEDED, "system", "system", None, at,
                            (f"superseded by version {version}",))))


@dataclass(frozen=True, slots=True)
class QuarterLine:
    """One hospital's line of the 季公告 (seed 004 (二)): applications, decisions, shares vs quota."""

    hospital_code: str
    claims: int
    fund: Decimal
    applications: int
    referrals: int  # opened by the list's flag or by pricing
    approved: int
    rejected: int
    open: int
    approved_fund: Decimal
    max_case_share: Decimal
    max_fund_share: Decimal

    @property
    def case_share(self) -> Decimal:
        return (Decimal(self.approved) / Decimal(self.claims)).quantize(Decimal("0.0001")) if self.claims else Decimal(0)

    @property
    def fund_share(self) -> Decimal:
        return (self.approved_fund / self.fund).quantize(Decimal("0.0001")) if self.fund else Decimal(0)

    @property
    def within_quota(self) -> bool:
        return self.case_share <= self.max_case_share and self.fund_share <= self.max_fund_share


def quarter_lines(cases: Iterable[SpecialCase], claims: dict[str, tuple[int, Decimal]],
                  limit_of) -> list[QuarterLine]:
    """cases: the region's cases of the quarter; claims: hospital -> (claims, Σ F) discharged in the quarter;
    limit_of(hospital) -> QuotaLimit. One line per hospital with claims or cases, by hospital code."""
    by_hospital: dict[str, list[SpecialCase]] = {}
    for c in cases:
        by_hospital.setdefault(c.claim.hospital_code, []).append(c)
    lines = []
    for hospital in sorted(by_hospital.keys() | claims.keys()):
        mine = by_hospital.get(hospital, [])
        count, fund = claims.get(hospital, (0, Decimal(0)))
        approved = [c for c in mine if c.status is CaseStatus.APPROVED]
        limit = limit_of(hospital)
        lines.append(QuarterLine(
            hospital_code=hospital, claims=count, fund=fund,
            applications=sum(1 for c in mine if c.origin is Origin.HOSPITAL),
            referrals=sum(1 for c in mine if c.origin is not Origin.HOSPITAL),
            approved=len(approved), rejected=sum(1 for c in mine if c.status is CaseStatus.REJECTED),
            open=sum(1 for c in mine if c.status is CaseStatus.OPEN),
            approved_fund=sum((c.claim.basic_fund_payment for c in approved), Decimal(0)),
            max_case_share=limit.max_case_share, max_fund_share=limit.max_fund_share,
        ))
    return lines
