"""特例单议: cases (one per claim version) and their append-only history; the claims' hospital, treatment
region and basic fund payment F as columns, for the quota's shares per hospital and period.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE audit_claims ADD COLUMN hospital_code text, ADD COLUMN treat_admdvs text, "
               "ADD COLUMN basic_fund numeric(18,2)")
    op.execute(
        "UPDATE audit_claims SET hospital_code = facts->>'hospital_code', treat_admdvs = facts->>'treat_admdvs', "
        "basic_fund = COALESCE(CAST(facts->'fund_payments'->>'310100' AS numeric), 0) "
        "+ COALESCE(CAST(facts->'fund_payments'->>'390100' AS numeric), 0)"
    )
    op.execute("CREATE INDEX audit_claims_by_hospital ON audit_claims (treat_admdvs, hospital_code, dscg_time)")
    op.execute(
        """CREATE TABLE special_cases (
            case_id text PRIMARY KEY,
            claim_id text NOT NULL,
            version int NOT NULL,
            hospital_code text NOT NULL,
            treat_admdvs text NOT NULL,
            insu_admdvs text NOT NULL,
            origin text NOT NULL,
            status text NOT NULL,
            period text NOT NULL,
            dscg_time timestamptz NOT NULL,
            basic_fund numeric(18,2) NOT NULL,
            applied_at timestamptz NOT NULL,
            body jsonb NOT NULL,
            UNIQUE (claim_id, version))"""
    )
    op.execute("CREATE INDEX special_cases_by_region ON special_cases (treat_admdvs, hospital_code, period, status)")
    op.execute("CREATE INDEX special_cases_by_insured_region ON special_cases (insu_admdvs)")
    op.execute(
        """CREATE TABLE special_case_history (
            case_id text NOT NULL REFERENCES special_cases (case_id),
            step int NOT NULL,
            action text NOT NULL,
            status text NOT NULL,
            by_subject text NOT NULL,
            by_role text NOT NULL,
            region text,
            at timestamptz NOT NULL,
            reasons jsonb NOT NULL,
            documents jsonb NOT NULL,
            PRIMARY KEY (case_id, step))"""
    )
    op.execute(
        """CREATE FUNCTION special_case_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'special-case history is append-only: % refused', TG_OP; END $$"""
    )
    op.execute("CREATE TRIGGER special_case_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
               "ON special_case_history FOR EACH STATEMENT EXECUTE FUNCTION special_case_history_append_only()")


def downgrade() -> None:
    op.execute("DROP TABLE special_case_history")
    op.execute("DROP FUNCTION special_case_history_append_only()")
    op.execute("DROP TABLE special_cases")
    op.execute("DROP INDEX audit_claims_by_hospital")
    op.execute("ALTER TABLE audit_claims DROP COLUMN hospital_code, DROP COLUMN treat_admdvs, DROP COLUMN basic_fund")
