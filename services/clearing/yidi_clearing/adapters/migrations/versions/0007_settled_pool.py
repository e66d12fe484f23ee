"""The pool an annual settlement cleared a claim version in, so an adjustment moving the claim to another
pool takes its FundDue out of the right one.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE claim_settlements ADD COLUMN pool text")
