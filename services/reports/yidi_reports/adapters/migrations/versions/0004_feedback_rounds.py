"""Feedback items of the seed 004 二(四) rounds (mid-July, mid-December), with their answers and trail.

Revision ID: 0004
"""
from alembic import op

from yidi_reports.adapters.schema import OWN_STATE_DDL

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for ddl in OWN_STATE_DDL:
        if "feedback_items" in ddl:
            op.execute(ddl)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS feedback_items")
