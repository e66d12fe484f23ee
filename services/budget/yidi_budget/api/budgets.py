"""Budget execution for treatment-region pools and insured regions' cross-region budgets."""
from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Request

from yidi_common.config_api import configured_region_year

from ..adapters import budget_repository as repo

router = APIRouter(tags=["budgets"])


@router.get("/v1/pools/{region}/{year}", summary="Each pool's budget, distributable amount, rates and consumption")
async def pools(region: str, year: int, request: Request) -> dict:
    ry = configured_region_year(request, region, year)
    async with request.app.state.runtime.engine.connect() as conn:
        used = {r["budget_key"]: r for r in await repo.consumption_rows(conn, "pool", region, year)}
        final = await repo.final_rates(conn, region, year)
    out = []
    for label, pool in ry.pools.items():
        row = used.get(label, {})
        budget = pool.budget_for(row.get("basic_fund", Decimal("0.00")))
        distributable = ry.policy.distributable(budget)
        consumed = row.get("consumed", Decimal("0.00"))
        cleared = final.get(label, {})
        out.append({
            "pool": label, "budget_source": pool.budget_source.value, "budget": str(budget),
            "distributable": str(distributable), "risk_reserve": str(budget - distributable),
            "provisional_rate": str(pool.provisional_rate),
            "final_rate": str(cleared["final_rate"]) if cleared.get("final_rate") is not None else None,
            "fund_due_final": str(cleared["fund_due_final"]) if cleared else None,
            "reserve_after_clearing": str(cleared["reserve"]) if cleared else None,
            "cases": row.get("cases", 0), "fund_due": str(consumed),
            "execution": str((consumed / budget).quantize(Decimal("0.0001"))) if budget else None,
        })
    return {"region": region, "year": year, "scheme": ry.scheme.value, "pools": out}


@router.get("/v1/insured-budgets/{region}/{year}", summary="An insured region's cross-region budget execution")
async def insured(region: str, year: int, request: Request) -> dict:
    config = request.app.state.config.current
    async with request.app.state.runtime.engine.connect() as conn:
        rows = await repo.consumption_rows(conn, "insured-cross-region", region, year)
    b = config.insured_budget(region, year)
    consumed = rows[0]["consumed"] if rows else Decimal("0.00")
    return {"region": region, "year": year, "budget": str(b.budget) if b else None, "cases": rows[0]["cases"] if rows else 0,
            "fund_payments": str(consumed),
            "execution": str((consumed / b.budget).quantize(Decimal("0.0001"))) if b and b.budget else None}


@router.get("/v1/alerts", summary="Budget alerts raised, by region and level")
async def alerts(request: Request, region: str | None = None, level: str | None = None) -> dict:
    async with request.app.state.runtime.engine.connect() as conn:
        rows = await repo.alerts(conn, region, level)
    return {"alerts": [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows]}
