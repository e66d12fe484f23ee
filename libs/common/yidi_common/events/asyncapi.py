"""The AsyncAPI 3.0 document of Yidi's events, generated from the event registry: one channel per
topic (event type), one message per payload version (the CloudEvents envelope around the payload's
JSON schema, from its Pydantic model, with an example), one `send` operation per channel (Yidi
publishes them). Served by the subscriptions service at /v1/asyncapi.json and /v1/asyncapi.yaml;
tests/test_asyncapi.py validates it against the official AsyncAPI 3.0.0 schema."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic.json_schema import models_json_schema

from .envelope import Envelope
from .examples import EXAMPLES
from .registry import EVENT_TYPES, payload_model, schema_versions

REF = "#/components/schemas/{model}"
SUBJECTS = {  # what the Kafka key and the envelope's subject are
    "budget.alert": "the budget's key (<region>-<year>-<method>-<insutype>-<origin>, or <region>-<year> for an "
                    "insured region's cross-region budget)",
    "ledger.posted": "the claim id, or the entry id for an entry of no claim",
    "clearing.annual-cleared": "<region>-<year>",
    "objection.decided": "the claim id, or the objected notice's or statement's id",
}
DESCRIPTION = """Every event Yidi publishes, one Kafka topic per event type (keyed by the envelope's `subject`, so one
claim's events stay in order on a topic). Each message is a CloudEvents 1.0 envelope (structured JSON:
`specversion, id, source, type, subject, time, datacontenttype`, extensions `correlationid` and `schemaversion`)
around the payload of its schema version. A payload version is never changed incompatibly: a new version is
added beside it.

The subscriptions service (:8106) delivers the same envelopes to a bureau's or hospital's webhook (CloudEvents
HTTP binding, structured mode, signed per Standard Webhooks) and through its pull feed, with one more
extension attribute, `position` (the event's place in the service's event log), and never an event outside
the subscriber's scope."""


def _message_id(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}"


def _envelope_schema(event_type: str, version: int, payload_ref: str) -> dict[str, Any]:
    schema = Envelope.model_json_schema(mode="serialization")
    properties = dict(schema["properties"])
    properties["type"] = {"type": "string", "const": event_type, "description": "the event type (the topic)"}
    properties["schemaversion"] = {"type": "integer", "const": version, "description": "the payload's version"}
    properties["subject"] = {"type": "string", "description": SUBJECTS.get(event_type, "the claim id")}
    properties["data"] = {"$ref": payload_ref}
    return {"type": "object", "title": f"{event_type} v{version}", "properties": properties,
            "required": ["specversion", "id", "source", "type", "subject", "time", "correlationid", "schemaversion",
                         "data"]}


def _example(event_type: str, version: int) -> dict[str, Any]:
    data = payload_model(event_type, version).model_validate(EXAMPLES[(event_type, version)]).model_dump(mode="json")
    subject = {"budget.alert": data.get("budget_key"), "clearing.annual-cleared": "360100-2026"}.get(
        event_type, "0b6c5f3e-6a1f-5c55-9f36-3f1c2d7e8a90")
    return {"specversion": "1.0", "id": f"5d0c3a1e-0000-5000-8000-00000000000{version}",
            "source": f"/yidi/{event_type.split('.')[0]}", "type": event_type, "subject": subject,
            "time": "2026-10-05T01:00:00Z", "datacontenttype": "application/json",
            "correlationid": "0b6c5f3e-6a1f-5c55-9f36-3f1c2d7e8a90", "schemaversion": version, "data": data}


@lru_cache(maxsize=1)
def asyncapi_document() -> dict[str, Any]:
    messages_of = {t: schema_versions(t) for t in EVENT_TYPES}
    keys = [(t, v) for t, versions in messages_of.items() for v in versions]
    names, defs = models_json_schema([(payload_model(t, v), "serialization") for t, v in keys], ref_template=REF)
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    channels, operations, messages = {}, {}, {}
    for (event_type, version) in keys:
        message_id = _message_id(event_type, version)
        payload_ref = names[(payload_model(event_type, version), "serialization")]["$ref"]
        envelope_name = f"{message_id.replace('.', '_').replace('-', '_')}_envelope"
        schemas[envelope_name] = _envelope_schema(event_type, version, payload_ref)
        model = payload_model(event_type, version)
        messages[message_id] = {
            "name": event_type, "title": f"{event_type}, schema version {version}",
            "summary": (model.__doc__ or event_type).strip().splitlines()[0],
            "contentType": "application/json",
            "payload": {"$ref": REF.format(model=envelope_name)},
            "bindings": {"kafka": {"key": {"type": "string", "description": SUBJECTS.get(event_type, "the claim id")},
                                   "bindingVersion": "0.5.0"}},
            "examples": [{"name": f"{event_type.replace('.', '-')}-v{version}", "summary": "a cross-region claim",
                          "payload": _example(event_type, version)}],
        }
    for event_type, versions in messages_of.items():
        channels[event_type] = {
            "address": event_type, "title": event_type,
            "description": f"Topic `{event_type}` (prefixed `<YIDI_NAMESPACE>.` in a namespaced stack); "
                           f"payload versions {', '.join(map(str, versions))}.",
            "messages": {_message_id(event_type, v): {"$ref": f"#/components/messages/{_message_id(event_type, v)}"}
                         for v in versions},
        }
        operations[f"publish-{event_type}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{event_type}"},
            "summary": f"Yidi publishes {event_type}",
            "messages": [{"$ref": f"#/channels/{event_type}/messages/{_message_id(event_type, v)}"} for v in versions],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Yidi events", "version": "1.0.0", "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "servers": {
            "local": {"host": "127.0.0.1:19092", "protocol": "kafka", "description": "`make up`: plaintext, loopback only"},
            "cluster": {"host": "yidi-kafka-bootstrap:9093", "protocol": "kafka-secure",
                        "description": "deploy/k8s: TLS and SCRAM-SHA-512, one KafkaUser per service (docs/security.md)",
                        "security": [{"$ref": "#/components/securitySchemes/scram"}]},
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages,
                       "securitySchemes": {"scram": {"type": "scramSha512",
                                                     "description": "the service's KafkaUser and its password"}}},
    }
