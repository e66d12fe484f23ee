"""The grouper's consumer handlers, run as the consumer runs them (make_handlers, one batch at a time)
on the in-memory repository: what they emit and what they record on the claim's timeline.

The lists go through the intake use case first, so each handler gets the settlement-list.submitted
envelope the intake really emits. Expected groups are from the published CHS-DRG 1.1 scheme: J18.900
(pneumonia) without complications is ES35, as in test_golden_chs11."""
from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from pydantic import ValidationError

from yidi_common.events import Envelope, new_event
from yidi_common.events.v1 import AuditFlagRaised, LedgerLine, LedgerPosted, PaymentPriced, PricingOutcome
from yidi_common.messaging import UnitOfWork
from yidi_common.settings import get_settings
from yidi_common.settlement_list import EXAMPLE, SettlementList
from yidi_grouper.adapters.grouping_engine import GroupingEngine
from yidi_grouper.consumers.handlers import make_handlers
from yidi_grouper.service_layer.grouping import qc_and_group
from yidi_grouper.service_layer.intake import submit

from .conftest import reference_path
from .fakes import FakeClaimsRepository, FakeIntake


@pytest.fixture(scope="module")
def grouping_engine():
    reference_path("chs-drg-1.1")
    return GroupingEngine.from_settings(get_settings())


@pytest.fixture
def repo():
    return FakeClaimsRepository()


@pytest.fixture
def handlers(grouping_engine, repo):
    return make_handlers(grouping_engine, repository=lambda conn: repo)


async def handle(handlers, *events: Envelope) -> list[Envelope]:
    """What one consumer batch of these events (all of one type) emits."""
    uow = UnitOfWork(conn=None)  # type: ignore[arg-type]
    await handlers[events[0].type](uow, list(events))
    return uow.emitted


async def submitted(repo, body: dict) -> Envelope:
    intake = FakeIntake(repo)
    await submit(intake, SettlementList.model_validate(body), correction_of=None)
    [event] = intake.emitted
    return event


def example(**setlinfo) -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(setlinfo)
    return body


async def test_a_clean_list_is_grouped_with_its_drg_and_claim_scope(handlers, repo):
    event = await submitted(repo, EXAMPLE)
    [grouped] = await handle(handlers, event)
    assert grouped.type == "settlement-list.grouped" and grouped.subject == event.subject
    grouping, claim = grouped.data["grouping"], grouped.data["claim"]
    assert (grouping["payment_method"], grouping["status"], grouping["adrg"], grouping["drg"]) == (
        "DRG", "grouped", "ES3", "ES35")
    assert (claim["claim_id"], claim["version"], claim["scope"]) == (event.subject, 1, "local")
    assert (claim["total_cost"], claim["basic_fund_payment"]) == ("100.00", "60.00")
    assert grouped.correlationid == event.correlationid
    assert [(s["stage"], s["event_id"], s["result"]["drg"]) for s in repo.timeline] == [("grouped", grouped.id, "ES35")]
    assert repo.current[event.subject]["stage"] == "grouped"


async def test_a_v1_event_from_before_is_grouped_as_its_v2_twin_and_no_outcome_names_the_person(handlers, repo):
    """v2 leaves certno and psn_name out; a v1 event (the list as posted) still on the topic groups alike."""
    body = example(certno="36010019850607123X", psn_name="张三丰")
    v2_event = await submitted(repo, body)
    v1_event = Envelope(**{**v2_event.model_dump(), "schemaversion": 1,
                           "data": {**v2_event.data, "settlement_list": SettlementList.model_validate(body).model_dump(
                               mode="json")}})
    assert v1_event.data["settlement_list"]["setlinfo"]["certno"] == "36010019850607123X"
    assert "certno" not in v2_event.data["settlement_list"]["setlinfo"]
    with pytest.raises(ValidationError, match="certno"):  # v2 refuses a list that names the person
        Envelope(**{**v1_event.model_dump(), "schemaversion": 2}).payload()
    [from_v2], [from_v1] = await handle(handlers, v2_event), await handle(handlers, v1_event)
    assert (from_v2.type, from_v2.id, from_v2.data) == (from_v1.type, from_v1.id, from_v1.data)
    faulty = await submitted(repo, example(setl_id="S2", act_ipt_days=9, certno="36010019850607123X",
                                           psn_name="张三丰"))
    [rejected] = await handle(handlers, faulty)
    for out in (from_v2, rejected):
        raw = out.to_bytes()
        assert b"36010019850607123X" not in raw and "张三丰".encode() not in raw and b"psn_name" not in raw
    assert from_v2.data["claim"]["psn_no"] == "P1" and rejected.type == "settlement-list.rejected"


# Treated in 南昌 (360100, Jiangxi: prefix 36); the flag agrees with the insured region's prefix.
@pytest.mark.parametrize("setlinfo, scope", [
    ({}, "local"),  # insured in 南昌 too
    ({"insu_admdvs": "360200"}, "cross-region"),  # insured in 景德镇, prefix 36
    ({"insu_admdvs": "440100", "cross_province": True}, "cross-province"),  # insured in 广州, prefix 44
    ({"insu_admdvs": "110100", "cross_province": True}, "cross-province"),  # insured in Beijing, prefix 11
])
async def test_the_claim_scope_follows_the_region_codes(handlers, repo, setlinfo, scope):
    [grouped] = await handle(handlers, await submitted(repo, example(**setlinfo)))
    assert grouped.type == "settlement-list.grouped" and grouped.data["claim"]["scope"] == scope
    assert grouped.data["claim"]["cross_province"] is (scope == "cross-province")


@pytest.mark.parametrize("setlinfo, message", [
    ({"insu_admdvs": "360200", "cross_province": True},
     "cross_province is true (insured in another province) but insu_admdvs 360200 is in province 360000, "
     "the treatment region's (treat_admdvs 360100)"),
    ({"insu_admdvs": "440100"},
     "cross_province is false (insured in this province) but insu_admdvs 440100 is in province 440000, "
     "not the treatment region's 360000 (treat_admdvs 360100)"),
])
async def test_a_cross_province_flag_contradicting_the_codes_is_rejected_naming_both_fields(handlers, repo, setlinfo,
                                                                                             message):
    event = await submitted(repo, example(**setlinfo))
    [rejected] = await handle(handlers, event)
    assert rejected.type == "settlement-list.rejected" and rejected.subject == event.subject
    assert rejected.data["problems"] == [
        {"field": "setlinfo.cross_province", "rule": "QC-CROSS-PROVINCE-FLAG", "message": message},
        {"field": "setlinfo.insu_admdvs", "rule": "QC-CROSS-PROVINCE-FLAG", "message": message},
    ]
    assert repo.current[event.subject]["stage"] == "rejected"


async def test_a_treatment_region_outside_the_configured_province_is_rejected(handlers, repo):
    [rejected] = await handle(handlers, await submitted(repo, example(treat_admdvs="440100")))
    assert rejected.type == "settlement-list.rejected"
    assert {(p["field"], p["rule"]) for p in rejected.data["problems"]} == {
        ("setlinfo.treat_admdvs", "QC-TREATMENT-PROVINCE"),  # 440100 is not in 360000
        ("setlinfo.treat_admdvs", "QC-HOSPITAL-REGION"),  # H36010000001 is configured in 360100
        ("setlinfo.cross_province", "QC-CROSS-PROVINCE-FLAG"),  # insured 360100, treated 440100, flag false
        ("setlinfo.insu_admdvs", "QC-CROSS-PROVINCE-FLAG"),
    }


def test_the_simulation_names_the_same_problems(grouping_engine):
    problems, _ = qc_and_group(grouping_engine, SettlementList.model_validate(example(cross_province=True)))
    assert [(p.field, p.rule) for p in problems] == [("setlinfo.cross_province", "QC-CROSS-PROVINCE-FLAG"),
                                                     ("setlinfo.insu_admdvs", "QC-CROSS-PROVINCE-FLAG")]


async def test_a_faulty_list_is_rejected_naming_every_problem(handlers, repo):
    body = example(act_ipt_days=9)  # 2026-10-01 to 2026-10-05 is 4 days
    body["diseinfo"] = [{"diag_code": "O80.000", "maindiag_flag": True}]  # a delivery, on a man's list
    event = await submitted(repo, body)
    [rejected] = await handle(handlers, event)
    assert rejected.type == "settlement-list.rejected"
    assert (rejected.data["claim_id"], rejected.data["version"], rejected.data["setl_id"]) == (event.subject, 1, "S1")
    problems = {(p["field"], p["rule"]) for p in rejected.data["problems"]}
    assert problems == {("diseinfo[0].diag_code", "QC-SEX-FEMALE-CODE"), ("setlinfo.act_ipt_days", "QC-LOS-DATES")}
    [step] = repo.timeline
    assert (step["stage"], step["event_id"]) == ("rejected", rejected.id)
    assert {(p["field"], p["rule"]) for p in step["result"]["problems"]} == problems
    assert repo.current[event.subject]["stage"] == "rejected"


async def test_a_batch_is_handled_event_by_event_and_a_replay_emits_the_same_events(handlers, repo):
    clean, faulty = await submitted(repo, EXAMPLE), await submitted(repo, example(setl_id="S2", act_ipt_days=9))
    first = await handle(handlers, clean, faulty)
    again = await handle(handlers, clean, faulty)
    assert [e.type for e in first] == ["settlement-list.grouped", "settlement-list.rejected"]
    assert [(e.id, e.data) for e in again] == [(e.id, e.data) for e in first]
    assert len({e.id for e in first} | {clean.id, faulty.id}) == 4


async def priced_event(handlers, repo) -> Envelope:
    """payment.priced for the example list, grouped first."""
    return (await submitted_and_priced(handlers, repo))[1]


async def submitted_and_priced(handlers, repo) -> tuple[Envelope, Envelope]:
    event = await submitted(repo, EXAMPLE)
    [grouped] = await handle(handlers, event)
    payload = PaymentPriced(claim=grouped.data["claim"], grouping=grouped.data["grouping"], pricing=PricingOutcome(
        case_kind="normal", payment=Decimal("5000.00"), fund_due=Decimal("4960.00")))
    return event, new_event(type="payment.priced", source="/yidi/pricing", subject=grouped.subject, payload=payload,
                            correlationid=grouped.correlationid)


async def test_a_priced_claim_is_recorded_with_its_pricing_and_moves_to_priced(handlers, repo):
    priced = await priced_event(handlers, repo)
    assert await handle(handlers, priced) == []
    step = repo.timeline[-1]
    assert (step["stage"], step["event_id"], step["version"]) == ("priced", priced.id, 1)
    assert (step["result"]["payment"], step["result"]["fund_due"]) == ("5000.00", "4960.00")
    assert repo.current[priced.subject]["stage"] == "priced"


async def test_a_late_step_never_moves_a_claim_back(handlers, repo):
    event, priced = await submitted_and_priced(handlers, repo)
    await handle(handlers, priced)
    await handle(handlers, event)  # redelivered after pricing: grouped again
    assert repo.current[priced.subject]["stage"] == "priced"


async def test_an_audit_flag_is_recorded_and_leaves_the_claims_stage(handlers, repo):
    priced = await priced_event(handlers, repo)
    await handle(handlers, priced)
    flag = new_event(type="audit-flag.raised", source="/yidi/audit", subject=priced.subject,
                     correlationid=priced.correlationid, payload=AuditFlagRaised(
                         flag_id="F1", rule_id="upcoding", claim_id=priced.subject, version=1, setl_id="S1",
                         hospital_code="H36010000001", treat_admdvs="360100", insu_admdvs="360100",
                         severity="high", suspected_amount=Decimal("800.00"), evidence={"drg": "ES35"}))
    assert await handle(handlers, flag) == []
    step = repo.timeline[-1]
    assert (step["stage"], step["event_id"], step["result"]["rule_id"], step["result"]["suspected_amount"]) == (
        "audit-flag", flag.id, "upcoding", "800.00")
    assert repo.current[priced.subject]["stage"] == "priced"


async def test_a_posted_entry_moves_its_claim_to_posted_and_one_about_no_claim_is_not_recorded(handlers, repo):
    priced = await priced_event(handlers, repo)
    await handle(handlers, priced)
    lines = [LedgerLine(account="fund", debit=Decimal("4960.00")), LedgerLine(account="hospital", credit=Decimal("4960.00"))]
    posted = new_event(type="ledger.posted", source="/yidi/clearing", subject=priced.subject,
                       correlationid=priced.correlationid, payload=LedgerPosted(
                           entry_id="E1", claim_id=priced.subject, version=1, kind="claim", period="2026-10", lines=lines))
    run = new_event(type="ledger.posted", source="/yidi/clearing", subject="360100-2026-10", correlationid="run",
                    payload=LedgerPosted(entry_id="E2", kind="monthly", period="2026-10", lines=lines))
    assert await handle(handlers, posted, run) == []
    assert [(s["stage"], s["event_id"], s["result"]["entry_id"]) for s in repo.timeline[2:]] == [("posted", posted.id, "E1")]
    assert repo.current[priced.subject]["stage"] == "posted"


async def test_a_step_about_a_superseded_version_is_recorded_but_leaves_the_claims_stage(handlers, repo):
    priced = await priced_event(handlers, repo)  # about version 1
    intake = FakeIntake(repo)
    await submit(intake, SettlementList.model_validate(example(act_ipt_days=4, psn_no="P1-corrected")),
                 correction_of=priced.subject)
    await handle(handlers, priced)
    assert repo.timeline[-1]["stage"] == "priced"
    assert (repo.current[priced.subject]["current_version"], repo.current[priced.subject]["stage"]) == (2, "submitted")
