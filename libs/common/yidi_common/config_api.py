"""`GET /v1/config` and `POST /v1/config/reload` for every service that prices, budgets or clears by it."""
from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from .auth import EVERYONE, Principal, Role, authorize

from .regional_config import ConfigError

router = APIRouter(tags=["configuration"])


def configured_region_year(request: Request, region: str, year: int):
    """The region-year of the configuration in force, or 404 when it has none."""
    try:
        return request.app.state.config.current.region_year(region, year)
    except KeyError as e:
        raise HTTPException(404, detail={"title": str(e.args[0])}) from None


@router.get("/v1/config", summary="The configuration in force: version, regions, pools")
async def config_summary(request: Request, _: Principal = Depends(authorize(*EVERYONE))) -> dict:
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
async def reload_config(request: Request, _: Principal = Depends(authorize(Role.OPS))) -> dict:
    try:
        cfg = request.app.state.config.reload()
    except ConfigError as e:
        raise HTTPException(422, detail={"title": "configuration rejected; the previous one stays", "message": str(e)}) from None
    return {"version": cfg.version}
