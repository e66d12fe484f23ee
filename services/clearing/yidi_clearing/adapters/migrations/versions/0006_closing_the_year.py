"""Closing the year: numbered (supplementary) runs, each claim version settled once per stage,
deductions taken from the hospital and from the remittance separately, assessment results.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE clearing_runs ADD COLUMN seq int NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE clearing_runs DROP CONSTRAINT clearing_runs_pkey")
    op.execute("ALTER TABLE clearing_runs ADD PRIMARY KEY (kind, scope, period, seq)")
    op.execute(
        """CREATE TABLE claim_settlements (
            stage text NOT NULL,
            claim_id text NOT NULL,
            version int NOT NULL,
            run text NOT NULL,
            period text NOT NULL,
            hospital_code text NOT NULL,
            treat_admdvs text NOT NULL,
            insu_admdvs text NOT NULL,
            fund_due numeric(18,2) NOT NULL,
            per_item numeric(18,2) NOT NULL,
            provisional numeric(18,2) NOT NULL,
            settled_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (stage, claim_id, version))"""  # a version is settled once per stage
    )
    op.execute("CREATE INDEX claim_settlements_by_year ON claim_settlements (stage, left(period, 4), treat_admdvs)")
    op.execute("ALTER TABLE deductions ADD COLUMN cleared_in text")  # the cross-region / cross-province run
    op.execute(
        """CREATE TABLE assessments (
            region text NOT NULL,
            year int NOT NULL,
            hospital_code text NOT NULL,
            score numeric(5,2) NOT NULL CHECK (score BETWEEN 0 AND 100),
            source text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (region, year, hospital_code))"""
    )
