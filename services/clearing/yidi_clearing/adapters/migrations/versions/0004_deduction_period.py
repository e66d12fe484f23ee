"""Deductions keep the period audit gave them (the month of confirmation in China time, or one set on
purpose) instead of clearing deriving it from confirmed_at in the database session's time zone.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE deductions ADD COLUMN period text")
    op.execute("UPDATE deductions SET period = to_char(confirmed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')")
    op.execute("ALTER TABLE deductions ALTER COLUMN period SET NOT NULL")
