"""Sessions keep the provider's refresh token and when their access token expires, to refresh it first.

Revision ID: 0003
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE sessions ADD COLUMN IF NOT EXISTS refresh_token text, "
               "ADD COLUMN IF NOT EXISTS access_expires_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE sessions DROP COLUMN refresh_token, DROP COLUMN access_expires_at")
