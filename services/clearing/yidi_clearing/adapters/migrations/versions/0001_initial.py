"""Ledger (append-only, every entry balanced, enforced by the database) and cleared claims.

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
        """CREATE TABLE journal_entries (
            entry_id text PRIMARY KEY,
            kind text NOT NULL,
            period text NOT NULL,
            claim_id text,
            version int,
            posted_at timestamptz NOT NULL DEFAULT now())"""
    )
    op.execute("CREATE INDEX journal_entries_by_claim ON journal_entries (claim_id)")
    op.execute(
        """CREATE TABLE journal_lines (
            entry_id text NOT NULL REFERENCES journal_entries(entry_id),
            line_no int NOT NULL,
            account text NOT NULL,
            debit numeric(18,2) NOT NULL DEFAULT 0 CHECK (debit >= 0),
            credit numeric(18,2) NOT NULL DEFAULT 0 CHECK (credit >= 0),
            CHECK (debit = 0 OR credit = 0),
            PRIMARY KEY (entry_id, line_no))"""
    )
    op.execute("CREATE INDEX journal_lines_by_account ON journal_lines (account)")
    op.execute(
        """CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME; END $$"""
    )
    for table in ("journal_entries", "journal_lines"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
        )
    op.execute(
        """CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE diff numeric;
        BEGIN
          SELECT coalesce(sum(debit - credit), 0) INTO diff FROM journal_lines WHERE entry_id = NEW.entry_id;
          IF diff <> 0 THEN
            RAISE EXCEPTION 'journal entry % does not balance (debits - credits = %)', NEW.entry_id, diff;
          END IF;
          RETURN NULL;
        END $$"""
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER journal_entry_balanced AFTER INSERT ON journal_entries "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()"
    )
    op.execute(
        """CREATE TABLE cleared_claims (
            claim_id text PRIMARY KEY,
            version int NOT NULL,
            entry_id text NOT NULL)"""
    )
