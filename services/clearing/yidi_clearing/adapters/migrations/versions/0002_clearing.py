"""Priced cases as clearing needs them, clearing runs and their statements, confirmed deductions.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE clearing_cases (
            claim_id text PRIMARY KEY,
            version int NOT NULL,
            setl_id text NOT NULL,
            hospital_code text NOT NULL,
            treat_admdvs text NOT NULL,
            insu_admdvs text NOT NULL,
            insutype text NOT NULL,
            period text NOT NULL,
            year int NOT NULL,
            pool text,
            case_kind text NOT NULL,
            cross_province bool NOT NULL,
            total_cost numeric(18,2) NOT NULL,
            basic_fund numeric(18,2) NOT NULL,
            other_funds numeric(18,2) NOT NULL,
            payment numeric(18,2) NOT NULL,
            fund_due numeric(18,2) NOT NULL,
            payment_exact numeric)"""
    )
    op.execute("CREATE INDEX clearing_cases_by_region_year ON clearing_cases (treat_admdvs, year, period)")
    op.execute(
        """CREATE TABLE clearing_runs (
            kind text NOT NULL,
            scope text NOT NULL,
            period text NOT NULL,
            statement json NOT NULL,  -- json, not jsonb: statements keep their column order
            run_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (kind, scope, period))"""
    )
    op.execute(
        """CREATE TABLE deductions (
            flag_id text PRIMARY KEY,
            claim_id text NOT NULL,
            setl_id text NOT NULL,
            hospital_code text NOT NULL,
            treat_admdvs text NOT NULL,
            insu_admdvs text NOT NULL,
            amount numeric(18,2) NOT NULL,
            confirmed_at timestamptz NOT NULL,
            applied_in text)"""
    )
