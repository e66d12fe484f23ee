"""The envelope: CloudEvents 1.0 attribute names, plus correlationid and schemaversion extensions and the
optional distributed-tracing extension (traceparent, tracestate: yidi_common.tracing)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field

from ..ids import uuid5_text

EVENT_NAMESPACE = uuid.UUID("6f0b7a8e-3c1d-4d6e-9a51-2b8c1e9d7f30")


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    specversion: str = "1.0"
    id: str
    source: str
    type: str
    subject: str
    time: datetime
    datacontenttype: str = "application/json"
    correlationid: str
    schemaversion: int = 1
    traceparent: str | None = None  # W3C: the span this event was emitted in
    tracestate: str | None = None  # W3C: `yidi=<parent span id>` of that span
    data: dict[str, Any] = Field(default_factory=dict)

    def payload(self) -> BaseModel:
        from .registry import payload_model

        return payload_model(self.type, self.schemaversion).model_validate(self.data)

    def to_bytes(self) -> bytes:
        """data is JSON already (new_event dumps the payload), so it is written as it is, not walked again.
        The tracing attributes are written only when set."""
        attributes = {"specversion": self.specversion, "id": self.id, "source": self.source, "type": self.type,
                      "subject": self.subject, "time": self.time, "datacontenttype": self.datacontenttype,
                      "correlationid": self.correlationid, "schemaversion": self.schemaversion}
        if self.traceparent is not None:
            attributes["traceparent"] = self.traceparent
            if self.tracestate is not None:
                attributes["tracestate"] = self.tracestate
        attributes["data"] = self.data
        return orjson.dumps(attributes, option=orjson.OPT_UTC_Z, default=str)

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate(orjson.loads(raw))


def deterministic_event_id(*parts: str) -> str:
    """An event id derived from what caused it, so a replay produces the very same ids."""
    return uuid5_text(EVENT_NAMESPACE, "|".join(parts))


def new_event(
    *,
    type: str,
    source: str,
    subject: str,
    payload: BaseModel,
    correlationid: str,
    event_id: str | None = None,
    schemaversion: int = 1,
    time: datetime | None = None,
) -> Envelope:
    return Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source,
        type=type,
        subject=subject,
        time=time or datetime.now(timezone.utc),
        correlationid=correlationid,
        schemaversion=schemaversion,
        data=payload.model_dump(mode="json"),
    )
