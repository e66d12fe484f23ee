"""Final rates per pool, as clearing publishes them after annual clearing.

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
        """CREATE TABLE final_rates (
            pool text PRIMARY KEY,
            region text NOT NULL,
            year int NOT NULL,
            final_rate numeric,
            fund_due_final numeric(18,2) NOT NULL,
            residue numeric(18,2) NOT NULL,
            reserve numeric(18,2) NOT NULL)"""
    )
