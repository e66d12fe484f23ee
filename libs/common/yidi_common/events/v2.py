"""Payloads, schema version 2. Published: change only by adding optional fields.

settlement-list.submitted v2 carries the list without the person's ID number (`certno`) and name
(`psn_name`): no event after intake holds them (issue 14). `psn_no` stays, as the insured region
reconciles by it. v1 (the list as posted) is still accepted from the topic, never published any more.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ConfigDict, create_model, model_validator

from ..personal_data import PERSONAL_FIELDS
from ..settlement_list import EXAMPLE, SetlInfo, SettlementList, _Strict
from .v1 import _Payload

# the personal fields of setlinfo (certno, psn_name): left out of every event
LEFT_OUT = tuple(name for name in SetlInfo.model_fields if name in PERSONAL_FIELDS)

# every other field of SetlInfo with its constraints, and its date check
DeidentifiedSetlInfo = create_model(
    "DeidentifiedSetlInfo",
    __base__=_Strict,
    __module__=__name__,
    __doc__="Basic section (setlinfo) without the person's ID number and name.",
    __validators__={"_dates_in_order": model_validator(mode="after")(
        SetlInfo.__pydantic_decorators__.model_validators["_dates_in_order"].func)},
    **{name: (field.annotation, field) for name, field in SetlInfo.model_fields.items() if name not in LEFT_OUT},
)


def without_personal_data(settlement_list: dict[str, Any]) -> dict[str, Any]:
    """A list as JSON (SettlementList.model_dump(mode="json")) without certno and psn_name."""
    setlinfo = settlement_list["setlinfo"]
    return {**settlement_list, "setlinfo": {k: v for k, v in setlinfo.items() if k not in LEFT_OUT}}


class DeidentifiedSettlementList(SettlementList):
    """A settlement list without the person's ID number and name; everything else as posted."""

    model_config = ConfigDict(json_schema_extra={"examples": [without_personal_data(EXAMPLE)]})

    setlinfo: DeidentifiedSetlInfo  # type: ignore[valid-type]


class SettlementListSubmitted(_Payload):
    claim_id: str
    version: int
    supersedes_version: int | None = None
    submitted_at: datetime
    settlement_list: DeidentifiedSettlementList
    special_case_id: str | None = None  # set on the version the grouper issues for an approved 特例单议 case
