"""Outbox rows are deleted once published, and stay inline and uncompressed.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

from yidi_common.messaging import OUTBOX_REVISION_2

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for ddl in OUTBOX_REVISION_2:
        op.execute(ddl)
