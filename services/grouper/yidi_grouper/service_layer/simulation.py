"""模拟测算 (seed 000 二(二)): group and price lists as the chain would, nothing kept or emitted.

Grouping is the grouper's own (QC + DRG/DIP under the configuration in force); pricing stays the pricing
service's: it is asked over its HTTP API (`POST /v1/price/batch`, pure), so neither service imports the
other's code and the amounts are exactly those the chain would pay.
"""
from __future__ import annotations

from typing import Protocol

from yidi_common.settlement_list import SettlementList
from yidi_common.unit_of_work import Transaction

from ..domain.simulation import SimulatedCase
from .grouping import Grouper
from .repository import ClaimsRepository


class PricingUnavailable(Exception):
    """The pricing service did not answer (or answered unexpectedly)."""


class Pricer(Protocol):
    async def price(self, cases: list[dict]) -> list[dict]:
        """Each {"settlement_list", "grouping"} (the grouper's whole outcome, so DIP category and severity are
        priced as in the chain) priced in order: {"pricing": …} or {"error": …}. Raises PricingUnavailable."""


async def simulate_lists(grouper: Grouper, pricer: Pricer, lists: list[SettlementList],
                         stored: list[tuple[str, int]] | None = None) -> list[SimulatedCase]:
    """QC, group and price each list; stored: the (claim_id, version) each list was read from."""
    checked = []
    for sl in lists:
        problems = [p.model_dump() for p in grouper.quality_problems(sl)]
        checked.append((sl, problems, grouper.group(sl)))
    to_price = [(index, sl, grouping) for index, (sl, problems, grouping) in enumerate(checked) if not problems]
    answers = await pricer.price([{
        "settlement_list": sl.model_dump(mode="json"), "grouping": grouping.model_dump(mode="json"),
    } for _, sl, grouping in to_price]) if to_price else []
    priced = {index: answer for (index, _, _), answer in zip(to_price, answers, strict=True)}
    cases = []
    for index, (sl, problems, grouping) in enumerate(checked):
        info, answer = sl.setlinfo, priced.get(index, {})
        claim_id, version = stored[index] if stored else (None, None)
        cases.append(SimulatedCase(
            setl_id=info.setl_id, hospital_code=info.fixmedins_code, treat_admdvs=info.treat_admdvs,
            insu_admdvs=info.insu_admdvs, setl_period=info.setl_period, total_cost=sl.total_cost,
            problems=problems, grouping=grouping.model_dump(mode="json"), pricing=answer.get("pricing"),
            pricing_error=answer.get("error"), claim_id=claim_id, version=version,
        ))
    return cases


async def stored_lists(tx: Transaction[ClaimsRepository], *, hospital_code: str, period: str, region: str | None,
                       limit: int) -> list[tuple[str, int, dict]]:
    """The current version of each of a hospital's lists of a period (yyyy-mm or yyyy), as posted."""
    rows = await tx.repo.current_lists(hospital_code=hospital_code, period=period, region=region, limit=limit)
    return [(row["claim_id"], row["version"], row["settlement_list"]) for row in rows]
