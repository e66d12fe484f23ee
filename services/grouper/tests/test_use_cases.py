"""The intake and claim-view use cases on the in-memory repository: the decisions and HTTP answers for
posts, repeats, conflicts and corrections, the events emitted, and what a hospital reads of a claim."""
from __future__ import annotations

import copy
from datetime import datetime, timezone

import orjson

from yidi_common.auth import Principal, Role
from yidi_common.events.v1 import SpecialCaseDecided
from yidi_common.settlement_list import EXAMPLE, SettlementList
from yidi_common.unit_of_work import Transaction
from yidi_grouper.api.settlement_lists import accept
from yidi_grouper.domain.intake import Outcome, claim_id_for, content_hash
from yidi_grouper.domain.timeline import Stage
from yidi_grouper.service_layer.claims import claim_listing, claim_status, record_timeline, rejections_by_rule
from yidi_grouper.service_layer.intake import PostedList, accept_lists, issue_approved_versions

from .fakes import FakeClaimsRepository, FakeIntake


def example(setl_id="S1", **setlinfo) -> dict:
    body = copy.deepcopy(EXAMPLE)
    body["setlinfo"].update(setl_id=setl_id, **setlinfo)
    return body


HOSPITAL = Principal("his", Role.HOSPITAL, hospital="H36010000001")  # EXAMPLE's


async def post(intake, body, correction_of=None, caller=HOSPITAL) -> tuple[int, dict]:
    return await accept(intake, orjson.dumps(body), caller=caller, correction_of=correction_of)


async def test_a_new_list_is_stored_as_version_one_and_announced():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    status, answer = await post(intake, EXAMPLE)
    claim_id = answer["claim_id"]
    assert (status, answer["version"], answer["status"]) == (202, 1, "accepted")
    [event] = intake.emitted
    assert (event.type, event.subject, event.correlationid, event.source) == (
        "settlement-list.submitted", claim_id, claim_id, "/yidi/grouper/intake")
    assert (event.data["version"], event.data["supersedes_version"]) == (1, None)
    assert event.schemaversion == 2  # the list without certno and psn_name
    stored = repo.stored[claim_id][0]["body"]
    assert event.data["settlement_list"] == {**stored, "setlinfo": {
        k: v for k, v in stored["setlinfo"].items() if k not in ("certno", "psn_name")}}
    assert event.data["settlement_list"]["iteminfo"][0]["amt"] == "100.00"
    claim = repo.current[claim_id]
    assert (claim["hospital_code"], claim["setl_id"], claim["treat_admdvs"], claim["insu_admdvs"], claim["setl_period"],
            claim["current_version"], claim["stage"]) == ("H36010000001", "S1", "360100", "360100", "2026-10", 1,
                                                          "submitted")


async def test_a_repeat_answers_the_stored_version_and_other_content_is_a_conflict():
    intake = FakeIntake(FakeClaimsRepository())
    _, first = await post(intake, EXAMPLE)
    again = await post(intake, EXAMPLE)
    other = await post(intake, example(psn_no="P2"))
    assert again == (202, {**first, "status": "already accepted"})
    assert other[0] == 409 and other[1]["detail"]["current_version"] == 1
    assert len(intake.emitted) == 1


async def test_a_correction_is_the_next_version_and_supersedes_the_last():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    _, first = await post(intake, EXAMPLE)
    status, answer = await post(intake, example(psn_no="P2"), correction_of=first["claim_id"])
    assert (status, answer["claim_id"], answer["version"], answer["status"]) == (202, first["claim_id"], 2, "accepted")
    assert (intake.emitted[-1].data["version"], intake.emitted[-1].data["supersedes_version"]) == (2, 1)
    assert repo.current[first["claim_id"]]["current_version"] == 2


async def test_a_correction_posted_to_another_claim_or_to_none_is_refused_and_stores_nothing():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    _, first = await post(intake, EXAMPLE)
    wrong = await post(intake, example(setl_id="S2"), correction_of=first["claim_id"])
    assert wrong[0] == 409 and wrong[1]["detail"]["title"] == "correction names another claim"
    assert wrong[1]["detail"]["claim_id"] == first["claim_id"]
    never_posted = claim_id_for("H36010000001", "S3")
    status, answer = await post(intake, example(setl_id="S3"), correction_of=never_posted)
    assert (status, answer["detail"]) == (404, {"title": "no such claim", "claim_id": never_posted})
    assert list(repo.current) == [first["claim_id"]] and len(intake.emitted) == 1


async def test_a_rejected_list_sent_again_unchanged_as_a_correction_is_checked_anew():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    _, first = await post(intake, EXAMPLE)
    repo.current[first["claim_id"]]["stage"] = "rejected"
    assert (await post(intake, EXAMPLE))[1]["version"] == 1  # a plain repost changes nothing
    status, answer = await post(intake, EXAMPLE, correction_of=first["claim_id"])
    assert (status, answer["version"], intake.emitted[-1].data["supersedes_version"]) == (202, 2, 1)


async def test_one_batch_decides_its_posts_in_arrival_order():
    repo = FakeClaimsRepository()
    tx = Transaction(repo)

    def posted(body, correction=False):
        sl = SettlementList.model_validate(body)
        dumped = sl.model_dump(mode="json")
        return PostedList(sl, dumped, "c1", content_hash(dumped), correction)

    decisions = await accept_lists(tx, [posted(EXAMPLE), posted(EXAMPLE), posted(example(psn_no="P2")),
                                        posted(example(psn_no="P2"), correction=True)])
    assert [(d.outcome, d.version) for d in decisions] == [
        (Outcome.ACCEPTED, 1), (Outcome.REPEATED, 1), (Outcome.CONFLICT, 1), (Outcome.ACCEPTED, 2)]
    assert [(e.data["version"], e.data["supersedes_version"]) for e in tx.emitted] == [(1, None), (2, 1)]
    assert [v["version"] for v in repo.stored["c1"]] == [1, 2] and repo.current["c1"]["current_version"] == 2


async def test_the_claim_status_shows_each_version_and_step_in_order():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    _, first = await post(intake, EXAMPLE)
    claim_id = first["claim_id"]
    tx = Transaction(repo)
    await record_timeline(tx, [Stage(claim_id, 1, "grouped", "e1", {"drg": "ES35"})])
    await post(intake, example(psn_no="P2"), correction_of=claim_id)
    await record_timeline(tx, [Stage(claim_id, 1, "priced", "e2", {"payment": "4000.00"}),  # late, for version 1
                               Stage(claim_id, 2, "grouped", "e3", {"drg": "ES35"}),
                               Stage(claim_id, 2, "priced", "e4", {"payment": "5000.00"})])
    view = await claim_status(tx, claim_id)
    assert (view["current_version"], view["stage"], [v["version"] for v in view["versions"]]) == (2, "priced", [1, 2])
    assert [(s["version"], s["stage"], s["result"]) for s in view["timeline"]] == [
        (1, "submitted", {"supersedes_version": None}), (1, "grouped", {"drg": "ES35"}),
        (2, "submitted", {"supersedes_version": 1}), (1, "priced", {"payment": "4000.00"}),
        (2, "grouped", {"drg": "ES35"}), (2, "priced", {"payment": "5000.00"})]
    assert await claim_status(tx, "no-such-claim") is None


async def test_listings_filter_by_hospital_and_stage_and_count_every_stage():
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    ids = [(await post(intake, example(setl_id=f"S{n}")))[1]["claim_id"] for n in range(3)]
    problems = [{"field": "setlinfo.act_ipt_days", "rule": "QC-LOS-DATES", "message": "m"}]
    tx = Transaction(repo)
    await record_timeline(tx, [Stage(ids[0], 1, "rejected", "e1", {"problems": problems}),
                               Stage(ids[1], 1, "grouped", "e2", {"drg": "ES35"})])
    listing = await claim_listing(tx, hospital_code="H36010000001", stage="rejected", limit=10, offset=0)
    assert [c["claim_id"] for c in listing["items"]] == [ids[0]]
    assert listing["stage_counts"] == {"rejected": 1, "grouped": 1, "submitted": 1}
    assert (await claim_listing(tx, hospital_code="H0", stage=None, limit=10, offset=0))["items"] == []
    assert await rejections_by_rule(tx, region=None) == {"rules": [
        {"rule": "QC-LOS-DATES", "example_field": "setlinfo.act_ipt_days", "problems": 1, "claims": 1}]}


def decided(claim_id: str, version: int, decision: str = "approved") -> SpecialCaseDecided:
    return SpecialCaseDecided(
        case_id=f"case-{claim_id}-{version}", claim_id=claim_id, version=version, setl_id="S1",
        hospital_code="H36010000001", treat_admdvs="360100", insu_admdvs="360100", origin="hospital",
        decision=decision, reasons=["同意"], decided_by="nc-1", decided_role="bureau",
        decided_at=datetime(2026, 10, 20, tzinfo=timezone.utc), period="2026")


async def test_an_approved_special_case_issues_the_next_version_of_the_approved_list():
    """特例单议 approved: the grouper (the one owner of version numbers) issues version 2, the list of version 1
    as posted, marked with the case; a hospital's correction after it is version 3."""
    repo = FakeClaimsRepository()
    intake = FakeIntake(repo)
    _, first = await post(intake, EXAMPLE)
    claim_id = first["claim_id"]
    tx = Transaction(repo)
    await issue_approved_versions(tx, [decided(claim_id, 1, "rejected")])
    assert tx.emitted == [] and len(repo.stored[claim_id]) == 1
    await issue_approved_versions(tx, [decided(claim_id, 1)])
    (event,) = tx.emitted
    assert (event.data["version"], event.data["supersedes_version"], event.data["special_case_id"]) == (
        2, 1, f"case-{claim_id}-1")
    assert repo.stored[claim_id][1]["body"] == repo.stored[claim_id][0]["body"]
    assert repo.current[claim_id]["current_version"] == 2
    await issue_approved_versions(tx, [decided(claim_id, 1)])  # redelivered: version 1 is no longer current
    assert len(tx.emitted) == 1
    status, answer = await post(intake, example(psn_no="P2"), correction_of=claim_id)
    assert (status, answer["version"]) == (202, 3)
