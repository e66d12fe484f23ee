"""Scope rules (issue 15, item 2): which regions and hospital each event concerns, read from its payload,
and who receives it. Expected values are read off the payloads by hand."""
import pytest

from yidi_subscriptions.domain.scope import Concerns, NoScope, Scope, concerns

TREATED_360100_INSURED_360700 = {"treat_admdvs": "360100", "insu_admdvs": "360700", "hospital_code": "H36010000001"}


def _claim_payloads():
    claim = {**TREATED_360100_INSURED_360700, "claim_id": "C1"}
    setlinfo = {"treat_admdvs": "360100", "insu_admdvs": "360700", "fixmedins_code": "H36010000001"}
    return [
        ("settlement-list.submitted", {"settlement_list": {"setlinfo": setlinfo}}),
        ("settlement-list.grouped", {"claim": claim}),
        ("payment.priced", {"claim": claim}),
        ("settlement-list.rejected", dict(TREATED_360100_INSURED_360700)),
        ("audit-flag.raised", dict(TREATED_360100_INSURED_360700)),
        ("audit-flag.confirmed", dict(TREATED_360100_INSURED_360700)),
        ("special-case.decided", dict(TREATED_360100_INSURED_360700)),
    ]


@pytest.mark.parametrize(("event_type", "data"), _claim_payloads())
def test_a_claim_event_concerns_its_treatment_and_insured_regions_and_its_hospital(event_type, data):
    assert concerns(event_type, data) == Concerns(frozenset({"360100", "360700"}), "H36010000001")


def test_budget_alerts_and_annual_clearing_concern_their_region_only():
    assert concerns("budget.alert", {"region": "360400"}) == Concerns(frozenset({"360400"}))
    assert concerns("clearing.annual-cleared", {"region": "360100", "year": 2026}) == Concerns(frozenset({"360100"}))


def test_an_objection_decision_concerns_the_deciding_region_and_the_objecting_hospital():
    decided = {"objection_id": "O1", "claim_id": "C1", "hospital_code": "H36070000002", "treat_admdvs": "360700"}
    assert concerns("objection.decided", decided) == Concerns(frozenset({"360700"}), "H36070000002")


def test_a_ledger_entry_concerns_every_region_it_books_to_including_the_province_books_counterparts():
    lines = [{"account": "360700:payable-to-province"}, {"account": "province:receivable:360700"},
             {"account": "province:payable:360100"}, {"account": "360100:hospital-payable:H36010000001"}]
    assert concerns("ledger.posted", {"lines": lines}) == Concerns(frozenset({"360100", "360700"}))
    local = [{"account": "360400:fund-expense:local"}, {"account": "360400:hospital-payable:H36040000001"}]
    assert concerns("ledger.posted", {"lines": local}) == Concerns(frozenset({"360400"}))


CROSS = Concerns(frozenset({"360100", "360700"}), "H36010000001")


@pytest.mark.parametrize(("scope", "event_type", "about", "admitted"), [
    (Scope("bureau", region="360100"), "payment.priced", CROSS, True),  # treatment region
    (Scope("bureau", region="360700"), "payment.priced", CROSS, True),  # insured region
    (Scope("bureau", region="360400"), "payment.priced", CROSS, False),  # neither
    (Scope("bureau", region="360400"), "budget.alert", Concerns(frozenset({"360400"})), True),
    (Scope("bureau", region="360100"), "budget.alert", Concerns(frozenset({"360400"})), False),
    (Scope("province"), "budget.alert", Concerns(frozenset({"360400"})), True),
    (Scope("hospital", hospital="H36010000001"), "payment.priced", CROSS, True),
    (Scope("hospital", hospital="H36010000001"), "settlement-list.rejected", CROSS, True),
    (Scope("hospital", hospital="H36010000001"), "settlement-list.grouped", CROSS, True),
    (Scope("hospital", hospital="H36010000001"), "audit-flag.raised", CROSS, False),  # not an outcome of its list
    (Scope("hospital", hospital="H36010000001"), "settlement-list.submitted", CROSS, False),
    (Scope("hospital", hospital="H36070000002"), "payment.priced", CROSS, False),  # another hospital's
    (Scope("hospital", hospital="H36010000001"), "ledger.posted", Concerns(frozenset({"360100"})), False),
    (Scope("hospital", hospital="H36010000001"), "objection.decided",
     Concerns(frozenset({"360100"}), "H36010000001"), True),  # the decision on its own objection
    (Scope("hospital", hospital="H36010000001"), "special-case.decided", CROSS, True),  # on its own application
])
def test_who_receives_what(scope, event_type, about, admitted):
    assert scope.admits(event_type, about) is admitted


def test_the_scope_comes_from_the_role_and_its_claim_and_ops_and_analysts_have_none():
    assert Scope.of("bureau", "360100", None) == Scope("bureau", region="360100")
    assert Scope.of("hospital", None, "H36010000001") == Scope("hospital", hospital="H36010000001")
    assert Scope.of("province", "360100", None) == Scope("province")
    for role in ("ops", "analyst"):
        with pytest.raises(NoScope):
            Scope.of(role, None, None)


def test_registration_names_every_type_problem():
    problems = Scope("hospital", hospital="H1").type_problems(["payment.priced", "no.such", "ledger.posted",
                                                               "dead-letter.grouper"])
    assert [(p["field"], p["rule"]) for p in problems] == [
        ("types[1]", "unknown_event_type"), ("types[2]", "outside_scope"), ("types[3]", "unknown_event_type")]
    assert Scope("province").type_problems([]) == [
        {"field": "types", "rule": "empty", "message": "name at least one event type"}]


def test_every_published_type_has_a_scope_rule():
    """A type added to the registry without a rule here would be dead-lettered, never delivered: caught here."""
    from yidi_common.events.examples import EXAMPLES
    from yidi_common.events.registry import EVENT_TYPES, payload_model, schema_versions

    for event_type in EVENT_TYPES:
        for version in schema_versions(event_type):
            data = payload_model(event_type, version).model_validate(EXAMPLES[(event_type, version)]).model_dump(mode="json")
            assert "360100" in concerns(event_type, data).regions, event_type  # every example is treated in 360100
