"""A small settlement year through clearing on real Kafka and PostgreSQL, to a clean close check.

Worked by hand. Hospital H36070000002 in 360700 (pool 360700-2026-DRG-310-all, q 5 %, s 0.5, c 0.10 in
demo/config). Every claim: T 9000.00, F 6000.00, other funds 500.00, paid per item (FundDue final =
provisional); FundDue 5200.00 unless corrected. Claims 1, 2, 4 insured in 360100 (cross-region), 3 local.
"""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal as D

import httpx

from yidi_common.events import new_event
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED, PAYMENT_PRICED, topic_for
from yidi_common.events.v1 import AuditFlagConfirmed

from .factories import priced_event
from .harness import produce, wait_until

HOSPITAL = "H36070000002"


def _claim(n: int, *, version: int = 1, fund_due: str = "5200.00", insured: str = "360100"):
    return priced_event(n, version=version, fund_due=fund_due, insured=insured, period="2026-01", origin="all")


def _deduction(flag: str, n: int, insured: str, amount: str):
    payload = AuditFlagConfirmed(
        flag_id=flag, rule_id="AUD-SELF-PAY", claim_id=f"claim-{n:05d}", version=1, setl_id=f"S{n:05d}",
        hospital_code=HOSPITAL, treat_admdvs="360700", insu_admdvs=insured, amount=D(amount),
        confirmed_at=datetime(2026, 2, 10, 3, tzinfo=timezone.utc), period="2026-02")
    return new_event(type=AUDIT_FLAG_CONFIRMED, source="/tests", subject=payload.claim_id, payload=payload,
                     correlationid=payload.claim_id)


async def test_a_small_year_closes_to_the_fen(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    clearing = start_service("clearing")
    url = f"{clearing.url}/v1/clearing"

    async def send(topic: str, events) -> None:
        await produce(kafka, topic_for(topic), [(e.subject.encode(), e.to_bytes()) for e in events])

        async def caught_up():
            return httpx.get(f"{clearing.url}/v1/ops/progress", timeout=5).json()["consumer_lag"] == 0

        await wait_until(caught_up, what=f"clearing to take {topic}")

    def post(path: str, **kwargs) -> dict:
        answer = httpx.post(f"{url}/{path}", timeout=60, **kwargs)
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert post("prepayments/360700/2026", json={"amounts": {HOSPITAL: "10000.00"}})["total"] == "10000.00"
    await send(PAYMENT_PRICED, [_claim(1), _claim(2), _claim(3, insured="360700")])

    january = post("monthly/360700/2026-01")
    # 3 × FundDue 5200 = 15600.00; withheld 780.00; other funds 3 × 500 paid as charged: 15600 − 780 + 1500
    (line,) = january["lines"]
    assert (line["cases"], D(line["fund_due"]), D(line["withheld"]), D(line["paid"])) == (
        3, D("15600.00"), D("780.00"), D("16320.00"))
    # claims 1 and 2: 6500.00 of fund payments each, remitted by 360100 through the province
    assert D(str(post("cross-region/2026-01")["total"])) == D("13000.00")

    # after January's run: a late January list (claim 4) and claim 1 corrected to FundDue 4800.00
    await send(PAYMENT_PRICED, [_claim(4), _claim(1, version=2, fund_due="4800.00")])
    supplementary = post("monthly/360700/2026-01")
    # claim 4: +5200, claim 1: −400 -> 4800.00; withheld 240.00; paid 4800 − 240 + 500 = 5060.00
    assert (supplementary["ran"], supplementary["run"], supplementary["supplementary"]) == (True, 1, True)
    (line,) = supplementary["lines"]
    assert (line["cases"], line["corrections"], D(line["fund_due"]), D(line["withheld"]), D(line["paid"])) == (
        2, 1, D("4800.00"), D("240.00"), D("5060.00"))
    nothing_new = post("monthly/360700/2026-01")
    assert (nothing_new["ran"], nothing_new["run"]) == (False, 1)
    assert D(str(post("cross-region/2026-01")["total"])) == D("6500.00")  # claim 4; claim 1's payments unchanged

    # deductions confirmed in February: 1000.00 on cross-region claim 2, 300.00 on local claim 3
    await send(AUDIT_FLAG_CONFIRMED, [_deduction("F-X", 2, "360100", "1000.00"), _deduction("F-L", 3, "360700", "300.00")])
    february = post("monthly/360700/2026-02")
    (line,) = february["lines"]
    assert (D(line["deductions"]), D(line["withheld"]), D(line["paid"])) == (D("1300.00"), D("0.00"), D("-1300.00"))
    feb_cross = post("cross-region/2026-02")
    # only the cross-region deduction lowers 360100's remittance; the local one stays in 360700's settlement
    assert [(r["region"], D(r["deductions"]), D(r["net"])) for r in feb_cross["remittances"]] == [
        ("360100", D("1000.00"), D("-1000.00"))]
    assert feb_cross["deductions_applied"] == ["F-X"]

    refused = httpx.post(f"{url}/annual/360700/2026", timeout=60)
    assert refused.status_code == 409 and refused.json()["detail"]["hospitals"] == [HOSPITAL]
    scores = "hospital_code,score\n" + HOSPITAL + ",85\n"
    recorded = post("assessments/360700/2026", content=scores, headers={"content-type": "text/csv"})
    assert recorded["results"] == [{"hospital": HOSPITAL, "score": "85", "release_share": "0.8"}]

    annual = post("annual/360700/2026")
    (h,) = annual["hospitals"]
    # FundDue final 5200 × 3 + 4800 = 20400.00; per item 2000.00; overrun: Σ T 36000 − Σ Payment 32400 = 3600,
    # s × min(3600, c × 32400 = 3240) = 1620.00; guarantee 780 + 240 = 1020.00, 80 % released = 816.00
    # paid monthly 16320 + 5060 − 1300 = 20080.00; balance 20400 + 2000 + 1620 + 816 − 1300 − 10000 − 20080 − 1020
    assert {k: D(str(h[k])) for k in ("fund_due_final", "per_item", "overrun_paid", "released", "forfeited",
                                       "paid_monthly", "balance", "paid_over_year")} == {
        "fund_due_final": D("20400.00"), "per_item": D("2000.00"), "overrun_paid": D("1620.00"),
        "released": D("816.00"), "forfeited": D("204.00"), "paid_monthly": D("20080.00"),
        "balance": D("-7564.00"), "paid_over_year": D("22516.00")}
    assert httpx.post(f"{url}/monthly/360700/2026-03", timeout=60).status_code == 409  # the year is cleared

    # after the annual run: claim 2 corrected to FundDue 5000.00 -> an annual adjustment of −200.00
    await send(PAYMENT_PRICED, [priced_event(2, version=2, fund_due="5000.00", period="2026-01", origin="all")])
    adjustment = post("annual/360700/2026")
    assert (adjustment["kind"], adjustment["run"]) == ("annual-adjustment", 1)
    assert [(l["hospital"], D(l["fund_due_final"]), D(l["balance"])) for l in adjustment["lines"]] == [
        (HOSPITAL, D("-200.00"), D("-200.00"))]
    post("cross-region/2026-12")  # claim 2's version 2 for the cross-region stage (payments unchanged)

    check = httpx.get(f"{clearing.url}/v1/ledger/close-check/360700/2026", timeout=60).json()
    assert check["closes"], [i for i in check["invariants"] if not i["holds"]]
    figures = {i["name"]: i["figure"] for i in check["invariants"]}
    assert figures["hospital payments = final FundDue + per item − deductions + overrun − forfeited"] == "22316.00"

    # the year statement reconciles line by line, and its total is what the hospital was owed
    rows = list(csv.DictReader(io.StringIO(
        httpx.get(f"{url}/year/360700/2026", params={"format": "csv"}, timeout=60).text)))
    for row in rows:
        v = {k: D(row[k]) for k in ("fund_due", "per_item", "overrun", "released", "deductions", "withheld",
                                    "prepayment", "paid")}
        assert v["paid"] == (v["fund_due"] + v["per_item"] + v["overrun"] + v["released"] - v["deductions"]
                             - v["withheld"] + v["prepayment"]), row
    assert [r["run"] for r in rows] == ["prepayment", "monthly 2026-01", "monthly 2026-01 #1", "monthly 2026-02",
                                        "annual", "annual adjustment #1", "total"]
    total = rows[-1]
    # 20200 + 2000 + 1620 − 1300 − 204 (forfeited = withheld 1020 − released 816)
    assert (D(total["fund_due"]), D(total["paid"])) == (D("20200.00"), D("22316.00"))
