"""Hospitals' simulation (模拟测算): price a list without keeping anything."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Request

from yidi_common.auth import EVERYONE, Principal, authorize
from pydantic import BaseModel, Field, model_validator

from yidi_common.events.v1 import GroupingOutcome, PricingOutcome
from yidi_common.settlement_list import SettlementList

from ..adapters.mapping import case_inputs_of_list
from ..domain.inputs import CaseInputs, GroupingStatus
from ..domain.pricing import PricingError
from ..service_layer.use_cases import simulate

router = APIRouter(tags=["pricing"])


class PriceRequest(BaseModel):
    settlement_list: SettlementList
    grouping_status: Literal["grouped", "ambiguous", "ungroupable"] = "grouped"
    group_code: str | None = None  # the DRG code, or the DIP type code in a DIP region
    # the grouper's whole outcome (settlement-list.grouped's `grouping`): status, group, DIP category and
    # severity priced as the chain prices them; grouping_status and group_code then follow from it
    grouping: GroupingOutcome | None = None

    @model_validator(mode="after")
    def _one_grouping(self) -> "PriceRequest":
        if self.grouping is not None:
            group = self.grouping.dip_type if self.grouping.payment_method == "DIP" else self.grouping.drg
            if self.group_code is not None and self.group_code != group:
                raise ValueError(f"group_code {self.group_code} differs from the grouping's group {group}")
            if "grouping_status" in self.model_fields_set and self.grouping_status != self.grouping.status:
                raise ValueError(f"grouping_status {self.grouping_status} differs from the grouping's "
                                 f"{self.grouping.status}")
        return self

    def inputs(self) -> CaseInputs:
        return case_inputs_of_list(self.settlement_list, GroupingStatus(self.grouping_status), self.group_code,
                                   self.grouping)


@router.post("/v1/price", summary="Price a list without keeping anything (simulation)",
             description="With `grouping` (the grouper's whole outcome, as on settlement-list.grouped) the list is "
                         "priced exactly as the chain prices it: DIP category (TCM, primary, day surgery) and "
                         "severity included; with only `group_code` as a plain DRG or DIP type.")
async def price(body: PriceRequest, request: Request, _: Principal = Depends(authorize(*EVERYONE))) -> PricingOutcome:
    try:
        return simulate(body.inputs(), request.app.state.config.current)
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
            results.append({"pricing": simulate(case.inputs(), config).model_dump(mode="json")})
        except (PricingError, ValueError) as e:
            results.append({"error": str(e)})
    return {"results": results}
