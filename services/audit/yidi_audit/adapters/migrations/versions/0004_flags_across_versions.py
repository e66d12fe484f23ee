"""A flag follows its finding (claim, rule) across claim versions: why it was closed, and its claim's flags by index.

The review JSON keeps the rest (setl_id, system steps with from/to versions); older reviews read with
their defaults. Existing duplicate flags of one finding are left as stored: the next version of the claim
carries one of them and closes the undecided others, and a second confirmation is refused.

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE flags ADD COLUMN closed_reason text")
    op.execute("CREATE INDEX flags_by_claim ON flags (claim_id, rule_id)")


def downgrade() -> None:
    op.execute("DROP INDEX flags_by_claim")
    op.execute("ALTER TABLE flags DROP COLUMN closed_reason")
