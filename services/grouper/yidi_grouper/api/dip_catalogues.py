"""Bureaus build their DIP catalogue from history (seed 003 三(一)/(二)): the same builder as `yidi-dip`.

POST /v1/dip/catalogues/build: a region's history (settlement lists or short records, see
domain/dip_history.py) and the thresholds -> core (核心病种) and comprehensive (综合病种) types with
their scores, as JSON or (`?format=csv`) in the region configuration's CSV layout. Nothing is kept: the
bureau reviews the catalogue and puts it in its configuration. A bureau builds its own region's only;
the province any region's. Every bad case is named (422, field paths); no case is dropped silently.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Literal

import structlog
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from yidi_common.auth import Principal, Role, authorize, forbid_out_of_scope
from yidi_common.http import json_response, unprocessable

from ..domain.dip import CSV_COLUMNS
from ..domain.dip_history import CatalogueOptions, build_from_history, read_history

log = structlog.get_logger()
router = APIRouter(prefix="/v1/dip/catalogues", tags=["DIP catalogues (bureaus)"])


class BuildRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = Field(pattern=r"^\d{6}$", description="treatment region; cases of other regions are skipped")
    year: int | None = Field(default=None, ge=1900, le=2200, description="only cases of this year (none: every year)")
    options: CatalogueOptions = CatalogueOptions()
    cases: list[Any] = Field(min_length=1, description="settlement lists or short records "
                             "{id, region, year, diagnoses, procedures, los, total_cost}")


@router.post("/build", summary="Build a DIP catalogue (core and comprehensive types, scores) from history")
async def build(body: BuildRequest, request: Request, format: Literal["json", "csv"] = Query("json"),
                caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE))) -> Response:
    if caller.role is Role.BUREAU:
        forbid_out_of_scope(caller.region == body.region, f"region {body.region}")
    history = read_history(body.cases, region=body.region, year=body.year)
    if history.problems:
        return unprocessable([{**p, "rule": "invalid_case"} for p in history.problems])
    if not history.cases:
        return unprocessable([{"field": "cases", "rule": "no_case",
                               "message": f"no case of region {body.region}" + (f" year {body.year}" if body.year else "")}])
    kinds = request.app.state.grouping_engine.procedure_kinds
    version = f"{body.region}-{body.year}" if body.year else body.region
    try:
        catalogue = build_from_history(history.pairs(), kinds, body.options, version)
    except ValueError as e:
        return unprocessable([{"field": "options.base_type", "rule": "unknown_type", "message": str(e)}])
    log.info("dip catalogue built", region=body.region, year=body.year, cases=len(history.cases),
             types=len(catalogue.types), by=caller.role.value)
    rows = catalogue.rows()
    if format == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="dip-{version}.csv"'})
    answer: dict[str, Any] = {
        "region": body.region, "year": body.year, "version": version, "options": body.options.model_dump(),
        "cases": len(history.cases), "skipped_other_regions_or_years": history.skipped,
        "reference": catalogue.reference, "reference_mean": catalogue.reference_mean, "types": rows,
    }
    if not kinds:
        answer["warnings"] = ["procedure kind file absent: every procedure counts as 治疗性操作"]
    return json_response(200, answer)
