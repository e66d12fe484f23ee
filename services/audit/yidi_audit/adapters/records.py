"""Audit's domain records (frozen dataclasses) as JSON, for the jsonb columns beside the ones that filter them.

Pydantic validates them back into the same dataclasses: Decimals exact, datetimes with their zone.
The regions are stored under the settlement list's names (treat_admdvs, insu_admdvs), as since
revision 0002, so stored rows read the same whatever the domain calls them.
"""
from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

import orjson
from pydantic import TypeAdapter

T = TypeVar("T")

# the settlement list's names for the regions, in stored records and HTTP answers
LIST_NAMES = {"treatment_region": "treat_admdvs", "insured_region": "insu_admdvs"}
# as JSON keys: `"name":` never occurs inside a JSON string (its quotes would be escaped)
_TO_STORED = [(f'"{domain}":'.encode(), f'"{stored}":'.encode()) for domain, stored in LIST_NAMES.items()]
_TO_DOMAIN = [(stored, domain) for domain, stored in _TO_STORED]


@cache
def _adapter(cls: type) -> TypeAdapter:
    return TypeAdapter(cls)


def _renamed(json: bytes, names: list[tuple[bytes, bytes]]) -> bytes:
    for old, new in names:
        json = json.replace(old, new)
    return json


def to_json(record: Any) -> str:
    return _renamed(_adapter(type(record)).dump_json(record), _TO_STORED).decode()


def from_json(cls: type[T], value: str | bytes | dict) -> T:
    """A jsonb value as the driver hands it over (text or already parsed)."""
    json = orjson.dumps(value) if isinstance(value, dict) else value.encode() if isinstance(value, str) else value
    return _adapter(cls).validate_json(_renamed(json, _TO_DOMAIN))
