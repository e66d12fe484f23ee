"""The indicators read model (cases, flags, annual clearings), stored reports and objections.

Revision ID: 0002
"""
from alembic import op

from yidi_reports.adapters.schema import OWN_STATE_DDL, READ_MODEL_DDL

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for ddl in READ_MODEL_DDL + OWN_STATE_DDL:
        op.execute(ddl)
