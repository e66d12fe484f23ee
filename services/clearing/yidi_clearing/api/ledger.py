"""Ledger reads for bureaus: trial balance, account balances, one claim's journal, a year's close check."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, HTTPException, Path, Request

from yidi_common.auth import BUREAUS, Principal, Role, authorize, forbid_out_of_scope

from ..adapters.repository import PostgresClearingRepository
from ..service_layer.year_close import check_year

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])


@router.get("/trial-balance", summary="Σ debits, Σ credits and their difference over the whole ledger")
async def trial_balance(request: Request, _: Principal = Depends(authorize(Role.PROVINCE, Role.OPS))) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        tb = await PostgresClearingRepository(conn).trial_balance()
    return {k: (str(v) if k in ("debits", "credits", "difference") else v) for k, v in tb.items()}


@router.get("/accounts", summary="Balances per account, derived from journal lines alone")
async def account_balances(request: Request, prefix: str | None = None, period: str | None = None,
                           kind: str | None = None,
                           caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> dict:
    """prefix: accounts starting so (e.g. `360100:`); kind: entries of that kind (`claim`, `clearing.monthly`…).
    A bureau sees its own region's book only."""
    if not caller.province_wide:
        own = f"{caller.region}:"
        forbid_out_of_scope(prefix is None or prefix.startswith(own), f"accounts {prefix}*")
        prefix = prefix or own
    async with request.app.state.runtime.engine.connect() as conn:
        rows = await PostgresClearingRepository(conn).balances(prefix, period, kind)
    return {"accounts": [{k: (str(v) if k != "account" else v) for k, v in r.items()} for r in rows]}


@router.get("/claims/{claim_id}", summary="The journal entries of one claim, reversals included")
async def claim_journal(claim_id: str, request: Request,
                        caller: Principal = Depends(authorize(*BUREAUS, Role.HOSPITAL, Role.ANALYST))) -> dict:
    """A bureau sees a claim its region treats or insures, a hospital its own."""
    async with request.app.state.runtime.engine.connect() as conn:
        repo = PostgresClearingRepository(conn)
        scope = await repo.claim_scope(claim_id)
        if not caller.province_wide and (scope is None or not caller.sees(
                treatment_region=scope[0], insured_region=scope[1], hospital_code=scope[2])):
            raise HTTPException(404, detail={"title": "no such claim in your scope", "claim_id": claim_id})
        entries = await repo.claim_journal(claim_id)
    return {"claim_id": claim_id, "entries": entries}


@router.get("/close-check/{region}/{year}", summary="Whether a region's settlement year closes: each invariant, its figure")
async def close_check(request: Request, region: str = Path(pattern=r"^\d{6}$"),
                      year: int = Path(ge=2000, le=2100),
                      caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> dict:
    """Each business invariant of a closed year (yidi_clearing.domain.close_check) with its figure,
    whether it holds and, when not, what breaks it."""
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s books")
    async with request.app.state.runtime.engine.connect() as conn:
        invariants = await check_year(PostgresClearingRepository(conn), region, year)
    return {"region": region, "year": year, "closes": all(i.holds for i in invariants),
            "invariants": [asdict(i) for i in invariants]}

