"""The AsyncAPI 3.0 document (issue 15, item 3): valid against the official AsyncAPI 3.0.0 JSON schema
(vendored from @asyncapi/specs, tests/fixtures/asyncapi/NOTICE.md), and in step with the event registry:
every event type a channel, every payload version a message whose example its own schema accepts."""
import json
from pathlib import Path

import jsonschema
import pytest

from yidi_common.events.asyncapi import asyncapi_document
from yidi_common.events.registry import EVENT_TYPES, payload_model, schema_versions

OFFICIAL_SCHEMA = Path(__file__).parent / "fixtures" / "asyncapi" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def document() -> dict:
    return asyncapi_document()


def test_the_document_is_valid_asyncapi_3(document):
    validator = jsonschema.Draft7Validator(json.loads(OFFICIAL_SCHEMA.read_text()))
    assert [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(document)] == []
    broken = {**document, "operations": {"x": {"action": "publish", "channel": {"$ref": "#/channels/x"}}}}
    assert not validator.is_valid(broken)  # the schema does catch an AsyncAPI 2 verb


def test_every_registry_type_is_a_channel_with_a_message_per_version(document):
    assert set(document["channels"]) == set(EVENT_TYPES)
    for event_type in EVENT_TYPES:
        channel = document["channels"][event_type]
        assert channel["address"] == event_type
        assert set(channel["messages"]) == {f"{event_type}.v{v}" for v in schema_versions(event_type)}
        assert document["operations"][f"publish-{event_type}"]["action"] == "send"
    assert set(document["components"]["messages"]) == {f"{t}.v{v}" for t in EVENT_TYPES for v in schema_versions(t)}
    assert len(document["components"]["messages"]) == len(EVENT_TYPES) + 1  # settlement-list.submitted in 2 versions


def test_each_example_is_a_valid_event_of_its_message(document):
    components = document["components"]
    for message_id, message in components["messages"].items():
        schema = {**message["payload"], "components": components}
        resolver_schema = jsonschema.Draft202012Validator(schema)
        example, = message["examples"]
        envelope = example["payload"]
        assert list(resolver_schema.iter_errors(envelope)) == [], message_id
        payload_model(envelope["type"], envelope["schemaversion"]).model_validate(envelope["data"])
        assert f"{envelope['type']}.v{envelope['schemaversion']}" == message_id
    v2 = components["messages"]["settlement-list.submitted.v2"]["examples"][0]["payload"]["data"]
    assert not {"certno", "psn_name"} & set(v2["settlement_list"]["setlinfo"])
