"""A subscription's batch size: how many events one webhook request may carry (1: one event per request).

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE subscriptions ADD COLUMN batch_size integer NOT NULL DEFAULT 1 "
               "CHECK (batch_size BETWEEN 1 AND 500)")


def downgrade() -> None:
    op.execute("ALTER TABLE subscriptions DROP COLUMN batch_size")
