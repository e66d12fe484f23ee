"""The close check of a region's year (domain/close_check.py) over what clearing stored."""
from __future__ import annotations

from ..domain.close_check import Invariant, YearData, close_check
from ..domain.settlement import Stage
from .repository import ClearingRepository


async def check_year(repo: ClearingRepository, region: str, year: int) -> list[Invariant]:
    deductions = await repo.deductions(treatment_region=region, year=year)
    unapplied = {d.flag_id for d in await repo.deductions(treatment_region=region, year=year, unapplied="settlement")}
    uncleared = {d.flag_id for d in await repo.deductions(treatment_region=region, year=year, unapplied="clearing")}
    prepayment = await repo.stored_runs("prepayment", region, str(year))
    province = await repo.account_balances("province:", year)
    data = YearData(
        region=region, year=year,
        cases=await repo.cases(treatment_region=region, year=year),
        settlements={stage: await repo.settlements_of(stage, treatment_region=region, year=year) for stage in Stage},
        deductions=deductions,
        applied={d.flag_id for d in deductions} - unapplied,
        cleared={d.flag_id for d in deductions} - uncleared,
        annual=await repo.stored_runs("annual", region, str(year)),
        monthly=await repo.statements("monthly", region, year),
        prepayment=prepayment[0] if prepayment else None,
        region_accounts=await repo.account_balances(f"{region}:", year),
        province_accounts={a: b for a, b in province.items() if a.endswith(f":{region}")},
    )
    return close_check(data)
