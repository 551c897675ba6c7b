"""Find a release's started rows page by page: observations_published as a multi-value BRIN.

Revision ID: 0009_published_pages
Revises: 0008_series_metric
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0009_published_pages"
down_revision = "0008_series_metric"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0009_published_pages.sql"))
