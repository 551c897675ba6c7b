"""What each line measures (metric_name) in bea.series, for search.

Revision ID: 0008_series_metric
Revises: 0007_release_indexes
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0008_series_metric"
down_revision = "0007_release_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0008_series_metric.sql"))
