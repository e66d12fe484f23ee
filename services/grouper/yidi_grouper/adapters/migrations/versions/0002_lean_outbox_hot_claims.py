"""Outbox rows are deleted once published, and stay inline and uncompressed.

Claims: the (hospital, stage) index goes (hospital lookups use the unique (hospital, setl_id)
index), so stage advances are HOT updates with room left on each page; stored list bodies
are compressed with lz4 where the server has it (pglz cost ~5x more per list).

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from yidi_common.db import LZ4_IF_AVAILABLE
from yidi_common.messaging import OUTBOX_REVISION_2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for ddl in OUTBOX_REVISION_2:
        op.execute(ddl)
    op.execute("DROP INDEX IF EXISTS claims_by_hospital_stage")
    op.execute("ALTER TABLE claims SET (fillfactor = 70)")
    op.execute(LZ4_IF_AVAILABLE.format(table="settlement_lists", column="body"))
