"""From a claim to a confirmed finding to a changed statement, on real Kafka and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import httpx

from yidi_common.auth import Role
from yidi_demo import tokens

from yidi_common.events import new_event
from yidi_common.events.registry import AUDIT_FLAG_CONFIRMED, PAYMENT_PRICED, topic_for
from yidi_common.events.v1 import AuditFlagConfirmed

from .factories import priced_event
from .harness import produce, wait_until

# who acts comes from the token: 赣州's auditor (treatment region), 南昌's reviewer (insured region)
def treatment() -> dict:
    return tokens.headers(Role.BUREAU, region="360700", user="gz-auditor-01")


def insured() -> dict:
    return tokens.headers(Role.BUREAU, region="360100", user="nc-reviewer-07")


async def test_a_confirmed_split_admission_reduces_the_next_statement_by_its_amount(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    audit, clearing = start_service("audit"), start_service("clearing")
    utc = timezone.utc
    first = priced_event(1, psn_no="P-SPLIT", adm=datetime(2026, 10, 1, 8, tzinfo=utc), dscg=datetime(2026, 10, 6, 9, tzinfo=utc))
    # back in the same hospital with the same principal diagnosis 4 days after discharge: 分解住院
    again = priced_event(2, psn_no="P-SPLIT", adm=datetime(2026, 10, 10, 8, tzinfo=utc), dscg=datetime(2026, 10, 14, 9, tzinfo=utc))
    clean = priced_event(3, psn_no="P-CLEAN")
    # the readmission first: claims of one person may arrive in any order
    await produce(kafka, topic_for(PAYMENT_PRICED), [(e.subject.encode(), e.to_bytes()) for e in (again, first, clean)])

    async def split_flags():
        items = httpx.get(f"{audit.url}/v1/flags", params={"rule_id": "AUD-SPLIT-ADMISSION"}, timeout=5).json()["items"]
        return items or None

    (flag,) = await wait_until(split_flags, what="the split-admission flag")
    assert flag["claim_id"] == again.subject and flag["status"] == "raised"
    assert Decimal(flag["suspected_amount"]) == Decimal("5200.00")  # the readmission's FundDue
    everything = httpx.get(f"{audit.url}/v1/flags", timeout=5).json()["items"]
    assert all(f["claim_id"] != clean.subject for f in everything)  # the clean claim raises nothing

    url = f"{audit.url}/v1/flags/{flag['flag_id']}"
    wrong = httpx.post(f"{url}/propose", json={"reason": "not ours to propose"}, headers=insured(), timeout=5)
    assert wrong.status_code == 403
    proposed = httpx.post(f"{url}/propose", json={"reason": "readmitted after 4 days", "amount": "3000.00"},
                          headers=treatment(), timeout=5)
    assert proposed.status_code == 200 and proposed.json()["status"] == "proposed"
    confirmed = httpx.post(f"{url}/confirm", json={"reason": "agreed", "amount": "2500.00"}, headers=insured(), timeout=5)
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert body["status"] == "confirmed" and body["confirmed_amount"] == "2500.00"
    assert [(t["action"], t["user_id"]) for t in body["trail"]] == [("propose", "gz-auditor-01"), ("confirm", "nc-reviewer-07")]
    again_confirm = httpx.post(f"{url}/confirm", json={"reason": "twice"}, headers=insured(), timeout=5)
    assert again_confirm.status_code == 409

    async def clearing_has_everything():
        # audit's outbox published (the confirmation is in Kafka), then clearing's consumer caught up with it;
        # a monthly run made sooner is final without the deduction (it would fall to the next run)
        if httpx.get(f"{audit.url}/v1/ops/progress", timeout=5).json()["outbox_pending"]:
            return False
        caught_up = httpx.get(f"{clearing.url}/v1/ops/progress", timeout=5).json()["consumer_lag"] == 0
        return caught_up and httpx.get(f"{clearing.url}/v1/ledger/trial-balance", timeout=5).json()["entries"] >= 3

    await wait_until(clearing_has_everything, what="clearing to have the claims and the confirmation")
    october = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/2026-10", timeout=30).json()
    (oct_line,) = october["lines"]
    # three claims × FundDue 5200; the deduction is confirmed today, so it belongs to today's month's run
    assert Decimal(oct_line["fund_due"]) == Decimal("15600.00") and Decimal(oct_line["deductions"]) == 0
    month = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/{_this_month()}", timeout=30).json()
    (line,) = month["lines"]
    # October's claims were settled by October's run: this month takes the deduction alone
    assert (Decimal(line["fund_due"]), Decimal(line["deductions"])) == (Decimal("0.00"), Decimal("2500.00"))
    cross = httpx.post(f"{clearing.url}/v1/clearing/cross-region/{_this_month()}", timeout=30).json()
    (remit,) = cross["remittances"]
    assert Decimal(remit["deductions"]) == Decimal("2500.00")
    assert Decimal(remit["net"]) == Decimal(remit["fund_payments"]) - Decimal("2500.00")


async def test_a_deduction_falls_in_the_period_audit_gave_it_not_the_utc_month(stack_env, start_service):
    kafka = stack_env["KAFKA_BOOTSTRAP_SERVERS"]
    clearing = start_service("clearing")
    # confirmed at 01:00 on 1 August in China, still 31 July in UTC (and in this database's time zone)
    confirmed = AuditFlagConfirmed(
        flag_id="F-BOUNDARY", rule_id="AUD-SPLIT-ADMISSION", claim_id="C-BOUNDARY", version=1, setl_id="S-BOUNDARY",
        hospital_code="H36070000002", treat_admdvs="360700", insu_admdvs="360100", amount=Decimal("777.00"),
        confirmed_at=datetime(2026, 7, 31, 17, tzinfo=timezone.utc), period="2026-08")
    event = new_event(type=AUDIT_FLAG_CONFIRMED, source="/tests", subject="C-BOUNDARY", payload=confirmed,
                      correlationid="C-BOUNDARY")
    await produce(kafka, topic_for(AUDIT_FLAG_CONFIRMED), [(b"C-BOUNDARY", event.to_bytes())])

    async def caught_up():
        return httpx.get(f"{clearing.url}/v1/ops/progress", timeout=5).json()["consumer_lag"] == 0

    await wait_until(caught_up, what="clearing to take the confirmation")
    july = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/2026-07", timeout=30).json()
    assert july["lines"] == [] and july["deductions_applied"] == []
    august = httpx.post(f"{clearing.url}/v1/clearing/monthly/360700/2026-08", timeout=30).json()
    (line,) = august["lines"]
    assert (line["hospital"], Decimal(line["deductions"])) == ("H36070000002", Decimal("777.00"))
    assert august["deductions_applied"] == ["F-BOUNDARY"]


def _this_month() -> str:
    """The month a confirmation made now belongs to: audit counts periods in China time."""
    return datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m")
