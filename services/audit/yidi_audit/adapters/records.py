"""Audit's domain records (frozen dataclasses) as JSON, for the jsonb columns beside the ones that filter them.

Pydantic validates them back into the same dataclasses: Decimals exact, datetimes with their zone.
"""
from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


@cache
def _adapter(cls: type) -> TypeAdapter:
    return TypeAdapter(cls)


def to_json(record: Any) -> str:
    return _adapter(type(record)).dump_json(record).decode()


def from_json(cls: type[T], value: str | bytes | dict) -> T:
    """A jsonb value as the driver hands it over (text or already parsed)."""
    adapter = _adapter(cls)
    return adapter.validate_python(value) if isinstance(value, dict) else adapter.validate_json(value)
