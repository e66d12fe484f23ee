"""省本级: the pool region of a claim priced and cleared outside its treatment region (seed 000 二(一)) beside
claims, flags and special cases, so its bureau reads and reviews them; quota and the quarterly list count a
claim in the region that reviews it (the pool region, else the treatment region).

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE audit_claims ADD COLUMN pool_admdvs text")
    op.execute("ALTER TABLE flags ADD COLUMN pool_admdvs text")
    op.execute("ALTER TABLE special_cases ADD COLUMN pool_admdvs text")
    op.execute("UPDATE audit_claims SET pool_admdvs = facts->>'pool_region' WHERE facts->>'pool_region' IS NOT NULL")
    op.execute("UPDATE flags SET pool_admdvs = review->>'pool_region' WHERE review->>'pool_region' IS NOT NULL")
    op.execute("UPDATE special_cases SET pool_admdvs = body->'claim'->>'pool_region' "
               "WHERE body->'claim'->>'pool_region' IS NOT NULL")
    op.execute("CREATE INDEX audit_claims_by_reviewing_region ON audit_claims "
               "((COALESCE(pool_admdvs, treat_admdvs)), hospital_code, dscg_time)")
    op.execute("CREATE INDEX special_cases_by_reviewing_region ON special_cases "
               "((COALESCE(pool_admdvs, treat_admdvs)), hospital_code, dscg_time)")
    op.execute("CREATE INDEX flags_by_pool_region ON flags (pool_admdvs) WHERE pool_admdvs IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX flags_by_pool_region")
    op.execute("DROP INDEX special_cases_by_reviewing_region")
    op.execute("DROP INDEX audit_claims_by_reviewing_region")
    op.execute("ALTER TABLE special_cases DROP COLUMN pool_admdvs")
    op.execute("ALTER TABLE flags DROP COLUMN pool_admdvs")
    op.execute("ALTER TABLE audit_claims DROP COLUMN pool_admdvs")
