"""Sign-in state: pending logins (PKCE verifier, nonce) and sessions (the user's access token, server side).

Revision ID: 0002
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
        CREATE TABLE login_attempts (
            state text PRIMARY KEY,
            code_verifier text NOT NULL,
            nonce text NOT NULL,
            return_to text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("""
        CREATE TABLE sessions (
            key_id text PRIMARY KEY,  -- sha256 of the session id the cookie carries
            access_token text NOT NULL,
            id_token text,
            user_name text NOT NULL,
            role text NOT NULL,
            region text,
            hospital text,
            csrf text NOT NULL,
            expires_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )""")
    op.execute("CREATE INDEX sessions_expiry ON sessions (expires_at)")


def downgrade() -> None:
    op.execute("DROP TABLE sessions")
    op.execute("DROP TABLE login_attempts")
