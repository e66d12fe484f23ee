"""AUD-DIP-SCORE-DRIFT reads counts, not cases: each batch checked every hospital its DIP claims came from by
reading that hospital's cases of the period and the prior year, so a batch cost grew with the year's volume
(at a province's 5,000 cases a hospital a year, thousands of rows per hospital per batch). dip_mix counts the
stored DIP claims (latest versions) by reviewing region, hospital, month of discharge (China time), principal
diagnosis and type; the audit keeps it as it stores claims, in the same transaction. Filled here from the
claims stored so far.

Revision ID: 0007
Revises: 0006
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """CREATE TABLE dip_mix (
            region text NOT NULL,
            hospital_code text NOT NULL,
            month date NOT NULL,
            principal_diagnosis text NOT NULL,
            dip_type text NOT NULL,
            score numeric NOT NULL,
            cases int NOT NULL,
            PRIMARY KEY (region, hospital_code, month, principal_diagnosis, dip_type, score))"""
    )
    op.execute(
        "INSERT INTO dip_mix SELECT COALESCE(pool_admdvs, treat_admdvs), hospital_code, "
        "CAST(date_trunc('month', dscg_time AT TIME ZONE 'Asia/Shanghai') AS date), facts->>'principal_diagnosis', "
        "facts->>'dip_type', CAST(facts->>'dip_score' AS numeric), count(*) FROM audit_claims "
        "WHERE facts->>'payment_method' = 'DIP' AND facts->>'dip_type' IS NOT NULL AND facts->>'dip_score' IS NOT NULL "
        "GROUP BY 1, 2, 3, 4, 5, 6"
    )


def downgrade() -> None:
    op.execute("DROP TABLE dip_mix")
