"""Audit's own store: claim history per person, flags with their review trail, assistance requests.

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
        """CREATE TABLE audit_claims (
            claim_id text PRIMARY KEY,
            version int NOT NULL,
            psn_no text NOT NULL,
            adm_time timestamptz NOT NULL,
            dscg_time timestamptz NOT NULL,
            facts bytea NOT NULL)"""
    )
    op.execute("CREATE INDEX audit_claims_by_person ON audit_claims (psn_no)")
    op.execute(
        """CREATE TABLE flags (
            flag_id text PRIMARY KEY,
            rule_id text NOT NULL,
            claim_id text NOT NULL,
            version int NOT NULL,
            hospital_code text NOT NULL,
            treat_admdvs text NOT NULL,
            insu_admdvs text NOT NULL,
            status text NOT NULL,
            suspected_amount numeric(18,2) NOT NULL,
            severity text NOT NULL,
            evidence jsonb NOT NULL,
            review bytea NOT NULL,
            raised_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now())"""
    )
    op.execute("CREATE INDEX flags_by_region ON flags (treat_admdvs, insu_admdvs, status)")
    op.execute(
        """CREATE TABLE assistance_requests (
            request_id text PRIMARY KEY,
            claim_id text NOT NULL,
            treat_admdvs text NOT NULL,
            insu_admdvs text NOT NULL,
            status text NOT NULL,
            deadline timestamptz NOT NULL,
            body bytea NOT NULL)"""
    )
