"""Each subscription's pending deliveries in id order, for the lease: walking the primary key instead
passed every delivered row before the first pending one, each round (PostgreSQL's CPU grew with the table).

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE INDEX deliveries_pending ON deliveries (subscription_id, id) WHERE status = 'pending'")


def downgrade() -> None:
    op.execute("DROP INDEX deliveries_pending")
