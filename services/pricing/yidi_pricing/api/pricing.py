"""Hospitals' simulation (模拟测算) and the configuration bureaus and hospitals price by."""
from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from yidi_common.events.v1 import PricingOutcome
from yidi_common.regional_config import ConfigError
from yidi_common.settlement_list import SettlementList

from ..domain.inputs import CaseInputs, GroupingStatus
from ..domain.pricing import PricingError, price_case
from ..adapters.mapping import pricing_outcome

router = APIRouter(tags=["pricing"])


class PriceRequest(BaseModel):
    settlement_list: SettlementList
    grouping_status: Literal["grouped", "ambiguous", "ungroupable"] = "grouped"
    group_code: str | None = None  # the DRG code, or the DIP type code in a DIP region


@router.post("/v1/price", summary="Price a list without keeping anything (simulation)")
async def price(body: PriceRequest, request: Request) -> PricingOutcome:
    config = request.app.state.config.current
    try:
        inputs = CaseInputs.from_settlement_list(body.settlement_list, GroupingStatus(body.grouping_status), body.group_code)
        return pricing_outcome(price_case(inputs, config), config)
    except (PricingError, ValueError) as e:
        raise HTTPException(422, detail={"title": "cannot price this list", "message": str(e)}) from None


@router.get("/v1/config", summary="The configuration in force: version, regions, pools")
async def config_summary(request: Request) -> dict:
    cfg = request.app.state.config.current
    return {
        "province": cfg.province,
        "version": cfg.version,
        "effective_date": cfg.effective_date,
        "hospitals": len(cfg.hospitals),
        "regions": [
            {"region": ry.region, "name": ry.name, "year": ry.year, "scheme": ry.scheme.value,
             "scheme_version": ry.scheme_version,
             "pools": [{"pool": label, "provisional_rate": str(p.provisional_rate),
                        "budget": str(p.budget) if p.budget is not None else p.budget_source.value}
                       for label, p in ry.pools.items()]}
            for ry in cfg.region_years.values()
        ],
    }


@router.post("/v1/config/reload", summary="Load the configuration directory anew, if it validates")
async def reload_config(request: Request) -> dict:
    try:
        cfg = request.app.state.config.reload()
    except ConfigError as e:
        raise HTTPException(422, detail={"title": "configuration rejected; the previous one stays", "message": str(e)}) from None
    return {"version": cfg.version}
