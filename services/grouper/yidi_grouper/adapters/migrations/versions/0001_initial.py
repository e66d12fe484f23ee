"""Intake and grouping state: settlement list versions, claim status, stage timeline.

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
        """CREATE TABLE settlement_lists (
            claim_id text NOT NULL,
            version int NOT NULL,
            hospital_code text NOT NULL,
            setl_id text NOT NULL,
            content_hash text NOT NULL,
            body jsonb NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (claim_id, version),
            UNIQUE (hospital_code, setl_id, version))"""
    )
    op.execute(
        """CREATE TABLE claims (
            claim_id text PRIMARY KEY,
            hospital_code text NOT NULL,
            setl_id text NOT NULL,
            treat_admdvs text NOT NULL,
            insu_admdvs text NOT NULL,
            setl_period text NOT NULL,
            current_version int NOT NULL,
            stage text NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (hospital_code, setl_id))"""
    )
    op.execute("CREATE INDEX claims_by_hospital_stage ON claims (hospital_code, stage)")
    op.execute(
        """CREATE TABLE claim_stages (
            id bigserial PRIMARY KEY,
            claim_id text NOT NULL,
            version int NOT NULL,
            stage text NOT NULL,
            event_id text NOT NULL UNIQUE,
            result jsonb NOT NULL,
            at timestamptz NOT NULL DEFAULT now())"""
    )
    op.execute("CREATE INDEX claim_stages_by_claim ON claim_stages (claim_id, id)")
