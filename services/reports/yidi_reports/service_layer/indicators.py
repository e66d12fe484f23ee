"""Indicator queries: load a cohort and its benchmarks through the repository, compute with domain.indicators."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

from yidi_common.unit_of_work import Transaction

from ..domain.indicators import (
    ORIGINS,
    Benchmark,
    Coverage,
    Indicators,
    coverage,
    group_benchmarks,
    indicators,
    readmitted,
    unit_indicators,
    with_norms,
)
from ..domain.periods import Period, month_range
from .repository import CaseQuery, ReportsRepository

NO_NORMS: Mapping[str, Benchmark] = MappingProxyType({})


async def indicator_rows(tx: Transaction[ReportsRepository], *, level: str, period: Period,
                         regions: tuple[str, ...] | None = None, hospital: str | None = None,
                         insured_region: str | None = None, norms: Mapping[str, Benchmark] = NO_NORMS) -> list[Indicators]:
    """Rows of `level` for the period; the consumption indices measure against the treatment regions'
    own cases of the period's year (all hospitals, both origins), or the configured group norms."""
    lists = await tx.repo.cases(CaseQuery(tuple(period.month_labels), regions, hospital, insured_region))
    if not lists:
        return []
    treated = tuple(sorted({c.treatment_region for c in lists}))
    year = await tx.repo.cases(CaseQuery(tuple(Period(period.year, 1, 12).month_labels), treated))
    priced = [c for c in lists if c.priced]
    stays = await tx.repo.stays({c.psn_no for c in priced}, set(treated))
    return indicators(lists, period=period.label, level=level,
                      benchmarks=with_norms(group_benchmarks(year), dict(norms), treated),
                      readmissions=readmitted(priced, stays))


async def series(tx: Transaction[ReportsRepository], *, region: str, hospital: str | None, metric: str,
                 first: str, last: str, norms: Mapping[str, Benchmark] = NO_NORMS) -> list[dict]:
    """Monthly points of one metric for a region (or a hospital of it), local and cross-region."""
    months = month_range(first, last)
    lists = await tx.repo.cases(CaseQuery(tuple(months), (region,), hospital))
    years = sorted({int(m[:4]) for m in months})
    benchmarks = {}
    for year in years:
        benchmarks.update(group_benchmarks(await tx.repo.cases(CaseQuery(tuple(Period(year, 1, 12).month_labels), (region,)))))
    benchmarks = with_norms(benchmarks, dict(norms), [region])
    priced = [c for c in lists if c.priced]
    readmissions = readmitted(priced, await tx.repo.stays({c.psn_no for c in priced}, {region}))
    by_month: dict[tuple[str, str], list] = defaultdict(list)
    for case in lists:
        by_month[(case.period, case.origin)].append(case)
    points = []
    for month in months:
        for origin in ORIGINS:
            rows = by_month.get((month, origin), [])
            figures = unit_indicators(rows, period=month, level="hospital" if hospital else "region", region=region,
                                      origin=origin, hospital=hospital, benchmarks=benchmarks, readmissions=readmissions)
            value: Decimal | None = getattr(figures, metric)
            points.append({"period": month, "origin": origin, "value": value, "cases": figures.cases})
    return points


async def coverage_of(tx: Transaction[ReportsRepository], *, region: str, year: int, configured_regions: set[str],
                      known_regions: set[str]) -> Coverage:
    months = tuple(Period(year, 1, 12).month_labels)
    lists = await tx.repo.cases(CaseQuery(months, None if region == "all" else (region,)))
    return coverage(lists, region=region, year=year, configured_regions=configured_regions, known_regions=known_regions)
