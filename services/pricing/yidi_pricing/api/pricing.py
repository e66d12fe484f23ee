"""Hospitals' simulation (模拟测算): price a list without keeping anything."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request

from yidi_common.auth import EVERYONE, Principal, authorize
from pydantic import BaseModel, Field

from yidi_common.events.v1 import PricingOutcome
from yidi_common.settlement_list import SettlementList

from ..adapters.mapping import case_inputs_of_list
from ..domain.inputs import GroupingStatus
from ..domain.pricing import PricingError
from ..service_layer.use_cases import simulate

router = APIRouter(tags=["pricing"])


class PriceRequest(BaseModel):
    settlement_list: SettlementList
    grouping_status: Literal["grouped", "ambiguous", "ungroupable"] = "grouped"
    group_code: str | None = None  # the DRG code, or the DIP type code in a DIP region


@router.post("/v1/price", summary="Price a list without keeping anything (simulation)")
async def price(body: PriceRequest, request: Request, _: Principal = Depends(authorize(*EVERYONE))) -> PricingOutcome:
    try:
        inputs = case_inputs_of_list(body.settlement_list, GroupingStatus(body.grouping_status), body.group_code)
        return simulate(inputs, request.app.state.config.current)
    except (PricingError, ValueError) as e:
        raise HTTPException(422, detail={"title": "cannot price this list", "message": str(e)}) from None


MAX_BATCH = 1000


class PriceBatchRequest(BaseModel):
    cases: list[PriceRequest] = Field(max_length=MAX_BATCH)


@router.post("/v1/price/batch", summary="Price several lists without keeping anything (the grouper's simulation)")
async def price_batch(body: PriceBatchRequest, request: Request, _: Principal = Depends(authorize(*EVERYONE))) -> dict:
    """Each case as POST /v1/price would answer it, in order: `{"pricing": …}` or `{"error": …}` (a case that
    cannot be priced does not fail the others)."""
    config = request.app.state.config.current
    results = []
    for case in body.cases:
        try:
            inputs = case_inputs_of_list(case.settlement_list, GroupingStatus(case.grouping_status), case.group_code)
            results.append({"pricing": simulate(inputs, config).model_dump(mode="json")})
        except (PricingError, ValueError) as e:
            results.append({"error": str(e)})
    return {"results": results}
