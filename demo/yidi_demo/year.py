"""A settlement year as a bureau runs it, through the running stack (issue 12, `make demo`).

Year start: a prepayment to every hospital (预拨周转金) and each insured region's advance to the province.
Each month: the month's discharges are posted (QC failures corrected by the hospital); the audit flags
raised are reviewed (the treatment region proposes, the insured region confirms or disputes); from September,
hospitals apply for 特例单议 of their costliest lists and the treatment region's bureau decides (approved within
the quota, the version it issues priced per item; the year's first application and any beyond the quota
rejected); every
region's monthly run, the province's cross-region and cross-province runs; then the month's late lists
and a few corrections of settled claims arrive, after their month's run, for the next run to settle.
Year end: supplementary December runs, assessments, the annual run per region, a correction after it
and the annual adjustment, the final supplementary runs, and the close check of every region.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

import httpx

from yidi_common.auth import Role
from yidi_common.regional_config import ProvinceConfig
from yidi_grouper.domain.intake import claim_id_for

from . import tokens
from .client import post_all, service_url, wait_for_chain
from .workload import generate

LISTS_PER_MONTH = 500
LATE_SHARE = 0.03  # lists that arrive after their month's run
POLICY_SHARE = 0.01  # clean lists made each of 手工报销, 优抚 and 急诊转住院 (yidi_demo.workload._policy_case)
CORRECTED_SHARE = 0.01  # settled claims the hospital corrects after the run
CONFIRM_SHARE = 0.7  # of the flags reviewed, the insured region confirms; it disputes the rest
PREPAYMENT_BY_LEVEL = {3: Decimal("200000.00"), 2: Decimal("80000.00"), 1: Decimal("30000.00")}
SPECIAL_CASE_MONTHS = (9, 10, 11)  # late enough in the year for a hospital's claims to leave room in its quota
SPECIAL_CASES_PER_MONTH = 2
SPECIAL_CASE_MAX_COST = Decimal("60000")  # costlier lists would pass a hospital's 5 % fund quota on their own
PLAIN_CASE_FIELDS = ("manual_reimbursement", "preferential_treatment", "emergency_fee", "dscg_caty",
                     "special_case_review")  # lists with any of these are not special-case candidates


@dataclass
class YearLog:
    months: list[list] = field(default_factory=list)
    flags: dict[str, int] = field(default_factory=lambda: {"confirmed": 0, "disputed": 0})
    special_cases: dict[str, int] = field(default_factory=lambda: {"applied": 0, "referred": 0, "approved": 0,
                                                                                 "rejected": 0})
    unanswered: int = 0
    stuck: bool = False


def _post(url: str, **kwargs) -> dict:
    """As the provincial agency, which may run every clearing."""
    answer = httpx.post(url, timeout=300, headers=tokens.headers(Role.PROVINCE), **kwargs)
    if answer.status_code >= 400:
        raise RuntimeError(f"POST {url}: {answer.status_code} {answer.text[:500]}")
    return answer.json()


async def _settle(lists: list[dict], corrections: list[tuple[str, dict]], log: YearLog, what: str) -> list[dict]:
    results = await post_all(lists, corrections=corrections, progress=False, desc=what)
    log.unanswered += sum(n for status, n in results.statuses.items() if not answered(status))
    drained, _ = await wait_for_chain(progress=False, timeout=600)
    log.stuck |= not drained
    return results.accepted


def answered(status) -> bool:
    """202, 409 and 422 are answers; "unreachable" and 5xx (also as "correction 5xx") are not."""
    code = str(status).removeprefix("correction ")
    return code.isdigit() and int(code) < 500


def _review_flags(rng: random.Random, log: YearLog) -> None:
    """Each raised flag: the treatment region's bureau proposes, the insured region's confirms or disputes."""
    audit = service_url("audit")
    flags = httpx.get(f"{audit}/v1/flags", params={"status": "raised", "limit": 1000}, timeout=60,
                      headers=tokens.headers(Role.PROVINCE)).json()["items"]
    for flag in flags:
        url = f"{audit}/v1/flags/{flag['flag_id']}"
        reviewing = flag.get("pool_admdvs") or flag["treat_admdvs"]  # a 省本级 claim's pool region reviews it
        treatment = tokens.headers(Role.BUREAU, region=reviewing, user=f"auditor-{reviewing}")
        insured = tokens.headers(Role.BUREAU, region=flag["insu_admdvs"], user=f"reviewer-{flag['insu_admdvs']}")
        proposed = httpx.post(f"{url}/propose", json={"reason": "demo review", "amount": flag["suspected_amount"]},
                              headers=treatment, timeout=30)
        if proposed.status_code != 200:
            continue
        if rng.random() < CONFIRM_SHARE:
            decided = httpx.post(f"{url}/confirm", json={"reason": "agreed"}, headers=insured, timeout=30)
            log.flags["confirmed"] += decided.status_code == 200
        else:
            decided = httpx.post(f"{url}/dispute", json={"reason": "the record backs the stay"}, headers=insured,
                                 timeout=30)
            log.flags["disputed"] += decided.status_code == 200


def special_case_candidates(accepted: list[dict], lists_by_claim: dict[str, dict], count: int) -> list[tuple[str, dict]]:
    """The `count` costliest plain lists of the month up to SPECIAL_CASE_MAX_COST (no policy case, no bed-day
    stay, not flagged by the hospital already), one per hospital: (claim id, list)."""
    plain = []
    for body in accepted:
        sl = lists_by_claim.get(body["claim_id"])
        cost = sum(Decimal(i["amt"]) for i in sl["iteminfo"]) if sl else Decimal(0)
        if sl and cost <= SPECIAL_CASE_MAX_COST and not any(sl["setlinfo"].get(f) for f in PLAIN_CASE_FIELDS):
            plain.append((cost, body["claim_id"], sl))
    chosen, hospitals = [], set()
    for _, claim_id, sl in sorted(plain, key=lambda c: (-c[0], c[1])):
        if sl["setlinfo"]["fixmedins_code"] not in hospitals and len(chosen) < count:
            hospitals.add(sl["setlinfo"]["fixmedins_code"])
            chosen.append((claim_id, sl))
    return chosen


def _special_cases(candidates: list[tuple[str, dict]], log: YearLog) -> set[str]:
    """Each hospital applies for its claim; the treatment region's bureau rejects the year's first application
    and approves the others within the hospital's quota (a 409 for the quota becomes a rejection). Returns the
    claims applied for."""
    audit = service_url("audit")
    applied = set()
    for claim_id, sl in candidates:
        info = sl["setlinfo"]
        hospital = tokens.headers(Role.HOSPITAL, hospital=info["fixmedins_code"], user=f"his-{info['fixmedins_code']}")
        case = httpx.post(f"{audit}/v1/special-cases", headers=hospital, timeout=30, json={
            "claim_id": claim_id, "reasons": ["高费用病例, 多学科联合诊疗"], "documents": [f"doc://mdt/{claim_id}"]})
        if case.status_code != 201:  # a case opened already (pricing's referral), or paid per item already
            continue
        applied.add(claim_id)
        log.special_cases["applied"] += 1
        region = case.json()["pool_admdvs"] or info["treat_admdvs"]  # a 省本级 claim's pool region decides
        bureau = tokens.headers(Role.BUREAU, region=region, user=f"auditor-{region}")
        url = f"{audit}/v1/special-cases/{case.json()['case_id']}/decision"
        if log.special_cases["applied"] > 1:
            decision = _approve_within_quota(url, bureau)
        else:
            decision = httpx.post(url, json={"decision": "reject", "reasons": ["费用虽高, 属常规诊疗, 不纳入特例单议"]},
                                  headers=bureau, timeout=30)
        if decision.status_code == 200:
            log.special_cases[decision.json()["status"]] += 1
    return applied


def _approve_within_quota(url: str, bureau: dict) -> httpx.Response:
    """The bureau approves a special case; a 409 for the hospital's quota becomes a rejection."""
    decision = httpx.post(url, json={"decision": "approve", "reasons": ["专家评议通过"]}, headers=bureau, timeout=30)
    if decision.status_code == 409:
        decision = httpx.post(url, json={"decision": "reject", "reasons": ["超出协商比例"]}, headers=bureau, timeout=30)
    return decision


def _decide_referrals(log: YearLog) -> None:
    """The cases pricing referred (a DIP case above the special-review multiple, seed 003 三(二)): each region's
    bureau approves them within the hospital's quota and rejects the rest, which stay paid as outliers."""
    audit = service_url("audit")
    province = tokens.headers(Role.PROVINCE)
    referred = httpx.get(f"{audit}/v1/special-cases", params={"status": "open", "limit": 1000}, headers=province,
                         timeout=30).json()["items"]
    for case in referred:
        region = case["pool_admdvs"] or case["treat_admdvs"]
        bureau = tokens.headers(Role.BUREAU, region=region, user=f"auditor-{region}")
        decision = _approve_within_quota(f"{audit}/v1/special-cases/{case['case_id']}/decision", bureau)
        if decision.status_code == 200:
            log.special_cases["referred"] += 1
            log.special_cases[decision.json()["status"]] += 1


def _corrections_of(accepted: list[dict], lists_by_claim: dict[str, dict], rng: random.Random) -> list[tuple[str, dict]]:
    """A few settled claims the hospital corrects: it withdraws a secondary diagnosis coded by mistake."""
    out = []
    for body in accepted:
        sl = lists_by_claim.get(body["claim_id"])
        if sl and len(sl["diseinfo"]) > 1 and rng.random() < CORRECTED_SHARE * 3:
            out.append((body["claim_id"], {**sl, "diseinfo": sl["diseinfo"][:-1]}))
    return out[: max(1, int(len(accepted) * CORRECTED_SHARE))]


def _runs(regions: list[str], month: str) -> dict:
    clearing = service_url("clearing")
    paid = Decimal(0)
    supplementary = 0
    for region in regions:
        statement = _post(f"{clearing}/v1/clearing/monthly/{region}/{month}")
        paid += Decimal(statement["totals"]["paid"]) if statement["ran"] else 0
        supplementary += statement["ran"] and statement["run"] > 0
    cross = _post(f"{clearing}/v1/clearing/cross-region/{month}")
    national = _post(f"{clearing}/v1/clearing/cross-province/{month}")
    return {"paid": paid, "supplementary": supplementary, "cross": Decimal(str(cross["total"])) if cross["ran"] else 0,
            "national": Decimal(str(national["total"])) if national["ran"] else 0}


async def settle_year(config: ProvinceConfig, engine, year: int, seed: int, log: YearLog) -> list[str]:
    """Runs the year; returns the regions it cleared."""
    rng = random.Random(seed)
    clearing = service_url("clearing")
    regions = sorted({ry.region for ry in config.region_years.values() if ry.year == year})
    for region in regions:
        amounts = {h.code: str(PREPAYMENT_BY_LEVEL[h.level]) for h in config.hospitals.values() if h.region == region}
        _post(f"{clearing}/v1/clearing/prepayments/{region}/{year}", json={"amounts": amounts})
    _post(f"{clearing}/v1/clearing/advances/{year}")
    lists_by_claim: dict[str, dict] = {}
    pending: tuple[list[dict], list[tuple[str, dict]]] = ([], [])  # arrive after the previous month's run
    for m in range(1, 13):
        month = f"{year}-{m:02d}"
        workload = generate(config, engine.scheme, count=LISTS_PER_MONTH, period=month, seed=seed + m,
                            codes=engine.codes, policy_share=POLICY_SHARE)
        late_at = {i for i in range(len(workload.lists)) if rng.random() < LATE_SHARE}
        late_at -= {i for i, _ in workload.corrections}
        on_time = [sl for i, sl in enumerate(workload.lists) if i not in late_at]
        late = [sl for i, sl in enumerate(workload.lists) if i in late_at]
        fixes = [(claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]), sl)
                 for _, sl in workload.corrections]
        for sl in workload.lists + [sl for _, sl in workload.corrections]:  # a QC failure's corrected list last
            lists_by_claim[claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"])] = sl
        accepted = await _settle(pending[0] + on_time, pending[1] + fixes, log, f"posting {month}")
        special = set()
        if m in SPECIAL_CASE_MONTHS:  # decided before the flags are reviewed, so they review the current versions
            special = _special_cases(special_case_candidates(accepted, lists_by_claim, SPECIAL_CASES_PER_MONTH), log)
            _decide_referrals(log)
            await _settle([], [], log, "approved special cases through the chain")
        _review_flags(rng, log)
        await _settle([], [], log, "deductions to clearing")
        totals = _runs(regions, month)
        corrected = _corrections_of([a for a in accepted if a["claim_id"] not in special], lists_by_claim, rng)
        log.months.append([month, len(on_time) + len(pending[0]), len(pending[0]), len(pending[1]),
                           totals["paid"], totals["cross"], totals["national"]])
        pending = (late, corrected)
        print(f"  {month}: {len(on_time)} lists on time, {len(late)} late and {len(corrected)} corrections "
              f"to come; paid {totals['paid']:,} yuan", flush=True)
    # year end: December's late lists and corrections, supplementary December runs, assessments, annual
    await _settle(pending[0], pending[1], log, "late December lists")
    _review_flags(rng, log)
    await _settle([], [], log, "deductions to clearing")
    december = _runs(regions, f"{year}-12")
    log.months.append([f"{year}-12 (supplementary)", len(pending[0]), len(pending[0]), len(pending[1]),
                       december["paid"], december["cross"], december["national"]])
    for region in regions:
        scores = {h.code: rng.randint(55, 100) for h in config.hospitals.values() if h.region == region}
        _post(f"{clearing}/v1/clearing/assessments/{region}/{year}", json={"results": scores})
    for region in regions:
        _post(f"{clearing}/v1/clearing/annual/{region}/{year}")
    # a correction after the annual run: settled by an annual adjustment at the year's final rates
    late_fixes = _corrections_of([{"claim_id": c} for c in list(lists_by_claim)[::7]], lists_by_claim, rng)[:5]
    await _settle([], late_fixes, log, "corrections after the annual run")
    for region in regions:
        _post(f"{clearing}/v1/clearing/annual/{region}/{year}")
    _post(f"{clearing}/v1/clearing/cross-region/{year}-12")
    _post(f"{clearing}/v1/clearing/cross-province/{year}-12")
    return regions


def close_checks(regions: list[str], year: int) -> tuple[list[list], bool]:
    clearing = service_url("clearing")
    rows, closes = [], True
    for region in regions:
        check = httpx.get(f"{clearing}/v1/ledger/close-check/{region}/{year}", timeout=120,
                          headers=tokens.headers(Role.PROVINCE)).json()
        closes &= check["closes"]
        for invariant in check["invariants"]:
            rows.append([region, invariant["name"], invariant["figure"], "yes" if invariant["holds"] else "NO",
                         "; ".join(invariant["detail"][:2])])
    return rows, closes
