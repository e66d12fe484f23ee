"""Hospitals pre-check a list (模拟测算, seed 000 二(二)): QC and grouping, nothing kept. Any role may."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from yidi_common.auth import EVERYONE, Principal, authorize
from yidi_common.settlement_list import SettlementList

from ..service_layer.grouping import qc_and_group

router = APIRouter(tags=["simulation (HIS)"])


@router.post("/v1/group", summary="Quality-check and group a list without keeping it")
async def simulate(sl: SettlementList, request: Request, _: Principal = Depends(authorize(*EVERYONE))) -> dict:
    problems, grouping = qc_and_group(request.app.state.grouping_engine, sl)
    return {
        "qc": {"passed": not problems, "problems": [p.model_dump() for p in problems]},
        "grouping": grouping.model_dump(mode="json"),
    }
