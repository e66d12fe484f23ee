"""Budget's storage in PostgreSQL: contributions by claim version, running sums per budget, alerts,
final rates and clearing totals. Set-based: one statement per batch for each table a batch of claims changes."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from yidi_common.db import unnest_parameters

from ..domain.alerts import Alert
from ..domain.consumption import BudgetKind, BudgetRef, Contribution, Sums
from ..service_layer.repository import FinalRate, StoredAlert

CONTRIBUTION_COLUMNS = "claim_id, version, pool, insured_key, fund_due, basic_fund, cross_region_funds"
ALERT_COLUMNS = "budget_kind, budget_key, period, level, region, threshold, consumed, budget, raised_at, basis, basis_amount"
FINAL_RATE_COLUMNS = "pool, region, year, final_rate, fund_due_final, residue, reserve, overrun_paid"


class PostgresBudgetRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def contributions(self, claim_ids: list[str]) -> dict[str, Contribution]:
        rows = await self.conn.execute(
            text(f"SELECT {CONTRIBUTION_COLUMNS} FROM budget_claims WHERE claim_id = ANY(:claim_ids) "
                 "ORDER BY claim_id FOR UPDATE"),
            {"claim_ids": claim_ids},
        )
        return {row.claim_id: Contribution(*row) for row in rows}

    async def store_contributions(self, contributions: list[Contribution]) -> None:
        if not contributions:
            return
        await self.conn.execute(
            text(
                f"INSERT INTO budget_claims ({CONTRIBUTION_COLUMNS}) SELECT * FROM unnest("
                "CAST(:claim_ids AS text[]), CAST(:versions AS int[]), CAST(:pools AS text[]), "
                "CAST(:insured_keys AS text[]), CAST(:fund_dues AS numeric[]), CAST(:basic_funds AS numeric[]), "
                "CAST(:cross_region_funds AS numeric[])) "
                "ON CONFLICT (claim_id) DO UPDATE SET version = EXCLUDED.version, pool = EXCLUDED.pool, "
                "insured_key = EXCLUDED.insured_key, fund_due = EXCLUDED.fund_due, basic_fund = EXCLUDED.basic_fund, "
                "cross_region_funds = EXCLUDED.cross_region_funds"
            ),
            unnest_parameters(contributions, claim_ids="claim_id", versions="version", pools="pool",
                    insured_keys="insured_budget_key", fund_dues="fund_due", basic_funds="basic_fund",
                    cross_region_funds="cross_region_funds"),
        )

    async def add_to_sums(self, changes: Mapping[BudgetRef, Sums]) -> dict[BudgetRef, Sums]:
        if not changes:
            return {}
        refs = list(changes)
        rows = await self.conn.execute(
            text(
                "INSERT INTO consumption (budget_kind, budget_key, region, year, cases, consumed, basic_fund) "
                "SELECT * FROM unnest(CAST(:kinds AS text[]), CAST(:keys AS text[]), CAST(:regions AS text[]), "
                "CAST(:years AS int[]), CAST(:cases AS int[]), CAST(:consumed AS numeric[]), "
                "CAST(:basic_funds AS numeric[])) "
                "ON CONFLICT (budget_kind, budget_key) DO UPDATE SET "
                "cases = consumption.cases + EXCLUDED.cases, consumed = consumption.consumed + EXCLUDED.consumed, "
                "basic_fund = consumption.basic_fund + EXCLUDED.basic_fund "
                "RETURNING budget_kind, budget_key, cases, consumed, basic_fund"
            ),
            {"kinds": [ref.kind.value for ref in refs], "keys": [ref.key for ref in refs],
             "regions": [ref.region for ref in refs], "years": [ref.year for ref in refs],
             "cases": [changes[ref].cases for ref in refs], "consumed": [changes[ref].consumed for ref in refs],
             "basic_funds": [changes[ref].basic_fund for ref in refs]},
        )
        return {BudgetRef(BudgetKind(row.budget_kind), row.budget_key): Sums(row.cases, row.consumed, row.basic_fund)
                for row in rows}

    async def record_alert(self, alert: Alert) -> bool:
        ref = alert.budget_ref
        row = await self.conn.execute(
            text(
                "INSERT INTO alerts (budget_kind, budget_key, period, level, region, threshold, consumed, budget, "
                "basis, basis_amount) VALUES (:kind, :key, :period, :level, :region, :threshold, :consumed, :budget, "
                ":basis, :basis_amount) ON CONFLICT DO NOTHING RETURNING level"
            ),
            {"kind": ref.kind.value, "key": ref.key, "period": alert.period, "level": alert.level.value,
             "region": ref.region, "threshold": alert.threshold, "consumed": alert.consumed, "budget": alert.budget,
             "basis": alert.basis and alert.basis.value, "basis_amount": alert.basis_amount},
        )
        return row.first() is not None

    async def sums(self, kind: BudgetKind, region: str, year: int) -> dict[str, Sums]:
        rows = await self.conn.execute(
            text("SELECT budget_key, cases, consumed, basic_fund FROM consumption "
                 "WHERE budget_kind = :kind AND region = :region AND year = :year ORDER BY budget_key"),
            {"kind": kind.value, "region": region, "year": year},
        )
        return {row.budget_key: Sums(row.cases, row.consumed, row.basic_fund) for row in rows}

    async def alerts(self, region: str | None, level: str | None) -> list[StoredAlert]:
        rows = await self.conn.execute(
            text(
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE (CAST(:region AS text) IS NULL OR region = :region) "
                "AND (CAST(:level AS text) IS NULL OR level = :level) ORDER BY raised_at, budget_key"
            ),
            {"region": region, "level": level},
        )
        return [StoredAlert(*row) for row in rows]

    async def store_final_rates(self, rates: list[FinalRate]) -> None:
        if not rates:
            return
        await self.conn.execute(
            text(
                f"INSERT INTO final_rates ({FINAL_RATE_COLUMNS}) SELECT * FROM unnest(CAST(:pools AS text[]), "
                "CAST(:regions AS text[]), CAST(:years AS int[]), CAST(:final_rates AS numeric[]), "
                "CAST(:fund_dues_final AS numeric[]), CAST(:residues AS numeric[]), CAST(:reserves AS numeric[]), "
                "CAST(:overruns_paid AS numeric[])) "
                "ON CONFLICT (pool) DO UPDATE SET final_rate = EXCLUDED.final_rate, "
                "fund_due_final = EXCLUDED.fund_due_final, residue = EXCLUDED.residue, reserve = EXCLUDED.reserve, "
                "overrun_paid = EXCLUDED.overrun_paid"
            ),
            unnest_parameters(rates, pools="pool", regions="region", years="year", final_rates="final_rate",
                    fund_dues_final="fund_due_final", residues="residue", reserves="reserve",
                    overruns_paid="overrun_paid"),
        )

    async def final_rates(self, region: str, year: int) -> dict[str, FinalRate]:
        rows = await self.conn.execute(
            text(f"SELECT {FINAL_RATE_COLUMNS} FROM final_rates WHERE region = :region AND year = :year"),
            {"region": region, "year": year},
        )
        return {row.pool: FinalRate(*row) for row in rows}

    async def clearing_totals(self, region: str, years: list[int]) -> dict[str, Decimal]:
        rows = await self.conn.execute(
            text("SELECT pool, fund_due_final + overrun_paid AS total FROM final_rates "
                 "WHERE region = :region AND year = ANY(:years)"),
            {"region": region, "years": years},
        )
        return {row.pool: row.total for row in rows}
