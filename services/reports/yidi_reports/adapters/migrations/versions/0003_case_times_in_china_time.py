"""Case admission and discharge times as China Standard Time without an offset, as the lists carry them.

Revision ID: 0003
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a database made by the first 0002 holds them as timestamptz; one made since, as timestamp already
    op.execute("""
        DO $$ BEGIN
            IF (SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()
                AND table_name = 'cases' AND column_name = 'adm_time') = 'timestamp with time zone' THEN
                ALTER TABLE cases
                    ALTER COLUMN adm_time TYPE timestamp USING adm_time AT TIME ZONE 'Asia/Shanghai',
                    ALTER COLUMN dscg_time TYPE timestamp USING dscg_time AT TIME ZONE 'Asia/Shanghai';
            END IF;
        END $$""")
