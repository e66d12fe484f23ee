"""The claim timeline: a version's submission is read from its stored row, not kept twice; the stage
rows are keyed (claim, id), which the timeline reads by, instead of carrying a second index.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM claim_stages WHERE stage = 'submitted'")
    op.execute("ALTER TABLE claim_stages DROP CONSTRAINT claim_stages_pkey, ADD PRIMARY KEY (claim_id, id)")
    op.execute("DROP INDEX claim_stages_by_claim")
