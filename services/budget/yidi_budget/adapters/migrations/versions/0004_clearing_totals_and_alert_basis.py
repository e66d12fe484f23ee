"""Each pool's clearing total per year (fund_due_final + overrun_paid, read by later years' history
budgets and prior-year alert estimates), and the basis each alert was measured against.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE final_rates ADD COLUMN overrun_paid numeric(18,2) NOT NULL DEFAULT 0")
    op.execute("CREATE INDEX final_rates_region_year ON final_rates (region, year)")
    op.execute("ALTER TABLE alerts ADD COLUMN basis text, ADD COLUMN basis_amount numeric(18,2)")
