"""The dashboard in a real browser (issue 16 item 5): headless Chromium from Debian's packages, driven by
Playwright, signs in through the development issuer's sign-in page as a bureau, a hospital and the
province, opens every page, checks each figure shown against the same API called directly with that
role's token (amounts to the fen, coverage shares), acts on a flag, an objection and a feedback item
through the pages' forms, and saves screenshots to .local/screenshots/ (ignored by git). With
YIDI_SCREENSHOTS=docs/screenshots (`make screenshots`) it writes there instead: only the pictures the
README shows, so the committed ones change only when asked.

The chain (grouper, pricing, budget, audit, clearing), the reports service and the dashboard run as
processes of their own on Kafka and PostgreSQL; a small workload goes through the chain and one month's
clearing first. Where a service answers a role 403 (a hospital's budget, say), the page must say so.
"""
from __future__ import annotations

import asyncio
import os
import re
import secrets
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from yidi_common.auth import Role
from yidi_common.auth.issuer import TOKEN_SECONDS
from yidi_common.regional_config import load_config
from yidi_common.settings import REPO_ROOT, get_settings
from yidi_demo import tokens
from yidi_demo.workload import generate
from yidi_grouper.adapters.grouping_engine import GroupingEngine

from .harness import drained, wait_until

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser download is not used
SHOTS = REPO_ROOT / os.environ.get("YIDI_SCREENSHOTS", ".local/screenshots")  # an absolute path stays as it is
DOCS = REPO_ROOT / "docs" / "screenshots"
SHOWN = set(re.findall(r"docs/screenshots/([\w-]+)\.png", (REPO_ROOT / "README.md").read_text()))
CHINA_TODAY = datetime.now(timezone(timedelta(hours=8))).date()
# a seed 004 二(四) feedback round collecting today: its first or second opening day is today
FEEDBACK_OPENS = f"{CHINA_TODAY:%m-%d},12-31" if CHINA_TODAY.strftime("%m-%d") != "12-31" else "01-01,12-31"
YEAR, MONTH = 2026, "2026-10"
CHAIN = ("grouper", "pricing", "budget", "audit", "clearing")
BACKENDS = (*CHAIN, "reports")


def fen(amount) -> str:
    """An API amount as the pages must show it: to the fen, thousands separated."""
    return f"{Decimal(str(amount)):,.2f}"


def pct(share) -> str:
    return f"{Decimal(str(share)) * 100:.2f} %"


@pytest.fixture(scope="module")
def stack(start_service):
    services = {name: start_service(name, **({"REPORTS_FEEDBACK_OPENS": FEEDBACK_OPENS} if name == "reports" else {}))
                for name in BACKENDS}
    # every page refreshes the session's access token first (the margin exceeds the issuer's token lifetime), so
    # the pages below also prove the refresh through the issuer (grant_type=refresh_token) in the browser's flow
    services["dashboard"] = start_service(
        "dashboard", DASHBOARD_SESSION_KEY=secrets.token_urlsafe(32),
        DASHBOARD_REFRESH_MARGIN_SECONDS=str(TOKEN_SECONDS + 3600),
        **{f"DASHBOARD_{name.upper()}_URL": services[name].url for name in BACKENDS})
    return services


@pytest.fixture(scope="module")
def scope(stack) -> dict:
    """A small workload through the chain and a month's clearing; the bureau, hospital and flag the test
    acts as and on: a region that treats and insures a raised flag's claim (it proposes and confirms)."""
    config = load_config(REPO_ROOT / "demo" / "config")
    engine = GroupingEngine.from_settings(get_settings())
    w = generate(config, engine.scheme, count=80, seed=16, codes=engine.codes, error_share=0, qc_share=0.05,
                 duplicate_share=0, correction_share=0, violation_share=0.2, id_prefix="DASH",
                 policy_share=0.2)  # a 优抚 list paid per item: fund coverage below 100 %
    province = tokens.headers(Role.PROVINCE)

    async def seed() -> dict:
        async with httpx.AsyncClient(timeout=30) as client:
            answers = await asyncio.gather(*[
                client.post(f"{stack['grouper'].url}/v1/settlement-lists", json=sl,
                            headers=tokens.headers(Role.HOSPITAL, hospital=sl["setlinfo"]["fixmedins_code"]))
                for sl in w.lists])
            assert {a.status_code for a in answers} == {202}

            await wait_until(lambda: drained({n: stack[n] for n in CHAIN}, headers=province), timeout=180, what="the workload to drain")
            flags = (await client.get(f"{stack['audit'].url}/v1/flags", params={"status": "raised", "limit": 1000},
                                      headers=province)).json()["items"]
            local = [f for f in flags if f["treat_admdvs"] == f["insu_admdvs"] and Decimal(f["suspected_amount"]) > 0]
            assert local, "the workload raised no flag on a local claim"
            flag = local[0]
            run = await client.post(f"{stack['clearing'].url}/v1/clearing/monthly/{flag['treat_admdvs']}/{MONTH}",
                                    headers=province)
            assert run.status_code == 200, run.text
            return {"region": flag["treat_admdvs"], "hospital": flag["hospital_code"], "flag": flag,
                    "claim_id": flag["claim_id"]}

    return asyncio.run(seed())


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--lang=zh-CN"])
        yield chromium
        chromium.close()


def api(stack, service: str, path: str, headers: dict, **params) -> httpx.Response:
    return httpx.get(f"{stack[service].url}{path}", params=params, headers=headers, timeout=30)


class Dashboard:
    """One signed-in browser session, as a person uses it."""

    def __init__(self, browser, url: str, user: str, role: str) -> None:
        self.url, self.role = url, role
        self.context = browser.new_context(viewport={"width": 1360, "height": 860}, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.goto(f"{url}/budget")  # not signed in: to the issuer's sign-in page
        assert "DEVELOPMENT" in self.page.content() and "/authorize" in self.page.url
        if role == "bureau":
            self.shot("signin")
        self.page.get_by_role("button", name=f"以 {user} 登录").click()
        self.page.wait_for_url(f"{url}/budget")
        assert user in self.page.locator("#who").inner_text()

    def open(self, path: str, shot: str | None = None):
        self.page.goto(f"{self.url}{path}")
        self.page.wait_for_load_state("networkidle")
        for chart in self.page.locator("[data-chart]").all():  # ECharts drew it (served by the dashboard)
            assert chart.get_attribute("data-drawn") == "true"
        if shot:
            self.shot(shot)
        return self.page

    def shot(self, name: str) -> None:
        if SHOTS.resolve() == DOCS.resolve() and f"{self.role}-{name}" not in SHOWN:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SHOTS / f"{self.role}-{name}.png", full_page=True)

    def problems(self) -> str:
        return " ".join(p.inner_text() for p in self.page.locator(".problem").all())

    def cell(self, row_selector: str, field: str) -> str:
        return self.page.locator(f"{row_selector} [data-field='{field}']").inner_text().strip()

    def close(self) -> None:
        self.context.close()


def _refused(d: Dashboard, answer: httpx.Response) -> None:
    """The page says why the service gave nothing: its role may not (403), or the service has no answer."""
    assert answer.status_code != 200
    text = d.problems()
    assert (f"{answer.status_code}" in text) or ("暂时无法访问" in text), text


def check_budget(d: Dashboard, stack, headers: dict, region: str) -> None:
    d.open(f"/budget?region={region}&year={YEAR}", "budget")
    pools = api(stack, "budget", f"/v1/pools/{region}/{YEAR}", headers)
    if pools.status_code != 200:
        return _refused(d, pools)
    rows = pools.json()["pools"]
    assert rows and d.page.locator("#pools tbody tr").count() == len(rows)
    for pool in rows:
        row = f"#pools tr[data-pool='{pool['pool']}']"
        assert d.cell(row, "budget") == fen(pool["budget"])
        assert d.cell(row, "distributable") == fen(pool["distributable"])
        assert d.cell(row, "fund_due") == fen(pool["fund_due"])
        assert d.cell(row, "cases") == str(pool["cases"])
        assert d.cell(row, "execution") == pct(pool["execution"])
    insured = api(stack, "budget", f"/v1/insured-budgets/{region}/{YEAR}", headers).json()
    assert d.cell("#insured", "fund_payments") == fen(insured["fund_payments"])


def check_claims(d: Dashboard, stack, headers: dict) -> None:
    d.open("/claims", "claims")
    listing = api(stack, "grouper", "/v1/settlement-lists", headers, limit=50).json()
    for stage, count in listing["stage_counts"].items():
        assert d.page.locator(f"#stage-counts [data-stage='{stage}']").inner_text() == str(count)
    assert d.page.locator("#stage-counts [data-stage='total']").inner_text() == str(sum(listing["stage_counts"].values()))
    shown = [a.get_attribute("title") for a in d.page.locator("#claims tbody a").all()]
    assert shown == [c["claim_id"] for c in listing["items"]] and shown


def check_claim(d: Dashboard, stack, headers: dict, claim_id: str) -> None:
    page = d.open(f"/claims/{claim_id}", "claim")
    view = api(stack, "grouper", f"/v1/settlement-lists/{claim_id}", headers)
    if view.status_code != 200:
        return _refused(d, view)
    priced = [s["result"] for s in view.json()["timeline"] if s["stage"] == "priced"][-1]
    timeline = page.locator("#timeline li[data-stage='priced']").last.inner_text()
    assert priced["payment"] in timeline and priced["fund_due"] in timeline  # the payment and its explanation
    assert priced["weight"] in timeline
    grouped = [s["result"] for s in view.json()["timeline"] if s["stage"] == "grouped"][-1]
    assert (grouped.get("drg") or grouped.get("dip_code") or "") in page.locator("#timeline").inner_text()
    journal = api(stack, "clearing", f"/v1/ledger/claims/{claim_id}", headers).json()["entries"]
    lines = [line for entry in journal for line in entry["lines"]]
    assert page.locator("#entries tbody tr").count() == len(lines) > 0
    debits = [c.inner_text() for c in page.locator("#entries [data-field='debit']").all()]
    assert sorted(d_ for d_ in debits if d_) == sorted(fen(l["debit"]) for l in lines if Decimal(l["debit"]))
    flags = [f for f in api(stack, "audit", "/v1/flags", headers, limit=1000).json()["items"] if f["claim_id"] == claim_id]
    assert page.locator("#claim-flags tbody tr").count() == max(len(flags), 1)


def check_flags(d: Dashboard, stack, headers: dict) -> None:
    d.open("/flags", "flags")
    answer = api(stack, "audit", "/v1/flags", headers, limit=50)
    if answer.status_code != 200:
        return _refused(d, answer)
    body = answer.json()
    assert [r.get_attribute("data-flag") for r in d.page.locator("#flags tbody tr[data-flag]").all()] == \
        [f["flag_id"] for f in body["items"]]
    for f in body["items"]:
        assert d.cell(f"#flags tr[data-flag='{f['flag_id']}']", "suspected_amount") == fen(f["suspected_amount"])
    for s in body["summary"]:
        row = f"#flag-summary tr[data-rule='{s['rule_id']}'][data-status='{s['status']}']"
        assert d.cell(row, "flags") == str(s["flags"]) and d.cell(row, "suspected") == fen(s["suspected"])


def check_statements(d: Dashboard, stack, headers: dict, region: str) -> None:
    d.open(f"/statements?region={region}&month={MONTH}", "statements")
    monthly = api(stack, "clearing", f"/v1/clearing/monthly/{region}/{MONTH}", headers)
    if monthly.status_code != 200:
        _refused(d, monthly)
    else:
        statement = monthly.json()
        assert d.page.locator("#statement-lines tbody tr").count() == len(statement["lines"]) > 0
        for line in statement["lines"]:
            row = f"#statement-lines tr[data-hospital='{line['hospital']}']"
            for field in ("fund_due", "per_item", "deductions", "withheld", "paid"):
                assert d.cell(row, field) == fen(line[field]), (line["hospital"], field)
        assert d.cell("#statement-lines tfoot tr", "paid") == fen(statement["totals"]["paid"])
        with d.page.expect_download() as download:  # the CSV as clearing makes it, through the dashboard
            d.page.get_by_role("link", name="CSV").click()
        direct = api(stack, "clearing", f"/v1/clearing/monthly/{region}/{MONTH}", headers, format="csv")
        assert Path(download.value.path()).read_bytes() == direct.content and direct.status_code == 200
    reports = api(stack, "reports", "/v1/reports", headers)
    if reports.status_code != 200:
        return _refused(d, reports)
    items = reports.json()["items"]
    shown = [(r.get_attribute("data-kind"), r.get_attribute("data-period")) for r in d.page.locator("#reports tbody tr[data-kind]").all()]
    assert shown == [(r["kind"], r["period"]) for r in items]
    generated = [r for r in items if r["id"]]
    if generated:  # a report downloads through the dashboard exactly as the reports service serves it
        with d.page.expect_download() as download:
            d.page.locator(f"#reports a[href='/downloads/reports/{generated[0]['id']}.xlsx']").click()
        direct = api(stack, "reports", f"/v1/reports/{generated[0]['id']}.xlsx", headers)
        assert Path(download.value.path()).read_bytes() == direct.content


def check_objections(d: Dashboard, stack, headers: dict) -> None:
    d.open("/objections", "objections")
    answer = api(stack, "reports", "/v1/objections", headers)
    if answer.status_code != 200:
        return _refused(d, answer)
    items = answer.json()["items"]
    assert [r.get_attribute("data-objection") for r in d.page.locator("#objections tbody tr[data-objection]").all()] \
        == [o["id"] for o in items]


def check_coverage(d: Dashboard, stack, headers: dict, regions: list[str]) -> None:
    """Seed 000 五(二): each region's shares (and the province's) as the reports service works them out,
    against the targets 100 %, 90 % and 70 %."""
    d.open(f"/coverage?year={YEAR}", "coverage")
    for region in regions:
        answer = api(stack, "reports", "/v1/indicators/coverage", headers, year=YEAR, region=region)
        if answer.status_code != 200:
            return _refused(d, answer)
        body = answer.json()
        for measure in ("pools", "hospitals", "groups", "fund"):
            shown = d.cell(f"#coverage tr[data-region='{region}']", measure)
            assert shown == (pct(body[measure]) if body[measure] is not None else "—"), (region, measure)
    assert d.page.locator("#coverage tbody tr[data-region]").count() == len(regions)
    assert [d.page.locator(f"#coverage [data-target='{m}']").inner_text() for m in ("hospitals", "groups", "fund")] \
        == ["≥ 100.00 %", "≥ 90.00 %", "≥ 70.00 %"]


def check_indicators(d: Dashboard, stack, headers: dict, **scope) -> None:
    d.open(f"/indicators?region={scope['region']}" if "region" in scope else "/indicators", "indicators")
    months = {"from": f"{YEAR}-01", "to": f"{YEAR}-12"}
    answers = {m: api(stack, "reports", "/v1/indicators/series", headers, metric=m, **scope, **months)
               for m in ("cmi", "time_index", "cost_index")}
    if answers["cmi"].status_code != 200:
        return _refused(d, answers["cmi"])
    for metric, answer in answers.items():
        for p in answer.json()["points"]:
            if not p["cases"]:
                continue
            row = f"#series tr[data-period='{p['period']}'][data-origin='{p['origin']}']"
            assert d.cell(row, "cases") == str(p["cases"])
            assert d.cell(row, metric) == (p["value"] if p["value"] is not None else "—"), (p, metric)
    assert d.page.locator("#series tbody tr[data-period]").count() == \
        sum(1 for p in answers["cmi"].json()["points"] if p["cases"])
    rows = api(stack, "reports", "/v1/indicators", headers, level="hospital", period=str(YEAR), **scope).json()["items"]
    assert d.page.locator("#indicators tbody tr[data-hospital]").count() == len(rows)
    for r in rows:
        row = f"#indicators tr[data-hospital='{r['hospital']}'][data-origin='{r['origin']}']"
        assert d.cell(row, "cases") == str(r["cases"])
        assert d.cell(row, "avg_cost") == (fen(r["avg_cost"]) if r["avg_cost"] is not None else "—")
        assert d.cell(row, "deductions_amount") == fen(r["deductions_amount"])


def test_a_bureau_sees_its_region_and_reviews_a_flag_through_the_page(stack, scope, browser):
    region, flag = scope["region"], scope["flag"]
    headers = tokens.headers(Role.BUREAU, region=region)
    d = Dashboard(browser, stack["dashboard"].url, f"dev-bureau-{region}", "bureau")
    try:
        check_budget(d, stack, headers, region)
        check_claims(d, stack, headers)
        check_claim(d, stack, headers, scope["claim_id"])
        check_statements(d, stack, headers, region)
        check_objections(d, stack, headers)
        check_indicators(d, stack, headers, region=region)
        check_coverage(d, stack, headers, [region])
        # a bureau's region select offers its own region only: another region's pools are not asked for
        d.open("/budget")
        assert d.page.locator("select[name=region]").count() == 0

        # the treatment region proposes the finding at the suspected amount, then, as insured region, confirms it
        page = d.open("/flags?status=raised")
        row = page.locator(f"#flags tr[data-flag='{flag['flag_id']}']")
        row.locator("form[action$='/propose'] input[name=reason]").fill("费用转移，经核实")
        row.locator("form[action$='/propose'] button").click()
        page.wait_for_load_state("networkidle")
        assert "提出扣款完成" in page.locator(".flash.ok").inner_text()
        after = api(stack, "audit", f"/v1/flags/{flag['flag_id']}", headers).json()
        assert after["status"] == "proposed" and after["proposed_amount"] == flag["suspected_amount"]
        assert after["trail"][-1]["user_id"] == f"dev-bureau-{region}"  # who acted: the signed-in user

        page = d.open("/flags?status=proposed")
        row = page.locator(f"#flags tr[data-flag='{flag['flag_id']}']")
        deduction = (Decimal(flag["suspected_amount"]) / 2).quantize(Decimal("0.01"))
        row.locator("form[action$='/confirm'] input[name=amount]").fill(str(deduction))
        row.locator("form[action$='/confirm'] button").click()
        page.wait_for_load_state("networkidle")
        assert "确认扣款完成" in page.locator(".flash.ok").inner_text()
        confirmed = api(stack, "audit", f"/v1/flags/{flag['flag_id']}", headers).json()
        assert (confirmed["status"], confirmed["confirmed_amount"]) == ("confirmed", str(deduction))
        check_flags(d, stack, headers)

        # a step the flag's status no longer allows: audit's 409 is shown, nothing changes
        csrf = page.locator("form[action='/auth/logout'] input[name=csrf]").get_attribute("value")
        answer = page.request.post(f"{stack['dashboard'].url}/flags/{flag['flag_id']}/withdraw",
                                   form={"csrf": csrf, "reason": "再撤销"})
        assert answer.ok and "未接受此操作（409）" in answer.text()
    finally:
        d.close()


def test_a_hospital_sees_its_own_claims_and_flags_and_not_the_budgets(stack, scope, browser):
    hospital = scope["hospital"]
    headers = tokens.headers(Role.HOSPITAL, hospital=hospital)
    d = Dashboard(browser, stack["dashboard"].url, f"dev-hospital-{hospital}", "hospital")
    try:
        page = d.open("/budget", "budget")
        assert "403" in d.problems() and page.locator("#pools tbody tr[data-pool]").count() == 0
        check_claims(d, stack, headers)
        shown = {a.get_attribute("title") for a in d.page.locator("#claims tbody a").all()}
        own = {c["claim_id"] for c in api(stack, "grouper", "/v1/settlement-lists", headers, limit=1000).json()["items"]}
        assert shown <= own
        check_claim(d, stack, headers, scope["claim_id"])
        check_flags(d, stack, headers)
        assert d.page.locator("#flags form").count() == 0  # a hospital reviews nothing
        check_statements(d, stack, headers, scope["region"])
        check_objections(d, stack, headers)
        check_indicators(d, stack, headers, hospital=hospital)
        check_coverage(d, stack, headers, [scope["region"]])  # the reports service answers a hospital 403
    finally:
        d.close()


def test_the_province_sees_every_region(stack, scope, browser):
    headers = tokens.headers(Role.PROVINCE)
    d = Dashboard(browser, stack["dashboard"].url, "dev-province", "province")
    try:
        check_budget(d, stack, headers, scope["region"])
        assert d.page.locator("select[name=region] option").count() == 11
        check_claims(d, stack, headers)
        check_claim(d, stack, headers, scope["claim_id"])
        check_flags(d, stack, headers)
        check_statements(d, stack, headers, scope["region"])
        check_objections(d, stack, headers)
        check_indicators(d, stack, headers, region=scope["region"])
        regions = sorted({ry.region for ry in load_config(REPO_ROOT / "demo" / "config").region_years.values()})
        check_coverage(d, stack, headers, [*regions, "all"])  # every region and the province
        # signing out ends the session: the pages ask to sign in again
        d.page.locator("form[action='/auth/logout'] button").click()
        d.page.wait_for_load_state("networkidle")
        assert "已退出登录" in d.page.content()
        d.page.goto(f"{stack['dashboard'].url}/flags")
        assert "/authorize" in d.page.url
    finally:
        d.close()


def test_pages_need_a_session_and_forms_their_csrf_token(stack, scope, browser):
    url = stack["dashboard"].url
    for path in ("/", "/budget", "/claims", "/flags", "/statements", "/objections", "/indicators", "/coverage",
                 "/feedback"):
        answer = httpx.get(f"{url}{path}", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/auth/login?next="), path
    d = Dashboard(browser, url, f"dev-bureau-{scope['region']}", "csrf")
    try:
        cookies = {c["name"]: c for c in d.context.cookies()}
        session = cookies["yidi_session"]
        assert session["httpOnly"] and session["sameSite"] == "Lax"
        assert not re.search(r"eyJ", session["value"])  # the cookie holds no token
        refused = d.page.request.post(f"{url}/flags/{scope['flag']['flag_id']}/dispute", form={"reason": "x"})
        assert refused.status == 403
        forged = d.page.request.post(f"{url}/flags/{scope['flag']['flag_id']}/dispute",
                                     form={"reason": "x", "csrf": "forged"})
        assert forged.status == 403
    finally:
        d.close()


def test_a_hospital_objects_to_a_flag_and_its_bureau_decides_through_the_pages(stack, scope, browser):
    province = tokens.headers(Role.PROVINCE)
    raised = api(stack, "audit", "/v1/flags", province, status="raised", limit=1000).json()["items"]
    flag = next(f for f in raised if f["flag_id"] != scope["flag"]["flag_id"])
    hospital, region = flag["hospital_code"], flag["treat_admdvs"]
    d = Dashboard(browser, stack["dashboard"].url, f"dev-hospital-{hospital}", "hospital")
    try:
        page = d.open("/objections")
        form = page.locator("#new-objection")
        form.locator("select[name=kind]").select_option("flag")
        form.locator("input[name=target]").fill(flag["flag_id"])
        form.locator("textarea[name=reason]").fill("该病例符合入院指征，附病程记录")
        form.locator("button").click()
        page.wait_for_load_state("networkidle")
        assert "异议已提交" in page.locator(".flash.ok").inner_text(), d.problems()
        filed, = [o for o in api(stack, "reports", "/v1/objections", tokens.headers(Role.HOSPITAL, hospital=hospital))
                  .json()["items"] if o["target"]["id"] == flag["flag_id"]]
        assert filed["status"] == "open" and filed["hospital"] == hospital
        assert d.cell(f"#objections tr[data-objection='{filed['id']}']", "status") == "待处理"
    finally:
        d.close()
    d = Dashboard(browser, stack["dashboard"].url, f"dev-bureau-{region}", "bureau")
    try:
        page = d.open("/objections")
        row = page.locator(f"#objections tr[data-objection='{filed['id']}']")
        row.locator("input[name=reasons]").fill("核实病程记录，异议成立")
        row.get_by_role("button", name="接受").click()
        page.wait_for_load_state("networkidle")
        assert "已接受" in page.locator(".flash.ok").inner_text(), d.problems()
        decided = api(stack, "reports", "/v1/objections", tokens.headers(Role.BUREAU, region=region)).json()["items"]
        decided, = [o for o in decided if o["id"] == filed["id"]]
        assert (decided["status"], decided["decision_reasons"]) == ("accepted", "核实病程记录，异议成立")
        assert d.cell(f"#objections tr[data-objection='{filed['id']}']", "status") == "已接受"
        d.shot("objection-decided")
    finally:
        d.close()


def test_a_hospital_gives_feedback_and_its_bureau_answers_through_the_pages(stack, scope, browser):
    """Seed 004 二(四): a round collecting today (REPORTS_FEEDBACK_OPENS), an item referring to the hospital's
    flag, the answer of the bureau of its region; the rounds, the item and its trail as the API says."""
    hospital, region, flag_id = scope["hospital"], scope["region"], scope["flag"]["flag_id"]
    own = tokens.headers(Role.HOSPITAL, hospital=hospital)
    d = Dashboard(browser, stack["dashboard"].url, f"dev-hospital-{hospital}", "hospital")
    try:
        page = d.open("/feedback")
        rounds = api(stack, "reports", "/v1/feedback/rounds", own, year=CHINA_TODAY.year).json()["rounds"]
        assert [d.cell(f"#rounds tr[data-round='{r['id']}']", "state") for r in rounds] == \
            [{"upcoming": "未开始", "collecting": "收集中", "answering": "答复中", "closed": "已结束"}[r["state"]]
             for r in rounds]
        assert "collecting" in [r["state"] for r in rounds]
        form = page.locator("#new-feedback")
        form.locator("select[name=topic]").select_option("technical")
        form.locator("textarea[name=text]").fill("建议细化 ADRG 分组，区分手术方式")
        form.locator("select[name=reference_kind]").select_option("flag")
        form.locator("input[name=reference_id]").fill(flag_id)
        form.locator("button").click()
        page.wait_for_load_state("networkidle")
        assert "意见已提交" in page.locator(".flash.ok").inner_text(), d.problems()
        item, = api(stack, "reports", "/v1/feedback", own).json()["items"]
        assert (item["topic"], item["text"], item["reference"], item["status"]) == \
            ("technical", "建议细化 ADRG 分组，区分手术方式", {"kind": "flag", "id": flag_id}, "open")
        row = f"#feedback tr[data-feedback='{item['id']}']"
        assert (d.cell(row, "status"), d.cell(row, "answer_due")) == ("待答复", item["answer_due"])
    finally:
        d.close()
    # scope: another region's bureau may not answer it, another hospital does not see it
    other = next(r for r in sorted({ry.region for ry in load_config(REPO_ROOT / "demo" / "config").region_years.values()})
                 if r != region)
    refused = httpx.post(f"{stack['reports'].url}/v1/feedback/{item['id']}/answer", json={"answer": "越权答复"},
                         headers=tokens.headers(Role.BUREAU, region=other), timeout=30)
    assert refused.status_code == 403 and refused.json()["problems"][0]["rule"] == "not-your-region"
    stranger = next(h for h in load_config(REPO_ROOT / "demo" / "config").hospitals if h != hospital)
    assert api(stack, "reports", "/v1/feedback", tokens.headers(Role.HOSPITAL, hospital=stranger)).json()["items"] == []
    d = Dashboard(browser, stack["dashboard"].url, f"dev-bureau-{region}", "bureau")
    try:
        page = d.open("/feedback")
        row = page.locator(f"#feedback tr[data-feedback='{item['id']}']")
        row.locator("input[name=answer]").fill("已收集，12月中旬汇总上报")
        row.get_by_role("button", name="答复").click()
        page.wait_for_load_state("networkidle")
        assert "已答复" in page.locator(".flash.ok").inner_text(), d.problems()
        answered, = api(stack, "reports", "/v1/feedback", tokens.headers(Role.BUREAU, region=region)).json()["items"]
        assert (answered["status"], answered["answer"]) == ("answered", "已收集，12月中旬汇总上报")
        assert [(s["action"], s["subject"]) for s in answered["trail"]] == \
            [("submitted", f"dev-hospital-{hospital}"), ("answered", f"dev-bureau-{region}")]
        assert d.cell(f"#feedback tr[data-feedback='{item['id']}']", "status") == "已答复"
        d.shot("feedback")
    finally:
        d.close()


def test_each_page_ran_on_a_refreshed_token_and_no_session_ended(stack):
    """The pages of the tests above all ran after a refresh (see `stack`); none found its session ended."""
    log = stack["dashboard"].log_path.read_text(errors="replace")
    assert log.count('"session token refreshed"') >= 10
    assert "session ended" not in log
