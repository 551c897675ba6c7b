"""The baseline: the tables schema.sql created before migrations.

Written with IF NOT EXISTS, so a warehouse that schema.sql made (no version table) goes through
it unchanged and is then at this revision.

Revision ID: 0001_baseline
Revises:
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0001_baseline.sql"))
