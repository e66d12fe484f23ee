"""Budget execution for treatment-region pools and insured regions' cross-region budgets, and alerts."""
from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from fastapi import APIRouter, Depends, Path, Request

from yidi_common.auth import Principal, Role, authorize, forbid_out_of_scope

from yidi_common.config_api import configured_region_year
from yidi_common.unit_of_work import transaction

from ..adapters.budget_repository import PostgresBudgetRepository
from ..service_layer import budgets

router = APIRouter(tags=["budgets"])


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


@router.get("/v1/pools/{region}/{year}", summary="Each pool's budget, distributable amount, rates and consumption")
async def pools(request: Request, region: str = Path(pattern=r"^\d{6}$"), year: int = Path(ge=2000, le=2100),
                caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> dict:
    """A bureau sees its own region's pools (as treatment region)."""
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s pools")
    region_year = configured_region_year(request, region, year)
    async with transaction(request.app.state.runtime.engine, PostgresBudgetRepository) as tx:
        views = await budgets.pool_views(tx, region_year)
    return {"region": region, "year": year, "scheme": region_year.scheme.value, "pools": [{
        "pool": view.label, "budget_source": view.config.budget_source.value, "budget": _text(view.status.budget),
        "distributable": _text(view.status.distributable), "risk_reserve": _text(view.status.reserve),
        "provisional_rate": str(view.config.provisional_rate),
        "final_rate": _text(view.cleared.final_rate) if view.cleared else None,
        "fund_due_final": _text(view.cleared.fund_due_final) if view.cleared else None,
        "reserve_after_clearing": _text(view.cleared.reserve) if view.cleared else None,
        "clearing_total": _text(view.cleared.clearing_total) if view.cleared else None,
        "cases": view.status.cases, "fund_due": str(view.status.consumed), "execution": _text(view.status.execution),
        **_basis(view.status),
    } for view in views]}


def _basis(status: budgets.BudgetStatus) -> dict:
    """What alerts measure consumption against, or why there are none."""
    return {"alert_basis": status.basis_kind and status.basis_kind.value, "alert_basis_amount": _text(status.basis),
            "no_alert_reason": status.no_alert_reason}


@router.get("/v1/insured-budgets/{region}/{year}", summary="An insured region's cross-region budget execution")
async def insured(request: Request, region: str = Path(pattern=r"^\d{6}$"), year: int = Path(ge=2000, le=2100),
                  caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST))) -> dict:
    """A bureau sees its own region's budget as insured region."""
    forbid_out_of_scope(caller.sees_region(region), f"region {region}'s insured budget")
    async with transaction(request.app.state.runtime.engine, PostgresBudgetRepository) as tx:
        status = await budgets.insured_view(tx, request.app.state.config.current, region, year)
    return {"region": region, "year": year, "budget": _text(status.budget), "cases": status.cases,
            "fund_payments": str(status.consumed), "execution": _text(status.execution), **_basis(status)}


@router.get("/v1/alerts", summary="Budget alerts raised, by region and level")
async def alerts(request: Request, region: str | None = None, level: str | None = None,
                 caller: Principal = Depends(authorize(Role.BUREAU, Role.PROVINCE, Role.ANALYST, Role.OPS))) -> dict:
    """A bureau sees the alerts of its own region (its pools, its insured budget)."""
    if caller.role is Role.BUREAU:
        forbid_out_of_scope(region in (None, caller.region), f"region {region}'s alerts")
        region = caller.region
    async with transaction(request.app.state.runtime.engine, PostgresBudgetRepository) as tx:
        raised = await budgets.alerts(tx, region, level)
    return {"alerts": [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(alert).items()}
                       for alert in raised]}
