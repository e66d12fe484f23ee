"""Clearing cases keep the claim's scope as the grouper decided it (ClaimFacts.scope); rows stored before
are backfilled from their columns by the rule of yidi_common.claims.claim_scope.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE clearing_cases ADD COLUMN scope text")
    op.execute(
        "UPDATE clearing_cases SET scope = CASE WHEN cross_province THEN 'cross-province' "
        "WHEN insu_admdvs = treat_admdvs THEN 'local' ELSE 'cross-region' END"
    )
    op.execute("ALTER TABLE clearing_cases ALTER COLUMN scope SET NOT NULL")
