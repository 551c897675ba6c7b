"""Closings as HOT updates: fillfactor 90, and replaced_in found by a block-range index.

Revision ID: 0011_hot_closing
Revises: 0010_table_titles
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0011_hot_closing"
down_revision = "0010_table_titles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0011_hot_closing.sql"))
