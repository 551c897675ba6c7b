"""BEA's title of each table in each release, for search.

Revision ID: 0010_table_titles
Revises: 0009_published_pages
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0010_table_titles"
down_revision = "0009_published_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0010_table_titles.sql"))
