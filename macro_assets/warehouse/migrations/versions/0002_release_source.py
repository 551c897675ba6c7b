"""bea.release_tables.source: 'bea' or 'sandbox', so a warehouse never mixes them (issue 19).

Revision ID: 0002_release_source
Revises: 0001_baseline
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0002_release_source"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0002_release_source.sql"))
