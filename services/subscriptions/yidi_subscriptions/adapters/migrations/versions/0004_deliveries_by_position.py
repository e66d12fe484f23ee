"""Deliveries by event position: pruning keeps every logged event a delivery still refers to.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX deliveries_position ON deliveries (position)")


def downgrade() -> None:
    op.execute("DROP INDEX deliveries_position")
