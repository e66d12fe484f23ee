"""Indicators, reports and objections on real Kafka and PostgreSQL, with audit beside reports.

One hospital of 赣州 (360700), H36070000002, settlement month 2026-10, group BR25 (RW 1.0), worked by hand:

| claim | origin | person | adm → dscg | LOS | total cost |
|---|---|---|---|---|---|
| claim-00001 | local (insured 360700) | P-LOCAL | 10-01 → 10-09 | 8 | 9000.00 |
| claim-00002 | cross (insured 360100) | P-SPLIT | 10-01 → 10-06 | 5 | 7000.00 |
| claim-00003 | cross (insured 360100) | P-SPLIT | 10-10 → 10-14 | 4 | 8000.00 (4 days after 00002: 分解住院, flagged) |
| claim-r1 | local | P-REJ | rejected by QC | | |

Benchmark BR25 (the region's 2026 cases): mean LOS (8+5+4)/3 = 17/3, mean cost (9000+7000+8000)/3 = 8000.
local: cases 1, persons 1, ratio 1.0000, avg 9000.00, 入组率 1/(1+1 rejected) = 0.5000, CMI 1.0000,
  time 8/(17/3) = 24/17 = 1.4118, cost 9000/8000 = 1.1250.
cross: cases 2, persons 1, ratio 2.0000, avg 7500.00, 入组率 1.0000, time (15/17 + 12/17)/2 = 0.7941,
  cost (7000/8000 + 1)/2 = 0.9375, readmission 1/2 = 0.5000, flags 1.
After the hospital's corrected claim-00001 (version 2, 9600.00): mean cost (9600+7000+8000)/3 = 8200,
local avg 9600.00 and cost 9600/8200 = 1.1707; cross cost (7000+8000)/8200/2 = 0.9146.
"""
from __future__ import annotations

import calendar
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import httpx
from openpyxl import load_workbook

from yidi_common.auth import Role
from yidi_common.events import deterministic_event_id, new_event
from yidi_common.events.registry import (
    ANNUAL_CLEARED,
    PAYMENT_PRICED,
    SETTLEMENT_LIST_REJECTED,
    SETTLEMENT_LIST_SUBMITTED,
    topic_for,
)
from yidi_common.events.v1 import AnnualCleared, PaymentPriced, PoolClearingResult, QcProblem, SettlementListRejected
from yidi_common.events.v2 import SettlementListSubmitted, without_personal_data
from yidi_common.settlement_list import EXAMPLE
from yidi_demo import tokens

from .factories import priced_event
from .harness import produce, wait_until

HOSPITAL, REGION = "H36070000002", "360700"
UTC = timezone.utc
CHINA = timezone(timedelta(hours=8))


def _add_month(day: date) -> date:
    """The same day a month later, or the month's last day (31 Jan -> 28 Feb)."""
    year, month = day.year + day.month // 12, day.month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def hospital() -> dict:
    return tokens.headers(Role.HOSPITAL, hospital=HOSPITAL, user="his-36070000002")


def bureau(region: str = REGION) -> dict:
    return tokens.headers(Role.BUREAU, region=region, user=f"reviewer-{region}")


def ops() -> dict:
    return tokens.headers(Role.OPS)


def claim(n: int, *, insured: str, person: str, adm: tuple, dscg: tuple, total: str, version: int = 1):
    event = priced_event(n, insured=insured, treatment=REGION, psn_no=person, total=total, version=version,
                         adm=datetime(2026, 10, *adm, tzinfo=UTC), dscg=datetime(2026, 10, *dscg, tzinfo=UTC),
                         origin="cross" if insured != REGION else "local")
    payload: PaymentPriced = event.payload()
    weighted = payload.model_copy(update={"pricing": payload.pricing.model_copy(update={"weight": Decimal("1.0")})})
    return new_event(type=PAYMENT_PRICED, source="/tests", subject=event.subject, payload=weighted,
                     correlationid=event.subject, event_id=event.id)


def rejected_list():
    body = {**EXAMPLE, "setlinfo": {**EXAMPLE["setlinfo"], "setl_id": "S-REJ", "fixmedins_code": HOSPITAL,
                                    "psn_no": "P-REJ", "insu_admdvs": REGION, "treat_admdvs": REGION}}
    submitted = new_event(type=SETTLEMENT_LIST_SUBMITTED, source="/tests", subject="claim-r1", correlationid="claim-r1",
                          schemaversion=2, event_id=deterministic_event_id("claim-r1", "1", "submitted"),
                          payload=SettlementListSubmitted(claim_id="claim-r1", version=1,
                                                          submitted_at=datetime(2026, 10, 6, tzinfo=UTC),
                                                          settlement_list=without_personal_data(body)))
    rejected = new_event(type=SETTLEMENT_LIST_REJECTED, source="/tests", subject="claim-r1", correlationid="claim-r1",
                         event_id=deterministic_event_id("claim-r1", "1", "rejected"),
                         payload=SettlementListRejected(claim_id="claim-r1", version=1, setl_id="S-REJ",
                                                        hospital_code=HOSPITAL, treat_admdvs=REGION, insu_admdvs=REGION,
                                                        problems=[QcProblem(field="diseinfo[0].diag_code",
                                                                            rule="QC-CODE-UNKNOWN", message="unknown")]))
    return [submitted, rejected]


def indicators(reports, headers: dict | None = None, **params) -> dict:
    answer = httpx.get(f"{reports.url}/v1/indicators", params={"period": "2026-10", "level": "hospital", **params},
                       headers=headers or tokens.headers(Role.PROVINCE), timeout=30)
    assert answer.status_code == 200, answer.text
    return {row["origin"]: row for row in answer.json()["items"]}


async def test_indicators_reports_and_objections_through_the_chain(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    audit, reports = start_service("audit"), start_service("reports", REPORTS_SCHEDULE_SECONDS="0")
    k1 = claim(1, insured=REGION, person="P-LOCAL", adm=(1, 8), dscg=(9, 8), total="9000.00")
    k2 = claim(2, insured="360100", person="P-SPLIT", adm=(1, 8), dscg=(6, 9), total="7000.00")
    k3 = claim(3, insured="360100", person="P-SPLIT", adm=(10, 8), dscg=(14, 9), total="8000.00")
    await produce(kafka, topic_for(PAYMENT_PRICED), [(e.subject.encode(), e.to_bytes()) for e in (k3, k1, k2)])
    submitted, rejected = rejected_list()
    await produce(kafka, topic_for(SETTLEMENT_LIST_REJECTED), [(b"claim-r1", rejected.to_bytes())])
    await produce(kafka, topic_for(SETTLEMENT_LIST_SUBMITTED), [(b"claim-r1", submitted.to_bytes())])

    async def settled():
        rows = indicators(reports)
        return rows if rows.get("cross", {}).get("flags") == 1 and rows.get("local", {}).get("grouping_rate") == "0.5000" else None

    rows = await wait_until(settled, timeout=90, what="the claims, the rejected list and the split-admission flag")
    local, cross = rows["local"], rows["cross"]
    assert (local["cases"], local["persons"], local["person_time_ratio"], local["avg_cost"]) == (1, 1, "1.0000", "9000.00")
    assert (local["grouping_rate"], local["cmi"], local["time_index"], local["cost_index"]) == ("0.5000", "1.0000", "1.4118", "1.1250")
    assert (cross["cases"], cross["persons"], cross["person_time_ratio"], cross["avg_cost"]) == (2, 1, "2.0000", "7500.00")
    assert (cross["grouping_rate"], cross["time_index"], cross["cost_index"]) == ("1.0000", "0.7941", "0.9375")
    assert (cross["readmission_15d"], cross["flags"], cross["deductions_amount"]) == ("0.5000", 1, "0.00")
    assert (local["hospital"], local["region"], local["period"], local["level"]) == (HOSPITAL, REGION, "2026-10", "hospital")

    # scope: another hospital sees nothing of it; 南昌's bureau sees its own people treated in 赣州, not 赣州's books
    other = httpx.get(f"{reports.url}/v1/indicators", params={"period": "2026-10"},
                      headers=tokens.headers(Role.HOSPITAL, hospital="H36010000001"), timeout=10)
    assert other.status_code == 200 and other.json()["items"] == []
    refused = httpx.get(f"{reports.url}/v1/indicators", params={"period": "2026-10", "region": REGION},
                        headers=bureau("360100"), timeout=10)
    assert refused.status_code == 403
    theirs = indicators(reports, region=REGION, insured_region="360100", headers=bureau("360100"))
    assert set(theirs) == {"cross"} and theirs["cross"]["cases"] == 2
    # an analyst sees these small cells (1 and 2 cases, fewer than 5) without their figures
    analysts = indicators(reports, headers=tokens.headers(Role.ANALYST))
    assert {o: (r["cases"], r["avg_cost"], r["cmi"], r["suppressed"]) for o, r in analysts.items()} == {
        "local": ("<5", None, None, True), "cross": ("<5", None, None, True)}
    csv_text = httpx.get(f"{reports.url}/v1/indicators", params={"period": "2026-Q4", "format": "csv"}, timeout=10).text
    assert csv_text.splitlines()[0].startswith("period,level,region,hospital,group,origin,cases")
    assert ",local,1,1,1.0000,9000.00,0.5000," in csv_text

    # object to the flag: 南昌 may not decide it, 赣州 accepts; audit withdraws it, the indicators stop counting it
    (flag,) = httpx.get(f"{audit.url}/v1/flags", params={"rule_id": "AUD-SPLIT-ADMISSION"}, timeout=10).json()["items"]
    body = {"target": {"kind": "flag", "id": flag["flag_id"]}, "reason": "两次住院诊断不同，非分解住院",
            "documents": ["doc://discharge-summary/claim-00003"]}
    filed = httpx.post(f"{reports.url}/v1/objections", json=body, headers=hospital(), timeout=10)
    assert filed.status_code == 201, filed.text
    objection = filed.json()
    assert objection["status"] == "open" and objection["target"]["item"] == "claim-00003"
    again = httpx.post(f"{reports.url}/v1/objections", json=body, headers=hospital(), timeout=10)
    assert again.status_code == 409 and again.json()["problems"][0]["rule"] == "objection-pending"
    decision = f"{reports.url}/v1/objections/{objection['id']}/decision"
    assert httpx.post(decision, json={"decision": "accepted"}, headers=bureau("360100"), timeout=10).status_code == 403
    accepted = httpx.post(decision, json={"decision": "accepted", "reasons": "病历支持"}, headers=bureau(), timeout=10)
    assert accepted.status_code == 200, accepted.text
    assert [(s["action"], s["role"], s["subject"]) for s in accepted.json()["trail"]] == [
        ("filed", "hospital", "his-36070000002"), ("accepted", "bureau", "reviewer-360700")]
    assert httpx.post(decision, json={"decision": "rejected", "reasons": "x"}, headers=bureau(), timeout=10).status_code == 409

    async def withdrawn():
        flagged = httpx.get(f"{audit.url}/v1/flags/{flag['flag_id']}", timeout=10).json()
        return flagged if flagged["status"] == "dismissed" and indicators(reports)["cross"]["flags"] == 0 else None

    flagged = await wait_until(withdrawn, what="audit to withdraw the flag and reports to stop counting it")
    assert flagged["trail"][-1]["action"] == "objection-accepted"

    # a statement objection outside its window: 2026-10's statement closed 15 days after the month ended
    late = httpx.post(f"{reports.url}/v1/objections", headers=hospital(), timeout=10,
                      json={"target": {"kind": "statement", "id": f"{REGION}/2026-10", "item": "claim-00001"},
                            "reason": "late"})
    assert late.status_code == 409 and late.json()["problems"][0]["rule"] == "objection-window-closed"

    # the monthly notice: HTML, PDF and XLSX with the figures
    made = httpx.post(f"{reports.url}/v1/reports", headers=bureau(), timeout=60,
                      json={"kind": "monthly-notice", "region": REGION, "hospital": HOSPITAL, "period": "2026-10"})
    assert made.status_code == 201, made.text
    notice = made.json()
    assert notice["due_date"] == "2026-11-30" and notice["config_version"] and notice["data_version"].startswith("events:")
    page = httpx.get(f"{reports.url}/v1/reports/{notice['id']}.html", headers=hospital(), timeout=10)
    assert page.status_code == 200 and "月告知" in page.text
    assert "<td>9000.00</td>" in page.text and "<td>1.1250</td>" in page.text and "<td>0.7941</td>" in page.text
    pdf = httpx.get(f"{reports.url}/v1/reports/{notice['id']}.pdf", headers=hospital(), timeout=10).content
    # the text itself is checked in services/reports/tests/test_rendering.py
    assert pdf.startswith(b"%PDF-") and b"/BaseFont /STSong-Light" in pdf and pdf.rstrip().endswith(b"%%EOF")
    book = load_workbook(io.BytesIO(httpx.get(f"{reports.url}/v1/reports/{notice['id']}.xlsx", headers=hospital(),
                                              timeout=10).content))
    figures = [row for row in book.worksheets[1].iter_rows(values_only=True)]
    assert figures[1][0] == "本地" and figures[1][4] == 9000 and figures[2][0] == "异地" and figures[2][4] == 7500
    assert book.worksheets[0]._charts, "the summary sheet carries the chart"
    assert httpx.get(f"{reports.url}/v1/reports/{notice['id']}.html",
                     headers=tokens.headers(Role.HOSPITAL, hospital="H36010000001"), timeout=10).status_code == 404

    # object to an item of the notice; accepted, the hospital's corrected list is the correction
    item = httpx.post(f"{reports.url}/v1/objections", headers=hospital(), timeout=10,
                      json={"target": {"kind": "notice", "id": notice["id"], "item": "claim-00001"},
                            "reason": "费用录入有误，已更正"})
    assert item.status_code == 201, item.text
    assert httpx.post(f"{reports.url}/v1/objections/{item.json()['id']}/decision", headers=bureau(), timeout=10,
                      json={"decision": "accepted", "reasons": "同意更正"}).status_code == 200
    corrected = claim(1, insured=REGION, person="P-LOCAL", adm=(1, 8), dscg=(9, 8), total="9600.00", version=2)
    await produce(kafka, topic_for(PAYMENT_PRICED), [(corrected.subject.encode(), corrected.to_bytes())])

    async def recomputed():
        rows = indicators(reports)
        return rows if rows["local"]["avg_cost"] == "9600.00" else None

    rows = await wait_until(recomputed, what="the corrected version to replace the first")
    assert (rows["local"]["cases"], rows["local"]["cost_index"], rows["cross"]["cost_index"]) == (1, "1.1707", "0.9146")
    listed = httpx.get(f"{reports.url}/v1/objections", headers=hospital(), timeout=10).json()["items"]
    assert {o["id"]: o["corrected_version"] for o in listed} == {objection["id"]: None, item.json()["id"]: 2}
    next_notice = httpx.post(f"{reports.url}/v1/reports", headers=bureau(), timeout=60,
                             json={"kind": "monthly-notice", "region": REGION, "hospital": HOSPITAL, "period": "2026-10"}).json()
    assert next_notice["revision"] == 2 and next_notice["input_hash"] != notice["input_hash"]
    page = httpx.get(f"{reports.url}/v1/reports/{next_notice['id']}.html", headers=hospital(), timeout=10).text
    assert "<td>9600.00</td>" in page and f"<td>{item.json()['id']}</td>" in page
    assert "<td>claim-00001</td><td>accepted</td><td>2</td>" in page

    # for charts: October's cost index, local and cross; seed 000 五(二) coverage of 360700's year
    series = httpx.get(f"{reports.url}/v1/indicators/series", headers=hospital(), timeout=10,
                       params={"metric": "cost_index", "from": "2026-09", "to": "2026-10"}).json()
    assert series["region"] == REGION and [(p["period"], p["origin"], p["value"]) for p in series["points"]] == [
        ("2026-09", "local", None), ("2026-09", "cross", None), ("2026-10", "local", "1.1707"), ("2026-10", "cross", "0.9146")]
    coverage = httpx.get(f"{reports.url}/v1/indicators/coverage", params={"year": 2026}, headers=bureau(), timeout=10).json()
    # every case normal (settled by group), one diagnosis category (I63), one hospital: all shares 1
    assert (coverage["region"], coverage["hospitals"], coverage["groups"], coverage["fund"]) == (REGION, "1.0000", "1.0000", "1.0000")
    assert coverage["met"] == {"pools": True, "hospitals": True, "groups": True, "fund": True}

    # the calendar: October's notice was due by 30 November and made later, so it is overdue
    assert httpx.post(f"{reports.url}/v1/ops/reports/schedule", headers=ops(), timeout=60).status_code == 200
    overdue = httpx.get(f"{reports.url}/v1/reports/overdue", headers=bureau(), timeout=10).json()["items"]
    assert any(r["kind"] == "monthly-notice" and r["period"] == "2026-10" and r["generations"] == 2 for r in overdue)

    # 赣州's year is cleared: the annual report is made on the day clearing is seen, due a month later; its
    # problem list follows on the next run, due a week after the report
    cleared = new_event(type=ANNUAL_CLEARED, source="/tests", subject=REGION, correlationid=REGION,
                        payload=AnnualCleared(region=REGION, year=2026, pools=[PoolClearingResult(
                            pool=f"{REGION}-2026-DRG-310-cross", final_rate=Decimal("10123.456789"),
                            distributable=Decimal("95000.00"), fund_due_final=Decimal("94999.99"),
                            residue=Decimal("0.01"), reserve=Decimal("5000.01"))]))
    await produce(kafka, topic_for(ANNUAL_CLEARED), [(REGION.encode(), cleared.to_bytes())])
    cleared_on = cleared.time.astimezone(CHINA).date()

    async def annual_made():
        made = httpx.post(f"{reports.url}/v1/ops/reports/schedule", headers=ops(), timeout=60).json()["generated"]
        return made if any(r.startswith("annual-report-") for r in made) else None

    (annual_id,) = await wait_until(annual_made, what="the annual report on schedule")
    made = httpx.post(f"{reports.url}/v1/ops/reports/schedule", headers=ops(), timeout=60).json()["generated"]
    assert made == [f"problem-list-{REGION}-2026-r1"]
    listed = {r["kind"]: r for r in httpx.get(f"{reports.url}/v1/reports", params={"region": REGION, "period": "2026"},
                                              headers=bureau(), timeout=10).json()["items"]}
    assert listed["annual-report"]["due_date"] == _add_month(cleared_on).isoformat()
    assert listed["problem-list"]["due_date"] == (cleared_on + timedelta(days=7)).isoformat()
    assert not listed["annual-report"]["overdue"] and listed["annual-report"]["trigger"] == "schedule"
    annual = httpx.get(f"{reports.url}/v1/reports/{annual_id}.html", headers=hospital(), timeout=10).text
    # the year's figures (October only): local 9600.00, cross 7500.00; BR25's cross total 7000 + 8000
    assert "年通报" in annual and "<td>10123.456789</td>" in annual
    assert "<td>9600.00</td>" in annual and "<td>7500.00</td>" in annual and "<td>15000.00</td>" in annual

    # a replay of every topic into a fresh schema gives the very same figures
    rebuilt = httpx.post(f"{reports.url}/v1/ops/indicators/rebuild", headers=ops(), timeout=120).json()
    assert rebuilt["identical"], rebuilt["differences"]
    assert rebuilt["events_replayed"] >= 9 and rebuilt["rows"] >= 12
