"""Hospitals pre-check lists (模拟测算, seed 000 二(二)): QC and grouping (`/v1/group`), or QC, grouping and
pricing in one call (`/v1/simulate`, and `/v1/simulate/batch` for a file of lists or a hospital's stored
lists of a period). Nothing is kept. Any role may call them within its scope: a hospital for its own lists
(setlinfo.fixmedins_code), a bureau for lists treated or insured in its region, the province, operations
and analysts for any (the answers carry no personal data)."""
from __future__ import annotations

import csv
import io
import re

import orjson
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from yidi_common.auth import EVERYONE, Principal, authorize, forbid_out_of_scope
from yidi_common.http import json_response, problem_list, problems_body
from yidi_common.settings import get_settings
from yidi_common.settlement_list import SettlementList

from ..adapters.pricing_client import PricingClient
from ..domain.simulation import csv_rows, totals
from ..service_layer.grouping import qc_and_group
from ..service_layer.simulation import Pricer, PricingUnavailable, simulate_lists, stored_lists
from .settlement_lists import SETTLEMENT_LIST_BODY, ClaimsOpener, claims_opener, scope_of

router = APIRouter(tags=["simulation (HIS)"])


async def pricing_client(request: Request) -> Pricer:
    """The pricing service at PRICING_URL (default: pricing's port on this host), asked with the caller's token."""
    settings = get_settings()
    base = settings.pricing_url or f"http://127.0.0.1:{settings.service_port('pricing')}"
    return PricingClient(base, request.headers.get("authorization"))

ANYONE = authorize(*EVERYONE)
MAX_LISTS = 5000  # lists in one batch (a file, or a hospital's period)
PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


@router.post("/v1/group", summary="Quality-check and group a list without keeping it")
async def group(sl: SettlementList, request: Request, caller: Principal = Depends(ANYONE)) -> dict:
    _in_scope(caller, sl)
    problems, grouping = qc_and_group(request.app.state.grouping_engine, sl)
    return {
        "qc": {"passed": not problems, "problems": [p.model_dump() for p in problems]},
        "grouping": grouping.model_dump(mode="json"),
    }


@router.post("/v1/simulate", summary="Quality-check, group and price a list without keeping it",
             responses={403: {"description": "another hospital's list, or outside the bureau's region"},
                        503: {"description": "the pricing service did not answer"}})
async def simulate(sl: SettlementList, request: Request, caller: Principal = Depends(ANYONE),
                   pricer: Pricer = Depends(pricing_client)) -> Response:
    """QC problems, group, weight, rate, standard, payment, fund due, the difference from the per-item cost
    and the explanation of each step. A list QC would reject is not priced."""
    _in_scope(caller, sl)
    [case] = await _simulate(request, pricer, [sl])
    return json_response(200, case.as_json())


@router.post("/v1/simulate/batch", summary="Simulate a file of lists, or a hospital's lists of a period",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"oneOf": [
                     {"type": "array", "items": SETTLEMENT_LIST_BODY["requestBody"]["content"]["application/json"]["schema"]},
                     {"type": "object", "required": ["hospital", "period"],
                      "properties": {"hospital": {"type": "string"}, "period": {"type": "string", "pattern": PERIOD.pattern}}},
                 ]}},
                 "application/x-ndjson": {"schema": {"type": "string", "description": "one settlement list per line"}},
             }}},
             responses={403: {"description": "a list or hospital outside your scope"}, 422: {"description": "bad input"},
                        503: {"description": "the pricing service did not answer"}})
async def simulate_batch(request: Request, format: str | None = Query(None, pattern="^(json|csv)$"),
                         caller: Principal = Depends(ANYONE), claims: ClaimsOpener = Depends(claims_opener),
                         pricer: Pricer = Depends(pricing_client)) -> Response:
    """The body is a JSON array of lists, the same as JSON lines (a `.jsonl` file sent as the body), or
    `{"hospital": …, "period": "yyyy-mm" | "yyyy"}`: that hospital's lists already posted for the period (the
    current version of each), grouped and priced again under the configuration in force. Every case's
    group, payment and difference from per-item cost, with totals; CSV with `Accept: text/csv` or
    `?format=csv` (one row per case, then a TOTAL row)."""
    raw = await request.body()
    query = _hospital_period(raw)
    stored: list[tuple[str, int]] | None = None
    if query is not None:
        hospital, period = query
        scope_hospital, scope_region = scope_of(caller)
        forbid_out_of_scope(scope_hospital in (None, hospital), f"hospital {hospital}")
        async with claims() as tx:
            found = await stored_lists(tx, hospital_code=hospital, period=period, region=scope_region,
                                       limit=MAX_LISTS + 1)
        _at_most(len(found))
        lists = [SettlementList.model_validate(body) for _, _, body in found]
        stored = [(claim_id, version) for claim_id, version, _ in found]
    else:
        lists = _lists_of(raw)
        for sl in lists:
            _in_scope(caller, sl)
    cases = await _simulate(request, pricer, lists, stored)
    summed = totals(cases)
    if format == "csv" or (format is None and "text/csv" in request.headers.get("accept", "")):
        out = io.StringIO()
        csv.writer(out).writerows(csv_rows(cases, summed))
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="simulation.csv"'})
    answer = {"cases": [case.as_json() for case in cases], "totals": summed.as_json()}
    if query is not None:
        answer = {"hospital": query[0], "period": query[1], **answer}
    return json_response(200, answer)


async def _simulate(request: Request, pricer: Pricer, lists: list[SettlementList], stored=None):
    try:
        return await simulate_lists(request.app.state.grouping_engine, pricer, lists, stored)
    except PricingUnavailable as error:
        raise HTTPException(503, detail={"title": "the pricing service did not answer", "reason": str(error)}) from None


def _in_scope(caller: Principal, sl: SettlementList) -> None:
    """A hospital: its own lists (fixmedins_code); a bureau: lists treated or insured in its region; the others: any."""
    info = sl.setlinfo
    forbid_out_of_scope(caller.sees(treatment_region=info.treat_admdvs, insured_region=info.insu_admdvs,
                                    hospital_code=info.fixmedins_code),
                        f"setl_id {info.setl_id} of hospital {info.fixmedins_code}")


def _unprocessable(problems: list[dict]):
    return HTTPException(422, detail=problems_body(problems))


def _hospital_period(raw: bytes) -> tuple[str, str] | None:
    """(hospital, period) when the body asks for stored lists; None for a file of lists."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not {"hospital", "period"} & data.keys():
        return None
    problems = [{"field": name, "rule": "missing", "message": f"{name} is required"}
                for name in ("hospital", "period") if not isinstance(data.get(name), str) or not data.get(name)]
    if not problems and not PERIOD.match(data["period"]):
        problems.append({"field": "period", "rule": "string_pattern_mismatch",
                         "message": f"period {data['period']!r} is not yyyy-mm or yyyy"})
    if problems:
        raise _unprocessable(problems)
    return data["hospital"], data["period"]


def _lists_of(raw: bytes) -> list[SettlementList]:
    """A JSON array of lists, or JSON lines; 422 naming every problem with its list's index (or line)."""
    text = raw.strip()
    items: list[tuple[str, object]] = []
    problems: list[dict] = []
    if text.startswith(b"["):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as error:
            raise _unprocessable([{"field": "(body)", "rule": "json_invalid", "message": str(error)}]) from None
        items = [(f"[{index}]", item) for index, item in enumerate(data)]
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    items.append((f"line {number}", orjson.loads(line)))
                except orjson.JSONDecodeError as error:
                    problems.append({"field": f"line {number}", "rule": "json_invalid", "message": str(error)})
    if not items and not problems:
        raise _unprocessable([{"field": "(body)", "rule": "missing", "message": "no settlement list in the body"}])
    _at_most(len(items))
    lists = []
    for where, item in items:
        try:
            lists.append(SettlementList.model_validate(item))
        except ValidationError as error:
            problems += [{**p, "field": f"{where}.{p['field']}"} for p in problem_list(list(error.errors()), drop_prefix=())]
    if problems:
        raise _unprocessable(problems)
    return lists


def _at_most(count: int) -> None:
    if count > MAX_LISTS:
        raise _unprocessable([{"field": "(body)", "rule": "too_many",
                               "message": f"more than {MAX_LISTS} lists: split the batch"}])
