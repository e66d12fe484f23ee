"""Budget consumption per pool and per insured region's cross-region budget, and the alerts raised.

Revision ID: 0001
"""
from alembic import op

from yidi_common.messaging import MESSAGING_DDL

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    for ddl in MESSAGING_DDL:
        op.execute(ddl)
    op.execute(
        """CREATE TABLE budget_claims (
            claim_id text PRIMARY KEY,
            version int NOT NULL,
            pool text,
            insured_key text,
            fund_due numeric(18,2) NOT NULL,
            basic_fund numeric(18,2) NOT NULL,
            cross_region_funds numeric(18,2) NOT NULL)"""
    )
    op.execute(
        """CREATE TABLE consumption (
            budget_kind text NOT NULL,
            budget_key text NOT NULL,
            region text NOT NULL,
            year int NOT NULL,
            cases int NOT NULL DEFAULT 0,
            consumed numeric(18,2) NOT NULL DEFAULT 0,
            basic_fund numeric(18,2) NOT NULL DEFAULT 0,
            PRIMARY KEY (budget_kind, budget_key))"""
    )
    op.execute(
        """CREATE TABLE alerts (
            budget_kind text NOT NULL,
            budget_key text NOT NULL,
            period text NOT NULL,
            level text NOT NULL,
            region text NOT NULL,
            threshold numeric NOT NULL,
            consumed numeric(18,2) NOT NULL,
            budget numeric(18,2) NOT NULL,
            raised_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (budget_kind, budget_key, period, level))"""
    )
