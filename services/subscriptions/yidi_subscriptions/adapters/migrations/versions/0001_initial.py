"""The subscriptions service's messaging tables (inbox, outbox, dead letters).

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

