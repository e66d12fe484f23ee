"""Deliveries are a queue: each row is inserted, leased and marked delivered within seconds, so dead versions
pile up in its indexes far faster than autovacuum's defaults (20 % of the table) clean them, and every lease
walked them (under load, 20,000 buffers a subscription to find 19 due deliveries). Vacuumed and analyzed
after every 5,000 changed rows instead, without cost-based pauses; pages keep room for the lease's update
to stay on the page (HOT, no new index entries). deliveries_pending goes: deliveries_listed (subscription,
status, id) walks the same rows in the same order, and is the one the planner picks.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DROP INDEX deliveries_pending")
    op.execute(
        "ALTER TABLE deliveries SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0, "
        "autovacuum_vacuum_threshold = 5000, autovacuum_analyze_scale_factor = 0, "
        "autovacuum_analyze_threshold = 5000, autovacuum_vacuum_cost_delay = 0)"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE deliveries RESET (fillfactor, autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold, "
        "autovacuum_analyze_scale_factor, autovacuum_analyze_threshold, autovacuum_vacuum_cost_delay)"
    )
    op.execute("CREATE INDEX deliveries_pending ON deliveries (subscription_id, id) WHERE status = 'pending'")
