"""Priced claim versions, with the configuration version that priced them.

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
    op.execute(
        """CREATE TABLE priced_claims (
            claim_id text NOT NULL,
            version int NOT NULL,
            hospital_code text NOT NULL,
            period text NOT NULL,
            pool text,
            case_kind text NOT NULL,
            payment numeric(18,2) NOT NULL,
            fund_due numeric(18,2) NOT NULL,
            config_version text NOT NULL,
            pricing jsonb NOT NULL,
            priced_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (claim_id, version))"""
    )
