"""Personal data (ID numbers, names, phone numbers, addresses) kept out of logs, events and answers.

`mask_text` masks what looks like personal data in free text (a log line, an error with bound SQL
parameters, a dead-lettered message body): JSON fields with a personal name (`certno`, `psn_name`,
phone and address fields) and, anywhere, 18-digit resident ID numbers (GB 11643) and mainland mobile
numbers. `redact_log_event` is the structlog processor every service's logging runs last but one.
"""
from __future__ import annotations

import re
from typing import Any

PERSONAL_FIELDS = ("certno", "psn_name", "tel", "phone", "mob", "addr", "address", "conn_name", "conn_tel")
MASK = "***"

_FIELD = re.compile(r'("(?:%s)"\s*:\s*)"(?:[^"\\]|\\.)*"' % "|".join(PERSONAL_FIELDS))
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_REPR_FIELD = re.compile(r"('(?:%s)'\s*:\s*)'(?:[^'\\]|\\.)*'" % "|".join(PERSONAL_FIELDS))
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\s*(?:\(Background|\n|$))", re.DOTALL)  # SQLAlchemy's error text
_KEYWORD = re.compile(r"\b((?:%s)=)'(?:[^'\\]|\\.)*'" % "|".join(PERSONAL_FIELDS))


def mask_text(text: str) -> str:
    text = _SQL_PARAMETERS.sub("[parameters hidden]", text)
    text = _FIELD.sub(rf'\1"{MASK}"', text)
    text = _REPR_FIELD.sub(rf"\1'{MASK}'", text)
    text = _KEYWORD.sub(rf"\1'{MASK}'", text)
    text = _ID_NUMBER.sub(MASK, text)
    return _MOBILE.sub(MASK, text)


def mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: (MASK if k in PERSONAL_FIELDS else mask_value(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(v) for v in value]
    return value


def redact_log_event(_logger, _method: str, event: dict) -> dict:
    """structlog processor: masks personal data in every field of a log event (after exceptions are
    formatted, so tracebacks and database errors with their parameters are masked too)."""
    return {k: mask_value(v) for k, v in event.items()}
