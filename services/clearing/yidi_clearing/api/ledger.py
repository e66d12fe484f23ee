"""Ledger reads for bureaus: trial balance, account balances, one claim's journal."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ..adapters.repository import PostgresClearingRepository

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
