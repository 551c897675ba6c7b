"""The read-only role the analysts' read API works as (bea_reader).

Revision ID: 0005_reader_role
Revises: 0004_map_index
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0005_reader_role"
down_revision = "0004_map_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0005_reader_role.sql"))
