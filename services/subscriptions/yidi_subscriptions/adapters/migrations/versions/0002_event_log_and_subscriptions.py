"""The event log (every published event, de-identified, with its position), subscriptions, their
secrets and their deliveries.

Revision ID: 0002
"""
from alembic import op

from yidi_common.messaging import OUTBOX_REVISION_2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for ddl in OUTBOX_REVISION_2:
        op.execute(ddl)
    op.execute("""CREATE TABLE event_log (
        position bigserial PRIMARY KEY,
        event_id text NOT NULL UNIQUE,
        type text NOT NULL,
        subject text NOT NULL,
        time timestamptz NOT NULL,
        regions text[] NOT NULL,
        hospital text,
        body bytea NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now())""")
    op.execute("CREATE INDEX event_log_regions ON event_log USING gin (regions)")
    op.execute("CREATE INDEX event_log_hospital ON event_log (hospital, position) WHERE hospital IS NOT NULL")
    op.execute("""CREATE TABLE subscriptions (
        id text PRIMARY KEY,
        owner_role text NOT NULL,
        owner_region text,
        owner_hospital text,
        created_by text NOT NULL,
        url text NOT NULL,
        types text[] NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
        scanned_to bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now())""")
    op.execute("""CREATE TABLE subscription_secrets (
        subscription_id text NOT NULL REFERENCES subscriptions ON DELETE CASCADE,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        PRIMARY KEY (subscription_id, secret))""")
    op.execute("""CREATE TABLE deliveries (
        id bigserial PRIMARY KEY,
        subscription_id text NOT NULL REFERENCES subscriptions ON DELETE CASCADE,
        position bigint NOT NULL REFERENCES event_log,
        ordering_key text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        leased_until timestamptz,
        last_status int,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz)""")
    # each (subscription, claim) queue: its oldest undelivered delivery goes first
    op.execute("CREATE INDEX deliveries_queue ON deliveries (subscription_id, ordering_key, id) WHERE status <> 'delivered'")
    op.execute("CREATE INDEX deliveries_listed ON deliveries (subscription_id, status, id)")
