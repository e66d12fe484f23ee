"""What is kept and delivered of an event: never a person's ID number, name, phone or address."""
from yidi_subscriptions.domain.events import deidentified, with_position


def test_a_v1_list_loses_its_personal_fields_and_becomes_v2():
    v1 = {"type": "settlement-list.submitted", "schemaversion": 1, "id": "e1", "data": {
        "claim_id": "C1", "settlement_list": {"setlinfo": {"psn_no": "P1", "certno": "360100197001010011",
                                                           "psn_name": "甲", "treat_admdvs": "360100"}}}}
    out = deidentified(v1)
    assert out["schemaversion"] == 2
    assert out["data"]["settlement_list"]["setlinfo"] == {"psn_no": "P1", "treat_admdvs": "360100"}


def test_other_events_keep_their_data_and_version_and_gain_their_position():
    priced = {"type": "payment.priced", "schemaversion": 1, "id": "e2", "data": {"claim": {"psn_no": "P1"}}}
    assert deidentified(priced) == priced
    assert with_position(priced, 42) == {**priced, "position": 42}
