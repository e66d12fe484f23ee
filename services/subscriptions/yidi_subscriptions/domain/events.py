"""What the subscriptions service keeps and delivers of an event: its envelope, de-identified, plus
its position in the service's event log (CloudEvents extension attribute `position`)."""
from __future__ import annotations

from typing import Any

from yidi_common.events.registry import SETTLEMENT_LIST_SUBMITTED
from yidi_common.personal_data import PERSONAL_FIELDS


def _without_personal_fields(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_personal_fields(v) for k, v in value.items() if k not in PERSONAL_FIELDS}
    if isinstance(value, list):
        return [_without_personal_fields(v) for v in value]
    return value


def deidentified(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope without ID numbers, names, phone numbers or addresses anywhere in its data. Published
    events hold none (settlement-list.submitted v2); a v1 list still on the topic loses certno and psn_name
    and becomes the v2 it equals."""
    out = {**envelope, "data": _without_personal_fields(envelope.get("data", {}))}
    if out["type"] == SETTLEMENT_LIST_SUBMITTED and out.get("schemaversion", 1) == 1:
        out["schemaversion"] = 2
    return out


def with_position(envelope: dict[str, Any], position: int) -> dict[str, Any]:
    return {**envelope, "position": position}
