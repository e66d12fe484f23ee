"""Ledger reads for bureaus: trial balance, account balances, one claim's journal, a year's close check."""
from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Path, Request

from ..adapters.repository import PostgresClearingRepository
from ..service_layer.year_close import check_year

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])


@router.get("/trial-balance", summary="Σ debits, Σ credits and their difference over the whole ledger")
async def trial_balance(request: Request) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        tb = await PostgresClearingRepository(conn).trial_balance()
    return {k: (str(v) if k in ("debits", "credits", "difference") else v) for k, v in tb.items()}


@router.get("/accounts", summary="Balances per account, derived from journal lines alone")
async def account_balances(request: Request, prefix: str | None = None, period: str | None = None,
                           kind: str | None = None) -> dict:
    """prefix: accounts starting so (e.g. `360100:`); kind: entries of that kind (`claim`, `clearing.monthly`…)."""
    async with request.app.state.runtime.engine.connect() as conn:
        rows = await PostgresClearingRepository(conn).balances(prefix, period, kind)
    return {"accounts": [{k: (str(v) if k != "account" else v) for k, v in r.items()} for r in rows]}


@router.get("/claims/{claim_id}", summary="The journal entries of one claim, reversals included")
async def claim_journal(claim_id: str, request: Request) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        entries = await PostgresClearingRepository(conn).claim_journal(claim_id)
    return {"claim_id": claim_id, "entries": entries}


@router.get("/close-check/{region}/{year}", summary="Whether a region's settlement year closes: each invariant, its figure")
async def close_check(request: Request, region: str = Path(pattern=r"^\d{6}$"),
                      year: int = Path(ge=2000, le=2100)) -> dict:
    """Each business invariant of a closed year (yidi_clearing.domain.close_check) with its figure,
    whether it holds and, when not, what breaks it."""
    async with request.app.state.runtime.engine.connect() as conn:
        invariants = await check_year(PostgresClearingRepository(conn), region, year)
    return {"region": region, "year": year, "closes": all(i.holds for i in invariants),
            "invariants": [asdict(i) for i in invariants]}
