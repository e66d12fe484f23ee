"""Each page's figures, from the services' APIs called with the signed-in user's token. A service that is
down or refuses (403) leaves its part of the page empty with a message; the rest of the page is shown."""
from __future__ import annotations

import asyncio

from ..adapters.backends import Answer, Backends
from ..adapters.sessions import Session
from ..domain.views import coverage_chart, flag_actions, highest_alerts

PAGE_SIZE = 50


def _problems(*answers: Answer) -> list[str]:
    return list(dict.fromkeys(a.message for a in answers if not a.ok))


async def budget(backends: Backends, session: Session, region: str, year: int) -> dict:
    """预算执行: each pool's budget, consumption, execution and the highest alert level it reached; the
    region's cross-region budget as insured region."""
    token = session.access_token
    pools, insured, alerts = await asyncio.gather(
        backends.get("budget", f"/v1/pools/{region}/{year}", token),
        backends.get("budget", f"/v1/insured-budgets/{region}/{year}", token),
        backends.get("budget", "/v1/alerts", token, region=region))
    levels = highest_alerts(alerts.data["alerts"]) if alerts.ok else {}
    rows = [{**pool, "level": levels.get(pool["pool"])} for pool in (pools.data["pools"] if pools.ok else [])]
    insured_row = {**insured.data, "level": levels.get(f"{region}-{year}")} if insured.ok else None
    chart = {"pools": [r["pool"] for r in rows], "budget": [r["budget"] for r in rows],
             "consumed": [r["fund_due"] for r in rows], "execution": [r["execution"] for r in rows]}
    return {"pools": rows, "insured": insured_row, "chart": chart if rows else None,
            "alerts": alerts.data["alerts"] if alerts.ok else [], "problems": _problems(pools, insured, alerts)}


async def claims(backends: Backends, session: Session, stage: str | None, offset: int) -> dict:
    """结算清单: the claims in the caller's scope by stage, and the stage counts of the whole scope."""
    listing = await backends.get("grouper", "/v1/settlement-lists", session.access_token, stage=stage,
                                 limit=PAGE_SIZE, offset=offset)
    data = listing.data if listing.ok else {"items": [], "stage_counts": {}}
    return {"items": data["items"], "stage_counts": data["stage_counts"], "problems": _problems(listing),
            "page_size": PAGE_SIZE}


async def claim(backends: Backends, session: Session, claim_id: str) -> dict:
    """One claim with its full explanation: where it is and each stage's result (grouping, payment), its
    flags and its ledger entries."""
    token = session.access_token
    view, journal = await asyncio.gather(backends.get("grouper", f"/v1/settlement-lists/{claim_id}", token),
                                         backends.get("clearing", f"/v1/ledger/claims/{claim_id}", token))
    flags = Answer("audit", 200, data={"items": []})
    if view.ok:
        flags = await backends.get("audit", "/v1/flags", token, hospital_code=view.data["hospital_code"], limit=1000)
    claim_flags = [f for f in flags.data["items"] if f["claim_id"] == claim_id] if flags.ok else []
    entries = journal.data["entries"] if journal.ok else []
    if journal.status == 404 and view.ok:
        journal = Answer("clearing", 200)  # no entries yet: nothing to say
    return {"claim": view.data if view.ok else None, "flags": claim_flags, "entries": entries,
            "problems": _problems(view, journal, flags)}


async def flags(backends: Backends, session: Session, status: str | None, offset: int) -> dict:
    """审核疑点: the flags in the caller's scope, with the review steps the caller may take on each."""
    listing = await backends.get("audit", "/v1/flags", session.access_token, status=status, limit=PAGE_SIZE,
                                 offset=offset)
    items = listing.data["items"] if listing.ok else []
    return {"items": [{**f, "actions": flag_actions(session.principal, f)} for f in items],
            "summary": listing.data.get("summary") if listing.ok else None, "problems": _problems(listing),
            "page_size": PAGE_SIZE}


async def act_on_flag(backends: Backends, session: Session, flag_id: str, action: str, form: dict) -> Answer:
    body: dict = {"reason": form.get("reason", "")}
    if form.get("amount"):
        body["amount"] = form["amount"]
    if action == "resolve":
        body["upheld"] = form.get("upheld") == "true"
    return await backends.post("audit", f"/v1/flags/{flag_id}/{action}", session.access_token, body)


async def statements(backends: Backends, session: Session, region: str, month: str) -> dict:
    """结算单与报告: the region's monthly statement of the month, and the reports the caller may read."""
    token = session.access_token
    monthly, reports = await asyncio.gather(backends.get("clearing", f"/v1/clearing/monthly/{region}/{month}", token),
                                            backends.get("reports", "/v1/reports", token))
    return {"monthly": monthly.data if monthly.ok else None,
            "reports": reports.data["items"] if reports.ok else [], "problems": _problems(monthly, reports)}


async def objections(backends: Backends, session: Session) -> dict:
    """异议申诉: the objections in the caller's scope."""
    listing = await backends.get("reports", "/v1/objections", session.access_token)
    return {"items": listing.data["items"] if listing.ok else [], "problems": _problems(listing)}


async def file_objection(backends: Backends, session: Session, form: dict) -> Answer:
    target = {"kind": form.get("kind"), "id": form.get("target")}
    if form.get("item"):
        target["item"] = form["item"]
    return await backends.post("reports", "/v1/objections", session.access_token,
                               {"target": target, "reason": form.get("reason", "")})


async def decide_objection(backends: Backends, session: Session, objection_id: str, form: dict) -> Answer:
    return await backends.post("reports", f"/v1/objections/{objection_id}/decision", session.access_token,
                               {"decision": form.get("decision"), "reasons": form.get("reasons", "")})


METRICS = ("cmi", "time_index", "cost_index")


async def indicators(backends: Backends, session: Session, region: str | None, hospital: str | None,
                     start: str, end: str, year: str) -> dict:
    """CMI 与消耗指数: the monthly points of CMI and the time and cost consumption indices (local and
    cross-region), and the year's indicators per hospital."""
    token = session.access_token
    *series, table = await asyncio.gather(
        *[backends.get("reports", "/v1/indicators/series", token, region=region, hospital=hospital, metric=metric,
                       **{"from": start, "to": end}) for metric in METRICS],
        backends.get("reports", "/v1/indicators", token, level="hospital", period=year, region=region,
                     hospital=hospital))
    return {"series": {m: a.data["points"] for m, a in zip(METRICS, series) if a.ok},
            "points": points_by_month(METRICS, [a.data["points"] if a.ok else [] for a in series]),
            "rows": table.data["items"] if table.ok else [], "problems": _problems(*series, table)}


def points_by_month(metrics: tuple[str, ...], series: list[list[dict]]) -> list[dict]:
    """One row per month and origin with each metric's value and the cases."""
    rows: dict[tuple[str, str], dict] = {}
    for metric, points in zip(metrics, series):
        for p in points:
            row = rows.setdefault((p["period"], p["origin"]), {"period": p["period"], "origin": p["origin"],
                                                               "cases": p.get("cases")})
            row[metric] = p["value"]
    return [rows[k] for k in sorted(rows)]


async def coverage(backends: Backends, session: Session, regions: dict[str, str], year: int) -> dict:
    """覆盖率 (seed 000 五(二)): each region's coverage of the year, and the province's; a bureau its own region."""
    token = session.access_token
    wanted = {session.principal.region: regions.get(session.principal.region, session.principal.region)} \
        if session.principal.region else {**regions, "all": "全省"}
    answers = await asyncio.gather(*[backends.get("reports", "/v1/indicators/coverage", token, year=year, region=code)
                                     for code in wanted])
    rows = [{**a.data, "label": wanted[a.data["region"]]} for a in answers if a.ok]
    return {"rows": rows, "chart": coverage_chart(rows) if rows else None, "problems": _problems(*answers)}


async def feedback(backends: Backends, session: Session, year: int) -> dict:
    """意见反馈 (seed 004 二(四)): the year's rounds, the items in the caller's scope and those overdue."""
    token = session.access_token
    rounds, listing = await asyncio.gather(backends.get("reports", "/v1/feedback/rounds", token, year=year),
                                           backends.get("reports", "/v1/feedback", token))
    items = listing.data["items"] if listing.ok else []
    return {"rounds": rounds.data["rounds"] if rounds.ok else [], "items": items,
            "overdue": [i for i in items if i["overdue"]], "problems": _problems(rounds, listing)}


async def submit_feedback(backends: Backends, session: Session, form: dict) -> Answer:
    body: dict = {"topic": form.get("topic"), "text": form.get("text", "")}
    if form.get("reference_id"):
        body["reference"] = {"kind": form.get("reference_kind"), "id": form["reference_id"]}
    return await backends.post("reports", "/v1/feedback", session.access_token, body)


async def answer_feedback(backends: Backends, session: Session, item_id: str, form: dict) -> Answer:
    return await backends.post("reports", f"/v1/feedback/{item_id}/answer", session.access_token,
                               {"answer": form.get("answer", "")})
