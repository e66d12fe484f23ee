"""Claim facts, reviews and assistance requests as JSON (jsonb) instead of pickles.

Pickles tie stored history to the code's class layout and cannot be read by anyone else; JSON can
be queried by a bureau and survives refactoring. Existing rows are converted in place.

Revision ID: 0002
"""
import pickle

import sqlalchemy as sa
from alembic import op

from yidi_audit.adapters.records import to_json

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (("audit_claims", "claim_id", "facts"), ("flags", "flag_id", "review"), ("assistance_requests", "request_id", "body"))


def upgrade() -> None:
    bind = op.get_bind()
    for table, key, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ADD COLUMN {column}_json jsonb")
        for row_key, blob in bind.execute(sa.text(f"SELECT {key}, {column} FROM {table}")).all():
            bind.execute(sa.text(f"UPDATE {table} SET {column}_json = CAST(:j AS jsonb) WHERE {key} = :k"),
                         {"j": to_json(pickle.loads(blob)), "k": row_key})
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        op.execute(f"ALTER TABLE {table} RENAME COLUMN {column}_json TO {column}")
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL")


def downgrade() -> None:
    raise NotImplementedError("records stay JSON; restore a backup to go back to 0001")
