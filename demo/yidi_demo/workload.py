"""A month of discharges in Jiangxi as hospital HIS systems would post them.

Cases are drawn from the grouping scheme itself (yidi_demo.casegen); costs are drawn
lognormally around each case's payment standard (RW × rate × hospital coefficient) from the
configuration, so outliers of both kinds occur. Seeded: the same arguments give the same lists.
Some lists are malformed (rejected with 422), some fail quality control, some are posted twice,
some are corrected later, and a few are seeded to fire exactly one audit rule each (`seeded`):
split admissions, abnormal self-pay, cost shifting, lowered admission standard, a symptom coded
as the principal diagnosis, up-coding, early discharge. Clean lists fire none: stays drawn around
their group's average (the audit norms) and never below half of it, complications backed by a
stay longer than the lower split's average when the cost is not, ordinary fee mixes, self-pay at
most 5 %, causes coded before symptoms.
"""
from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from yidi_audit.domain.norms import GroupNorm, GroupNorms, lower_split_cost
from yidi_audit.domain.rules.upcoding import NO_COMPLICATION_DIGIT
from yidi_audit.domain.params import AuditConfig, AuditParams, load_audit_config
from yidi_common.money import to_fen
from yidi_common.regional_config import ProvinceConfig, pick_qualified
from yidi_common.settings import REPO_ROOT
from yidi_demo.casegen import generate_cases
from yidi_common.settlement_list import SettlementList
from yidi_grouper.domain.drg import GroupingInput, group_case
from yidi_grouper.domain.qc import CodeTables, run_qc
from yidi_grouper.domain.scheme import Scheme

# charge-category shares of a stay's cost, surgical vs medical (sum to 1)
SURGICAL_MIX = {"01": .05, "02": .02, "03": .07, "04": .08, "05": .08, "06": .16, "07": .04, "08": .22, "09": .22, "11": .04, "14": .02}
MEDICAL_MIX = {"01": .08, "02": .03, "03": .10, "04": .13, "05": .10, "07": .05, "08": .06, "09": .33, "10": .03, "11": .07, "14": .02}
BASIC_FUND_SHARE = {"310": (0.62, 0.78), "390": (0.50, 0.66)}
# tests, labs, materials and drugs at 8 % of the stay: the rest went to outpatient or other providers
SHIFTED_MIX = {"01": .15, "02": .05, "07": .10, "14": .07, "09": .08, "05": .55}  # treatment last: it takes the remainder
OUTPATIENT_PRINCIPAL = "J06.900"  # 急性上呼吸道感染: usually treated as an outpatient
SYMPTOM_PRINCIPAL = "R50.900"  # 发热: a symptom coded first although the cause is known (not a gray code)
SPECIFIC = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "S", "T", "U")

# Seeded audit violations (DOMAIN.md §8): each list fires exactly one rule, clean lists none.
SEEDED_RULES = ("AUD-SPLIT-ADMISSION", "AUD-SELF-PAY", "AUD-COST-SHIFT", "AUD-LOW-ADMISSION",
                "AUD-QC-SYMPTOM-PRINCIPAL", "AUD-UPCODING", "AUD-EARLY-DISCHARGE")
NEEDS_NORMS = ("AUD-UPCODING", "AUD-EARLY-DISCHARGE")
DEMO_AUDIT_RULES = REPO_ROOT / "demo" / "audit" / "rules.toml"
UPCODED_COST_SHARE = Decimal("0.9")  # an up-coded case costs 90 % of the lower split's average
EARLY_DISCHARGE_COST_SHARE = 0.7  # a cut stay costs less than the standard: the surplus the rule suspects
LOWEST_NORMAL_SHARE = Decimal("0.45")  # T / standard above every demo region's low-outlier threshold (0.4)


OTHER_PROVINCES = ["110100", "330100", "430100", "440100"]  # 北京, 杭州, 长沙, 广州


@dataclass
class Workload:
    lists: list[dict]  # what is posted, in order (duplicates included)
    corrections: list[tuple[int, dict]] = field(default_factory=list)  # (index of the original, corrected list)
    expected: dict[str, int] = field(default_factory=dict)  # counts by kind, for the summary
    seeded: dict[tuple[str, str], str] = field(default_factory=dict)  # (hospital, setl_id) -> the one rule it fires


def _fee_items(total: Decimal, mix: dict[str, float], rng: random.Random, ownpay_share: float | None = None) -> list[dict]:
    items, left = [], total
    cats = list(mix)
    for i, cat in enumerate(cats):
        amt = left if i == len(cats) - 1 else to_fen(total * Decimal(str(mix[cat] * rng.uniform(0.8, 1.2))))
        amt = min(amt, left)
        left -= amt
        if amt > 0:
            share = ownpay_share if ownpay_share is not None else rng.choice([0, 0, 0, 0.02, 0.05])
            ownpay = to_fen(amt * Decimal(str(share)))
            items.append({"med_chrgitm_type": cat, "amt": str(amt), "claa_sumfee": str(amt - ownpay),
                          "fulamt_ownpay_amt": str(ownpay)})
    return items


def _standard(config: ProvinceConfig, hospital, region: str, year: int, insutype: str, cross: bool, drg: str | None) -> Decimal:
    """The case's expected cost: RW × rate × C_h. A DIP region has no DRG weights or rates per RW, so its
    cases are costed like those of the province's DRG regions (RW × their mean rate)."""
    ry = config.region_year(region, year)
    drg_regions = [r for r in config.region_years.values() if r.year == year and r.weight_table is not None]
    table_region = ry if ry.weight_table is not None else drg_regions[0]
    entry = table_region.weight_table.get(drg) if drg else None
    rw = entry.rw if entry and entry.rw else Decimal("0.8")
    if ry.weight_table is None:
        rates = [p.provisional_rate for r in drg_regions for p in r.pools.values()]
        return rw * (sum(rates) / len(rates)) * hospital.coefficient
    pool = ry.pools[ry.pool_key(insutype, cross).label]
    rate = pick_qualified(entry.rates, hospital.classes, insutype) if entry else None
    return rw * (rate or pool.provisional_rate) * hospital.coefficient


def build_list(case: dict, *, n: int, hospital, insured: str, insutype: str, period: str, total: Decimal,
               rng: random.Random, cross_province: bool = False, id_prefix: str = "",
               mix: dict[str, float] | None = None, ownpay_share: float | None = None) -> dict:
    year, month = map(int, period.split("-"))
    los = max(int(case["los"]), 1)
    dscg = datetime(year, month, 1, 9) + timedelta(days=rng.randrange(0, 28), hours=rng.randrange(0, 8))
    adm = dscg - timedelta(days=los, hours=rng.randrange(0, 6))
    age = int(case["age"])
    birth = adm.date() - timedelta(days=int(case.get("age_days") or 0) if age == 0 else age * 365 + rng.randrange(0, 300))
    items = _fee_items(total, mix or (SURGICAL_MIX if case["procedures"] else MEDICAL_MIX), rng, ownpay_share)
    ownpay = sum(Decimal(i["fulamt_ownpay_amt"]) for i in items)
    covered = total - ownpay  # the funds never pay 全自费 items
    fund_low, fund_high = BASIC_FUND_SHARE[insutype]
    basic = to_fen(covered * Decimal(str(rng.uniform(fund_low, fund_high))))
    funds = [{"fund_pay_type": f"{insutype}100", "fund_payamt": str(basic)}]
    if total > 50000:
        big = to_fen((covered - basic) * Decimal("0.5"))
        funds.append({"fund_pay_type": "330100" if insutype == "310" else "390200", "fund_payamt": str(big)})
    patient = total - sum(Decimal(f["fund_payamt"]) for f in funds)
    setl = {
        "setl_id": f"{id_prefix}{hospital.code[-6:]}{period.replace('-', '')}{n:06d}",
        "fixmedins_code": hospital.code,
        "psn_no": f"{insured}{n % 9000 + 1000:04d}{rng.randrange(10**6):06d}",
        "certno": f"{insured}{birth:%Y%m%d}{rng.randrange(1000):03d}X",
        "psn_name": f"患者{n:06d}",
        "gend": str(case["gender"]),
        "brdy": birth.isoformat(),
        "age": age,
        "insutype": insutype,
        "insu_admdvs": insured,
        "treat_admdvs": hospital.region,
        "adm_time": adm.isoformat(),
        "dscg_time": dscg.isoformat(),
        "act_ipt_days": los,
        "dscg_way": str(case.get("discharge_way") or "1"),
        "vent_used_dura": str(case.get("ventilator_hours") or 0),
        "setl_period": period,
        "cross_province": cross_province,
    }
    if age == 0 and case.get("age_days") is not None:
        setl["nwb_age_days"] = int(case["age_days"])
        if case.get("birth_weight"):
            setl["nwb_bir_wt"] = int(case["birth_weight"])
    return {
        "setlinfo": setl,
        "diseinfo": [{"diag_code": c, "maindiag_flag": i == 0} for i, c in enumerate(case["diagnoses"])],
        "oprninfo": [{"oprn_code": c, "main_oprn_flag": i == 0} for i, c in enumerate(case["procedures"])],
        "iteminfo": items,
        "payinfo": {"funds": funds, "psn_selfpay": str(patient - ownpay), "psn_ownpay": str(ownpay),
                    "psn_cash_pay": str(patient)},
    }


def readmission(first: dict, n: int, rng: random.Random, id_prefix: str = "", *, gap_days: int | None = None,
                los: int | None = None) -> dict:
    """The same stay again, admitted gap_days (default 2-10) after `first` was discharged."""
    info = dict(first["setlinfo"])
    gap = rng.randint(2, 10) if gap_days is None else gap_days
    adm = datetime.fromisoformat(info["dscg_time"]) + timedelta(days=gap, hours=3)
    los = max(1, int(info["act_ipt_days"]) // 2) if los is None else los
    info.update(setl_id=f"{id_prefix}{info['fixmedins_code'][-6:]}{info['setl_period'].replace('-', '')}{n:06d}",
                adm_time=adm.isoformat(), dscg_time=(adm + timedelta(days=los)).isoformat(), act_ipt_days=los)
    return {**first, "setlinfo": info}


def _policy_case(sl: dict, rng: random.Random, share: float) -> dict:
    """The seeds' other payment rules on a clean list: a share each settled by hand in the insured region
    (手工报销), of a preferential-treatment person (优抚), or admitted through the emergency department with
    5-15 % of the fees in its emergency part (急诊转住院); a mental-disorder principal diagnosis (F) is
    discharged from 精神科 (A15), which the demo regions pay per bed-day."""
    info = dict(sl["setlinfo"])
    principal = next(d["diag_code"] for d in sl["diseinfo"] if d.get("maindiag_flag"))
    if principal.startswith("F"):
        info |= {"adm_caty": "A15", "dscg_caty": "A15"}
    roll, part = rng.random(), Decimal(str(rng.uniform(0.05, 0.15)))
    if roll < share:
        info["manual_reimbursement"] = True
    elif roll < 2 * share:
        info["preferential_treatment"] = True
    elif roll < 3 * share:
        info["emergency_fee"] = str(to_fen(sum(Decimal(i["amt"]) for i in sl["iteminfo"]) * part))
    return {**sl, "setlinfo": info}


def _key(sl: dict) -> tuple[str, str]:
    return sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"]


def _clean(case: dict) -> dict:
    """What a clean stay looks like to the audit rules: at least 3 days, no symptom coded before its cause."""
    diagnoses = case["diagnoses"]
    if diagnoses[0].startswith("R") and any(d.startswith(SPECIFIC) for d in diagnoses[1:]):
        diagnoses = [d for d in diagnoses[1:] if d.startswith(SPECIFIC)][:1] + [d for d in diagnoses if d != diagnoses[0]][1:]
    return {**case, "los": max(int(case["los"]), 3), "diagnoses": diagnoses}


def _violation(rule: str, case: dict, scheme: Scheme, norms: GroupNorms, params: AuditParams,
               rng: random.Random) -> tuple[dict, dict] | None:
    """The case and build options that make a clean case fire `rule` (and only it); None if it cannot."""
    if rule == "AUD-LOW-ADMISSION":
        return {**case, "diagnoses": [OUTPATIENT_PRINCIPAL], "procedures": [], "los": 1}, {"cost_factor": 0.3}
    if rule == "AUD-QC-SYMPTOM-PRINCIPAL":
        if not case["diagnoses"][0].startswith(SPECIFIC):
            return None
        return {**case, "diagnoses": [SYMPTOM_PRINCIPAL, *case["diagnoses"][:1]]}, {}
    if rule == "AUD-COST-SHIFT":
        return {**case, "los": max(case["los"], 4)}, {"mix": SHIFTED_MIX}
    if rule == "AUD-SELF-PAY":
        return case, {"ownpay_share": 0.15}
    if rule == "AUD-UPCODING":
        upcoded = _with_complication(case, scheme, norms, params, rng)
        return (upcoded, {}) if upcoded else None
    if rule == "AUD-EARLY-DISCHARGE":
        excluded = params.early_discharge.excluded_principal_prefixes
        return None if case["diagnoses"][0].startswith(excluded) else ({**case, "discharge_way": "1"}, {})
    raise ValueError(rule)


def _with_complication(case: dict, scheme: Scheme, norms: GroupNorms, params: AuditParams,
                       rng: random.Random) -> dict | None:
    """The case with an MCC that lifts its no-complication DRG (xx5) to an upper split, both with norms, where
    a cost and stay at the lower split's averages still price as normal and do not look discharged early."""
    if case["diagnoses"][0].startswith(params.symptom_principal.non_specific_prefixes):
        return None  # the added MCC would be a specific diagnosis coded after a symptom
    clean = group_case(GroupingInput.from_dict(case), scheme)
    if clean.status != "grouped" or not clean.drg.endswith(NO_COMPLICATION_DIGIT) or clean.drg not in norms:
        return None
    for code in rng.sample(sorted(scheme.mcc), 40):
        if code in case["diagnoses"]:
            continue
        lifted = {**case, "diagnoses": [*case["diagnoses"], code]}
        grouped = group_case(GroupingInput.from_dict(lifted), scheme)
        split = _lower_split(grouped, norms, params)
        if split and grouped.adrg == clean.adrg and grouped.drg[:3] + NO_COMPLICATION_DIGIT == clean.drg:
            own, lower = split
            longest = math.floor(params.upcoding.max_los_ratio * lower.avg_los)
            shortest = max(3, math.ceil(params.early_discharge.readmitted_stay_fraction * own.avg_los))
            return lifted if _upcoded_cost_share(split, params) >= LOWEST_NORMAL_SHARE and longest >= shortest else None
    return None


def _upcoded_cost_share(split: tuple[GroupNorm, GroupNorm], params: AuditParams) -> Decimal:
    """An up-coded case's cost as a share of its (upper) payment standard."""
    own, lower = split
    return lower.avg_cost / own.avg_cost * UPCODED_COST_SHARE * params.upcoding.max_cost_ratio


def _lower_split(grouped, norms: GroupNorms, params: AuditParams) -> tuple[GroupNorm, GroupNorm] | None:
    """A DRG its MCC/CC lifted to an upper split: its norm and the lower split's (what AUD-UPCODING compares)."""
    if grouped.status != "grouped" or not grouped.counted or grouped.drg[-1] not in params.upcoding.upper_split_digits:
        return None
    own, lower = norms.get(grouped.drg), norms.get(grouped.drg[:3] + NO_COMPLICATION_DIGIT)
    return (own, lower) if own and lower else None


def _usual_stay(case: dict, norm: GroupNorm | None, params: AuditParams, rng: random.Random, floor: int) -> dict:
    """A stay drawn around its group's average and never under the share that AUD-EARLY-DISCHARGE calls cut."""
    if norm is None or str(case.get("discharge_way") or "1") not in params.early_discharge.discharge_ways:
        return case
    shortest = math.ceil(params.early_discharge.readmitted_stay_fraction * norm.avg_los)
    drawn = round(float(norm.avg_los) * math.exp(rng.gauss(-0.08, 0.35)))
    return {**case, "los": max(floor, shortest, drawn)}


def _append_follow_up(out: Workload, follow_up: dict | None) -> int:
    """A seeded case's later clean stay, which reveals the earlier one's violation; 1 if there is one."""
    if follow_up is None:
        return 0
    out.lists.append(follow_up)
    out.expected["valid"] += 1
    return 1


def generate(config: ProvinceConfig, scheme: Scheme, *, count: int, period: str = "2026-10", seed: int = 2026,
             cross_share: float = 0.25, error_share: float = 0.02, qc_share: float = 0.02,
             duplicate_share: float = 0.02, correction_share: float = 0.01, violation_share: float = 0.005,
             id_prefix: str = "", codes: CodeTables | None = None, audit: AuditConfig | None = None,
             policy_share: float = 0.0) -> Workload:
    """violation_share: the share of lists seeded with each audit rule's violation; `audit` is the audit
    service's configuration (default: the demo's), whose norms and parameters keep clean lists clean.
    policy_share: the share of clean lists made each of 手工报销, 优抚 and 急诊转住院 (see _policy_case),
    drawn from a generator of their own so every other draw stays as without them."""
    audit = audit or load_audit_config(DEMO_AUDIT_RULES)
    rng = random.Random(seed)
    policy_rng = random.Random(f"{seed}:policy")
    year = int(period[:4])
    hospitals = sorted(config.hospitals.values(), key=lambda h: h.code)
    regions = sorted({ry.region for ry in config.region_years.values() if ry.year == year})
    weights = [h.level ** 2 for h in hospitals]  # big hospitals discharge more
    out = Workload(lists=[], expected={"valid": 0, "malformed": 0, "qc_failures": 0, "duplicates": 0,
                                       "corrections": 0, "cross_region": 0, "cross_province": 0})
    cases: Iterator[dict] = iter(generate_cases(scheme, 10 * count, seed))
    n = 0
    while n < count:
        hospital = rng.choices(hospitals, weights)[0]
        cross = rng.random() < cross_share
        cross_province = cross and rng.random() < 0.04
        if cross_province:  # insured in another province: its code says so (grouper QC checks the flag against it)
            insured = rng.choice(OTHER_PROVINCES)
        else:
            insured = rng.choice([r for r in regions if r != hospital.region]) if cross else hospital.region
        insutype = rng.choice(["310", "390"])
        case, options = _clean(next(cases)), {}
        drg_region = config.region_year(hospital.region, year).weight_table is not None
        params = audit.for_region(hospital.region)
        norms = audit.norms_for(hospital.region) if drg_region else {}  # DIP claims carry no DRG to compare
        roll = rng.random()
        seeded = next((rule for i, rule in enumerate(SEEDED_RULES[1:]) if roll < violation_share * (i + 1)), None)
        if seeded in ("AUD-COST-SHIFT", *NEEDS_NORMS) and not drg_region:
            seeded = None  # a DIP case's cost is not drawn around its type's mean, and DIP types have no norms
        violation = _violation(seeded, case, scheme, norms, params, rng) if seeded and not cross_province else None
        for _ in range(20 if seeded == "AUD-UPCODING" and violation is None and not cross_province else 0):
            case = _clean(next(cases))  # only a case without complications, in a split ADRG, can be up-coded
            if violation := _violation(seeded, case, scheme, norms, params, rng):
                break
        if violation is None:
            seeded = None
        else:
            case, options = violation
        grouped = group_case(GroupingInput.from_dict(case), scheme)
        if seeded == "AUD-COST-SHIFT" and grouped.status != "grouped":
            seeded = None  # priced per item, not as a normal case: the rule rightly stays silent
        norm = norms.get(grouped.drg) if grouped.status == "grouped" else None
        if seeded != "AUD-LOW-ADMISSION":
            case = _usual_stay(case, norm, params, rng, floor=case["los"] if seeded == "AUD-COST-SHIFT" else 3)
        usual_los = case["los"]
        lifted = _lower_split(grouped, norms, params)
        if seeded == "AUD-EARLY-DISCHARGE":
            cut = math.ceil(params.early_discharge.readmitted_stay_fraction * norm.avg_los) - 1 if norm else 0
            if cut >= 3 and not lifted:  # not a lowered admission standard; no complications a short stay leaves unbacked
                case, options = {**case, "los": cut}, {"cost_factor": EARLY_DISCHARGE_COST_SHARE}
            else:
                seeded = None
        standard = _standard(config, hospital, hospital.region, year, insutype, cross, grouped.drg)
        if seeded == "AUD-UPCODING":  # cost and stay at the lower split's averages (see _with_complication)
            options = {"cost_factor": float(_upcoded_cost_share(lifted, params))}
            case = {**case, "los": min(case["los"], math.floor(params.upcoding.max_los_ratio * lifted[1].avg_los))}
        if seeded or rng.random() < violation_share:  # seeded lists and split-admission firsts price as normal cases
            factor = options.pop("cost_factor", 1.0)
        else:
            factor = math.exp(rng.gauss(-0.05, 0.45))
        total = max(to_fen(standard * Decimal(str(factor))), Decimal("300.00"))
        if lifted and seeded not in ("AUD-UPCODING", "AUD-LOW-ADMISSION"):
            own, lower = lifted  # a clean case's complications: if its cost does not back them, its stay does
            if total <= Decimal("1.1") * params.upcoding.max_cost_ratio * lower_split_cost(standard, own, lower):
                case = {**case, "los": max(case["los"], math.floor(params.upcoding.max_los_ratio * lower.avg_los) + 1)}
        sl = build_list(case, n=n, hospital=hospital, insured=insured, insutype=insutype, period=period,
                        total=total, rng=rng, cross_province=cross_province, id_prefix=id_prefix, **options)
        follow_up = None
        if seeded == "AUD-EARLY-DISCHARGE":  # readmitted after the split window, within the readmission window
            gap = (params.split_admission.window_days + 1 + params.early_discharge.readmission_days) // 2
            follow_up = readmission(sl, n + 1, rng, id_prefix, gap_days=gap, los=usual_los)
            if run_qc(SettlementList.model_validate(follow_up), codes):
                continue
        if run_qc(SettlementList.model_validate(sl), codes):
            continue  # a case the scheme allows but quality control would not: draw another
        n += 1
        out.expected["valid"] += 1
        out.expected["cross_region"] += cross and not cross_province
        out.expected["cross_province"] += cross_province
        roll = rng.random()
        if roll < error_share:
            malformed = {**sl, "setlinfo": {**sl["setlinfo"], "insu_admdvs": "36A1"}, "diseinfo": []}
            out.lists.append(malformed)  # structural errors: 422 naming both fields
            out.expected["malformed"] += 1
            out.expected["valid"] -= 1
            continue
        if roll < error_share + qc_share:
            # fee items no longer add up to the payments: QC rejects it, the hospital corrects it
            broken = {**sl, "iteminfo": [dict(i) for i in sl["iteminfo"]]}
            broken["iteminfo"][0]["amt"] = str(Decimal(sl["iteminfo"][0]["amt"]) + Decimal("100.00"))
            out.lists.append(broken)
            out.corrections.append((len(out.lists) - 1, sl))
            out.expected["qc_failures"] += 1
            if seeded:
                out.seeded[_key(sl)] = seeded  # flagged once its corrected version is priced
            n += _append_follow_up(out, follow_up)
            continue
        if policy_share and not seeded and not cross_province and factor != 1.0:  # never a split-admission first
            sl = _policy_case(sl, policy_rng, policy_share)
        out.lists.append(sl)
        if seeded:
            out.seeded[_key(sl)] = seeded
        n += _append_follow_up(out, follow_up)
        if (not seeded and factor == 1.0 and not cross_province and sl["setlinfo"]["dscg_way"] == "1"
                and datetime.fromisoformat(sl["setlinfo"]["dscg_time"]).day <= 15):
            # 分解住院: the same patient back in the same hospital for the same condition within days
            short = math.ceil(params.early_discharge.short_stay_fraction * norm.avg_los) if norm else 1
            out.lists.append(readmission(sl, n, rng, id_prefix, los=max(case["los"] // 2, short)))
            n += 1
            out.expected["valid"] += 1
            out.seeded[_key(out.lists[-1])] = "AUD-SPLIT-ADMISSION"
        if rng.random() < duplicate_share:
            out.lists.append(sl)
            out.expected["duplicates"] += 1
        elif len(sl["diseinfo"]) > 1 and not seeded and rng.random() < correction_share:
            # the hospital withdraws a secondary diagnosis it coded by mistake
            out.corrections.append((len(out.lists) - 1, {**sl, "diseinfo": sl["diseinfo"][:-1]}))
            out.expected["corrections"] += 1
    return out
