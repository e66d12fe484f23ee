"""Region confinement on a seeded two-region workload (issue 14, item 6): every list endpoint and statement
of the five services, asked by each bureau and by a hospital, answers only what is in the caller's scope
(0 leaks) and all of it (counts equal to what the workload sent for that scope).

The workload: lists treated in 南昌 (360100) and 赣州 (360700), local ones, cross-region ones between the two,
cross-region ones insured in 九江 (360400, a region that treats nothing here: it is only an insured region)
and in other regions, and cross-province ones. It goes through the whole chain (QC rejections corrected,
seeded audit findings flagged), then the province runs the monthly, annual, cross-region, cross-province
and advance clearings. What each caller should see is computed from the lists posted, never from the
services: a bureau sees a claim treated or insured in its region, a hospital its own claims.
"""
from __future__ import annotations

import asyncio
import hashlib
import shutil
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from yidi_common.auth import Role
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT
from yidi_demo import tokens
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.domain.intake import claim_id_for

from .harness import drained, wait_until

SERVICES = ("grouper", "pricing", "budget", "audit", "clearing")
TREATING = ("360100", "360700")  # the two regions whose hospitals post lists
INSURED_ONLY = "360400"  # insures some of those patients, treats none of them
BUREAUS = (*TREATING, INSURED_ONLY)
OTHER_PROVINCE = "330100"  # 杭州: cross-province insured
HOSPITAL = "H36010000001"
SMALL_INSURED_BUDGETS = {INSURED_ONLY: Decimal("50000.00"), "360700": Decimal("100000.00")}
ALERT_THRESHOLDS = (Decimal("0.80"), Decimal("0.90"), Decimal("1.00"))
YEAR, MONTH = 2026, "2026-10"


def _province() -> dict[str, str]:
    return tokens.headers(Role.PROVINCE)


@dataclass(frozen=True)
class Caller:
    name: str
    role: Role
    region: str | None = None
    hospital: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return tokens.headers(self.role, region=self.region, hospital=self.hospital, user=f"scope-test-{self.name}")

    def sees(self, claim: "Claim") -> bool:
        if self.role is Role.HOSPITAL:
            return claim.hospital == self.hospital
        return self.region in (claim.treatment_region, claim.insured_region)


CALLERS = [Caller(f"bureau-{r}", Role.BUREAU, region=r) for r in BUREAUS] + [
    Caller(f"hospital-{HOSPITAL}", Role.HOSPITAL, hospital=HOSPITAL)]


@dataclass(frozen=True)
class Claim:
    claim_id: str
    hospital: str
    treatment_region: str
    insured_region: str
    cross_province: bool
    fund_payments: Decimal  # Σ fund_payamt, every fund type


@dataclass
class Seeded:
    lists: list[dict]  # posted in order
    corrections: list[tuple[str, dict]]  # (claim id, corrected list)
    claims: dict[str, Claim] = field(default_factory=dict)  # by claim id, as last posted
    rejected: set[str] = field(default_factory=set)  # claims whose first version QC rejects
    flagged: Counter = field(default_factory=Counter)  # claim id -> seeded audit findings


def _claim_id(sl: dict) -> str:
    return claim_id_for(sl["setlinfo"]["fixmedins_code"], sl["setlinfo"]["setl_id"])


def _person_bucket(psn_no: str) -> int:
    return int(hashlib.sha256(psn_no.encode()).hexdigest(), 16) % 6


def _reinsure(sl: dict, insured: str, cross_province: bool) -> dict:
    return {**sl, "setlinfo": {**sl["setlinfo"], "insu_admdvs": insured, "cross_province": cross_province}}


@pytest.fixture(scope="module")
def seeded() -> Seeded:
    """The demo generator's lists treated in the two regions; the insured region of cross-region patients is
    set by person (so a readmission keeps it): the other treating region, 360400, another province (only for
    persons none of whose lists is seeded with an audit finding, as the generator does), or left as drawn."""
    from yidi_common.settings import get_settings

    config = load_config(REPO_ROOT / "demo" / "config")
    engine = GroupingEngine.from_settings(get_settings())
    w = generate(config, engine.scheme, count=360, seed=14, codes=engine.codes, cross_share=0.6, error_share=0,
                 qc_share=0.04, duplicate_share=0, correction_share=0.03, violation_share=0.02, id_prefix="SCOPE")
    seeded_people = {sl["setlinfo"]["psn_no"] for sl in w.lists if (sl["setlinfo"]["fixmedins_code"],
                                                                     sl["setlinfo"]["setl_id"]) in w.seeded}

    def placed(sl: dict) -> dict:
        info = sl["setlinfo"]
        if info["insu_admdvs"] == info["treat_admdvs"] or info["cross_province"]:
            return sl
        bucket = _person_bucket(info["psn_no"])
        if bucket in (0, 1):
            return _reinsure(sl, next(r for r in TREATING if r != info["treat_admdvs"]), False)
        if bucket in (2, 3):
            return _reinsure(sl, INSURED_ONLY, False)
        if bucket == 4 and info["psn_no"] not in seeded_people:
            return _reinsure(sl, OTHER_PROVINCE, True)
        return sl

    treated_here = [i for i, sl in enumerate(w.lists) if sl["setlinfo"]["treat_admdvs"] in TREATING]
    out = Seeded(lists=[placed(w.lists[i]) for i in treated_here],
                 corrections=[(_claim_id(sl), placed(sl)) for i, sl in w.corrections if i in set(treated_here)])
    for sl in out.lists + [sl for _, sl in out.corrections]:
        info = sl["setlinfo"]
        out.claims[_claim_id(sl)] = Claim(_claim_id(sl), info["fixmedins_code"], info["treat_admdvs"],
                                          info["insu_admdvs"], info["cross_province"],
                                          sum(Decimal(f["fund_payamt"]) for f in sl["payinfo"]["funds"]))
    for i, corrected in w.corrections:
        if i in set(treated_here) and w.lists[i]["iteminfo"] != corrected["iteminfo"]:
            out.rejected.add(_claim_id(corrected))
    for (hospital, setl_id), _rule in w.seeded.items():
        cid = claim_id_for(hospital, setl_id)
        if cid in out.claims:
            out.flagged[cid] += 1

    kinds = Counter(_kind(c) for c in out.claims.values())
    # every kind of claim the confinement must tell apart is there, more than once
    assert min(kinds[k] for k in ("local", "between the two", "insured in 360400", "insured elsewhere",
                                  "cross-province")) >= 2, kinds
    assert out.rejected and out.flagged and sum(c.hospital == HOSPITAL for c in out.claims.values()) >= 5
    return out


def _kind(c: Claim) -> str:
    if c.cross_province:
        return "cross-province"
    if c.treatment_region == c.insured_region:
        return "local"
    if c.insured_region in TREATING:
        return "between the two"
    return "insured in 360400" if c.insured_region == INSURED_ONLY else "insured elsewhere"


def _describe(claim: Claim | None) -> str:
    if claim is None:
        return "not a claim of the workload"
    return f"{_kind(claim)}: {claim.hospital}, treated {claim.treatment_region}, insured {claim.insured_region}"


@pytest.fixture(scope="module")
def config_dir(tmp_path_factory) -> Path:
    """The demo configuration with small insured budgets for 360400 and 360700, so that their budget alerts
    are raised (and must reach no other bureau)."""
    path = tmp_path_factory.mktemp("scope-config") / "config"
    shutil.copytree(REPO_ROOT / "demo" / "config", path)
    budgets = path / "insured_budgets.csv"
    rows = budgets.read_text(encoding="utf-8").splitlines()
    budgets.write_text("\n".join(
        f"{row.split(',')[0]},{YEAR},{SMALL_INSURED_BUDGETS[row.split(',')[0]]}"
        if row.split(",")[0] in SMALL_INSURED_BUDGETS and row.split(",")[1] == str(YEAR) else row
        for row in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def chain(start_service, config_dir):
    return {s: start_service(s, name=f"scope-{s}", YIDI_CONFIG_DIR=str(config_dir)) for s in SERVICES}


@pytest.fixture(scope="module")
async def settled(chain, seeded, config_dir):
    """The workload through the whole chain, then every clearing run of the month and year, as the province.
    (A module fixture runs before the function-scoped default caller: each call names its token.)"""
    def hospital(sl: dict) -> dict:
        return tokens.headers(Role.HOSPITAL, hospital=sl["setlinfo"]["fixmedins_code"])

    async with httpx.AsyncClient(base_url=chain["grouper"].url, timeout=60, headers=_province()) as client:
        answers = await asyncio.gather(*[client.post("/v1/settlement-lists", json=sl, headers=hospital(sl))
                                         for sl in seeded.lists])
        assert {a.status_code for a in answers} == {202}, [a.text for a in answers if a.status_code != 202][:3]
        await wait_until(lambda: drained(chain, headers=_province()), timeout=180, what="the chain to drain")
        fixed = await asyncio.gather(*[client.post(f"/v1/settlement-lists/{cid}/corrections", json=sl,
                                                   headers=hospital(sl))
                                       for cid, sl in seeded.corrections])
        assert {f.status_code for f in fixed} <= {202}, [f.text for f in fixed if f.status_code != 202][:3]
        await wait_until(lambda: drained(chain, headers=_province()), timeout=180, what="the corrections to drain")
        counts = (await client.get("/v1/settlement-lists", params={"limit": 1})).json()["stage_counts"]
        assert counts == {"posted": len(seeded.claims)}, counts

    runs = {}
    config = load_config(config_dir)
    async with httpx.AsyncClient(base_url=f"{chain['clearing'].url}/v1/clearing", timeout=120,
                                 headers=_province()) as client:
        for region in TREATING:  # the annual run releases guarantees by each hospital's assessment score
            scores = {h.code: 95 for h in config.hospitals.values() if h.region == region}
            answer = await client.post(f"assessments/{region}/{YEAR}", json={"results": scores})
            assert answer.status_code == 200, answer.text
        for path in [*(f"monthly/{r}/{MONTH}" for r in TREATING), f"cross-region/{MONTH}", f"cross-province/{MONTH}",
                     f"advances/{YEAR}", *(f"annual/{r}/{YEAR}" for r in TREATING)]:
            answer = await client.post(path, json={} if path.startswith("advances") else None)
            assert answer.status_code == 200, (path, answer.text)
            runs[path] = answer.json()
    return runs


@dataclass
class Findings:
    leaks: list[str] = field(default_factory=list)  # something outside the caller's scope was answered
    missing: list[str] = field(default_factory=list)  # something in scope was not (or counted wrong)

    def leak(self, caller: Caller, what: str) -> None:
        self.leaks.append(f"{caller.name}: {what}")

    def miss(self, caller: Caller, what: str) -> None:
        self.missing.append(f"{caller.name}: {what}")


async def _get(client: httpx.AsyncClient, caller: Caller, url: str, **params) -> httpx.Response:
    answer = await client.get(url, params=params or None, headers=caller.headers)
    assert answer.status_code < 500, (caller.name, url, answer.status_code, answer.text[:300])
    return answer


async def _settlement_lists(client, caller: Caller, seeded: Seeded, grouper: str, found: Findings) -> None:
    expected = {cid for cid, c in seeded.claims.items() if caller.sees(c)}
    seen: list[dict] = []
    offset, pages = 0, 0
    while True:  # paged: 25 a page
        page = (await _get(client, caller, f"{grouper}/v1/settlement-lists", limit=25, offset=offset)).json()
        seen += page["items"]
        pages += 1
        if len(page["items"]) < 25:
            break
        offset += 25
    for item in seen:
        claim = seeded.claims.get(item["claim_id"])
        if claim is None or not caller.sees(claim):
            found.leak(caller, f"GET /v1/settlement-lists lists {item['claim_id']} ({_describe(claim)})")
    ids = [i["claim_id"] for i in seen]
    if len(ids) != len(set(ids)) or set(ids) != expected:
        found.miss(caller, f"GET /v1/settlement-lists: {len(set(ids))} claims over {pages} pages, expected "
                           f"{len(expected)}; missing {sorted(expected - set(ids))[:3]}")
    counts = page["stage_counts"]
    if counts != {"posted": len(expected)}:
        found.miss(caller, f"stage_counts {counts}, expected posted {len(expected)}")

    # filtering by a hospital of another region yields nothing (a hospital's own token: 403)
    for other in sorted({c.hospital for c in seeded.claims.values()}):
        answer = await _get(client, caller, f"{grouper}/v1/settlement-lists", hospital_code=other, limit=1000)
        if caller.role is Role.HOSPITAL and other != caller.hospital:
            if answer.status_code != 403:
                found.leak(caller, f"GET /v1/settlement-lists?hospital_code={other}: {answer.status_code}")
            continue
        mine = {cid for cid in expected if seeded.claims[cid].hospital == other}
        got = {i["claim_id"] for i in answer.json()["items"]}
        if got - mine:
            found.leak(caller, f"?hospital_code={other} lists {sorted(got - mine)[:3]}")
        if mine - got:
            found.miss(caller, f"?hospital_code={other} misses {sorted(mine - got)[:3]}")

    # each claim's detail and its first version as posted: in scope 200, else 403
    for cid, claim in seeded.claims.items():
        for path in (f"/v1/settlement-lists/{cid}", f"/v1/settlement-lists/{cid}/versions/1"):
            answer = await _get(client, caller, f"{grouper}{path}")
            if caller.sees(claim) and answer.status_code != 200:
                found.miss(caller, f"GET {path} ({_kind(claim)}): {answer.status_code}")
            elif not caller.sees(claim) and answer.status_code != 403:
                found.leak(caller, f"GET {path} ({_describe(claim)}): {answer.status_code}")

    rejections = await _get(client, caller, f"{grouper}/v1/settlement-lists/rejections")
    if caller.role is Role.HOSPITAL:
        if rejections.status_code != 403:
            found.leak(caller, f"GET /v1/settlement-lists/rejections: {rejections.status_code}")
        return
    rejected = {cid for cid in seeded.rejected if caller.sees(seeded.claims[cid])}
    most = max((r["claims"] for r in rejections.json()["rules"]), default=0)
    if most != len(rejected):
        found.leak(caller, f"GET /v1/settlement-lists/rejections counts {most} rejected claims for its most "
                           f"broken rule, {len(rejected)} were rejected in its scope: {rejections.json()['rules']}") \
            if most > len(rejected) else found.miss(caller, f"rejections: {most} of {len(rejected)}")


async def _flags(client, caller: Caller, seeded: Seeded, audit: str, all_flags: list[dict], found: Findings) -> None:
    answer = (await _get(client, caller, f"{audit}/v1/flags", limit=1000)).json()
    items = answer["items"]
    for f in items:
        claim = seeded.claims.get(f["claim_id"])
        if claim is None or not caller.sees(claim) or (
                caller.role is Role.BUREAU and caller.region not in (f["treat_admdvs"], f["insu_admdvs"])) or (
                caller.role is Role.HOSPITAL and f["hospital_code"] != caller.hospital):
            found.leak(caller, f"GET /v1/flags lists {f['flag_id']} of {f['claim_id']} "
                               f"({f['treat_admdvs']}->{f['insu_admdvs']}, {f['hospital_code']})")
    # the province's view is the whole: which findings the rules raise is audit's business, not this test's
    # (a seeded violation may group differently as the scheme settings change); each caller gets its share
    expected = Counter(f["claim_id"] for f in all_flags
                       if f["claim_id"] in seeded.claims and caller.sees(seeded.claims[f["claim_id"]]))
    got = Counter(f["claim_id"] for f in items)
    if got != expected:
        found.miss(caller, f"GET /v1/flags: {sum(got.values())} flags, expected {sum(expected.values())} "
                           f"(missing {sorted((expected - got).elements())[:3]})")
    summary_total = _total(answer["summary"])
    if summary_total != len(items):
        (found.leak if summary_total > len(items) else found.miss)(
            caller, f"GET /v1/flags summary counts {summary_total}, {len(items)} listed: {answer['summary']}")
    for f in all_flags:
        status = (await _get(client, caller, f"{audit}/v1/flags/{f['flag_id']}")).status_code
        if caller.sees(seeded.claims[f["claim_id"]]) != (status == 200):
            (found.miss if status != 200 else found.leak)(caller, f"GET /v1/flags/{f['flag_id']}: {status}")


def _total(summary: list[dict]) -> int:
    """The number of flags a summary counts (one row per rule and status)."""
    return sum(row["flags"] for row in summary)


async def _budget(client, caller: Caller, seeded: Seeded, budget: str, found: Findings) -> None:
    for region in BUREAUS:
        own = caller.role is Role.BUREAU and caller.region == region
        for path in (f"/v1/pools/{region}/{YEAR}", f"/v1/insured-budgets/{region}/{YEAR}"):
            answer = await _get(client, caller, f"{budget}{path}")
            if not own:
                if answer.status_code != 403:
                    found.leak(caller, f"GET {path}: {answer.status_code}")
                continue
            if answer.status_code != 200 or answer.json()["region"] != region:
                found.miss(caller, f"GET {path}: {answer.status_code} {answer.text[:200]}")
                continue
            body = answer.json()
            if path.startswith("/v1/pools"):
                got = sum(p["cases"] for p in body["pools"])
                expected = sum(c.treatment_region == region and not c.cross_province for c in seeded.claims.values())
            else:
                got = body["cases"]
                expected = sum(c.insured_region == region and c.treatment_region != region
                               for c in seeded.claims.values())
            if got != expected:
                (found.leak if got > expected else found.miss)(caller, f"GET {path}: {got} cases, expected {expected}")
    answer = await _get(client, caller, f"{budget}/v1/alerts")
    if caller.role is Role.HOSPITAL:
        if answer.status_code != 403:
            found.leak(caller, f"GET /v1/alerts: {answer.status_code}")
        return
    alerts = answer.json()["alerts"]
    for alert in alerts:
        if alert.get("region") != caller.region:
            found.leak(caller, f"GET /v1/alerts shows {alert}")
    # its insured budget's alerts: one per threshold its cross-region patients' fund payments crossed
    budget_amount = SMALL_INSURED_BUDGETS.get(caller.region)
    paid = sum((c.fund_payments for c in seeded.claims.values()
                if c.insured_region == caller.region and c.treatment_region != caller.region), Decimal(0))
    expected = sum(paid >= t * budget_amount for t in ALERT_THRESHOLDS) if budget_amount else 0
    if len(alerts) != expected:
        (found.leak if len(alerts) > expected else found.miss)(
            caller, f"GET /v1/alerts: {len(alerts)} alerts, expected {expected} (insured fund payments {paid})")
    for region in BUREAUS:
        if region != caller.region:
            status = (await _get(client, caller, f"{budget}/v1/alerts", region=region)).status_code
            if status != 403:
                found.leak(caller, f"GET /v1/alerts?region={region}: {status}")


async def _clearing(client, caller: Caller, seeded: Seeded, clearing: str, runs: dict, found: Findings) -> None:
    hospitals_of = {r: {c.hospital for c in seeded.claims.values() if c.treatment_region == r} for r in BUREAUS}
    bureau = caller.role is Role.BUREAU
    region_books = [f"monthly/{{r}}/{MONTH}", f"annual/{{r}}/{YEAR}", f"year/{{r}}/{YEAR}"]
    for region in BUREAUS:
        for template in region_books:
            path = f"/v1/clearing/{template.format(r=region)}"
            answer = await _get(client, caller, f"{clearing}{path}")
            if not (bureau and caller.region == region):
                if answer.status_code != 403:  # another region's statement (or a hospital): 403
                    found.leak(caller, f"GET {path}: {answer.status_code}")
                continue
            if region == INSURED_ONLY:  # treats nothing: no run of its own was made
                if answer.status_code not in (200, 404):
                    found.miss(caller, f"GET {path}: {answer.status_code}")
                continue
            if answer.status_code != 200:
                found.miss(caller, f"GET {path}: {answer.status_code} {answer.text[:200]}")
                continue
            lines = answer.json()["lines"]
            shown = {l.get("hospital_code") or l.get("hospital") for l in lines}
            if shown - hospitals_of[region] - {None}:
                found.leak(caller, f"GET {path} shows hospitals {sorted(shown - hospitals_of[region])}")
            if not shown & hospitals_of[region]:
                found.miss(caller, f"GET {path} shows none of the region's hospitals: {lines[:1]}")
            if template.startswith("monthly"):  # one line per hospital: every claim the region treats, once
                cases = sum(l["cases"] for l in lines)
                expected = sum(c.treatment_region == region for c in seeded.claims.values())
                if cases != expected:
                    (found.leak if cases > expected else found.miss)(
                        caller, f"GET {path}: {cases} cases, the region treated {expected}")
        for path in (f"/v1/ledger/close-check/{region}/{YEAR}", f"/v1/clearing/prepayments/{region}/{YEAR}"):
            status = (await _get(client, caller, f"{clearing}{path}")).status_code
            if not (bureau and caller.region == region) and status != 403:
                found.leak(caller, f"GET {path}: {status}")

    for kind in ("cross-region", "cross-province"):
        path = f"/v1/clearing/{kind}/{MONTH}"
        answer = await _get(client, caller, f"{clearing}{path}")
        if not bureau:
            if answer.status_code != 403:
                found.leak(caller, f"GET {path}: {answer.status_code}")
            continue
        statement, full = answer.json(), runs[f"{kind}/{MONTH}"]
        for line in statement["lines"]:
            if caller.region not in (line["insured_region"], line["treatment_region"]):
                found.leak(caller, f"GET {path} line {line}")
        for table in ("remittances", "payments"):
            for row in statement[table]:
                if row["region"] != caller.region:
                    found.leak(caller, f"GET {path} {table} {row}")
        if statement.get("total") is not None:
            found.leak(caller, f"GET {path} shows the province-wide total {statement['total']}")
        mine = [l for l in full["lines"] if caller.region in (l["insured_region"], l["treatment_region"])]
        if len(statement["lines"]) != len(mine):
            found.miss(caller, f"GET {path}: {len(statement['lines'])} lines, the province's run has {len(mine)} "
                               "of its region")
        expected = _line_claims(seeded, kind, caller)
        if _line_cases(statement["lines"]) not in (None, expected):
            (found.leak if _line_cases(statement["lines"]) > expected else found.miss)(
                caller, f"GET {path}: lines count {_line_cases(statement['lines'])} claims, expected {expected}")

    answer = await _get(client, caller, f"{clearing}/v1/clearing/advances/{YEAR}")
    if bureau:
        if set(answer.json()["amounts"]) - {caller.region}:
            found.leak(caller, f"GET /v1/clearing/advances/{YEAR}: {answer.json()['amounts']}")
    elif answer.status_code != 403:
        found.leak(caller, f"GET /v1/clearing/advances/{YEAR}: {answer.status_code}")

    # ledger accounts: a bureau its own region's book; another region's prefix 403
    answer = await _get(client, caller, f"{clearing}/v1/ledger/accounts")
    if bureau:
        accounts = answer.json()["accounts"]
        for a in accounts:
            if not a["account"].startswith(f"{caller.region}:"):
                found.leak(caller, f"GET /v1/ledger/accounts shows {a['account']}")
        if caller.region in TREATING and not accounts:
            found.miss(caller, "GET /v1/ledger/accounts: none")
        for region in BUREAUS:
            if region != caller.region:
                status = (await _get(client, caller, f"{clearing}/v1/ledger/accounts", prefix=f"{region}:")).status_code
                if status != 403:
                    found.leak(caller, f"GET /v1/ledger/accounts?prefix={region}: {status}")
    elif answer.status_code != 403:
        found.leak(caller, f"GET /v1/ledger/accounts: {answer.status_code}")
    status = (await _get(client, caller, f"{clearing}/v1/ledger/trial-balance")).status_code
    if status != 403:
        found.leak(caller, f"GET /v1/ledger/trial-balance (the whole ledger): {status}")

    # each claim's journal: in scope 200, else 404
    for cid, claim in seeded.claims.items():
        answer = await _get(client, caller, f"{clearing}/v1/ledger/claims/{cid}")
        if caller.sees(claim) and (answer.status_code != 200 or not answer.json()["entries"]):
            journal = (await client.get(f"{clearing}/v1/ledger/claims/{cid}", headers=_province())).json()
            accounts = sorted({l["account"] for e in journal.get("entries", []) for l in e["lines"]})
            found.miss(caller, f"GET /v1/ledger/claims/{cid} ({_kind(claim)}, {claim.hospital}): "
                               f"{answer.status_code}; the province sees the accounts {accounts}")
        elif not caller.sees(claim) and answer.status_code != 404:
            found.leak(caller, f"GET /v1/ledger/claims/{cid} ({_describe(claim)}): {answer.status_code}")


def _line_claims(seeded: Seeded, kind: str, caller: Caller) -> int:
    cross_province = kind == "cross-province"
    return sum(caller.sees(c) and c.cross_province == cross_province and c.treatment_region != c.insured_region
               for c in seeded.claims.values())


def _line_cases(lines: list[dict]) -> int | None:
    if lines and all(isinstance(l.get("cases"), int) for l in lines):
        return sum(l["cases"] for l in lines)
    if lines and all("claim_id" in l for l in lines):
        return len({l["claim_id"] for l in lines})
    return None


async def test_each_bureau_and_hospital_sees_exactly_its_own_claims(chain, seeded, settled):
    grouper, audit, budget, clearing = (chain[s].url for s in ("grouper", "audit", "budget", "clearing"))
    found = Findings()
    async with httpx.AsyncClient(timeout=30) as client:
        all_flags = (await client.get(f"{audit}/v1/flags", params={"limit": 1000})).json()["items"]  # as the province
        for caller in CALLERS:
            await _settlement_lists(client, caller, seeded, grouper, found)
            await _flags(client, caller, seeded, audit, all_flags, found)
            await _budget(client, caller, seeded, budget, found)
            await _clearing(client, caller, seeded, clearing, settled, found)
        # the workload gave every kind of record something to leak: flags, alerts and lines of each region
        raised = {a["region"] for a in (await client.get(f"{budget}/v1/alerts")).json()["alerts"]}
        assert raised == set(SMALL_INSURED_BUDGETS), raised
        assert {f["treat_admdvs"] for f in all_flags} == set(TREATING)
    assert not found.leaks, f"{len(found.leaks)} leaks:\n" + "\n".join(found.leaks[:40])
    assert not found.missing, f"{len(found.missing)} in-scope answers missing:\n" + "\n".join(found.missing[:40])


async def test_another_regions_statement_is_refused(chain, settled):
    clearing = chain["clearing"].url
    async with httpx.AsyncClient(base_url=f"{clearing}/v1/clearing", timeout=30) as client:
        for mine, theirs in (("360100", "360700"), ("360700", "360100"), (INSURED_ONLY, "360100")):
            headers = tokens.headers(Role.BUREAU, region=mine)
            for path in (f"monthly/{theirs}/{MONTH}", f"annual/{theirs}/{YEAR}", f"year/{theirs}/{YEAR}"):
                answer = await client.get(path, headers=headers)
                assert answer.status_code == 403, (mine, path, answer.status_code, answer.text[:200])
            # its own statement it reads (360400 treats nothing: it has no monthly run of its own)
            if mine in TREATING:
                assert (await client.get(f"monthly/{mine}/{MONTH}", headers=headers)).status_code == 200
