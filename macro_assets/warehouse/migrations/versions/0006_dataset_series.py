"""The series of datasets without lines, described for search (bea.dataset_series).

Revision ID: 0006_dataset_series
Revises: 0005_reader_role
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0006_dataset_series"
down_revision = "0005_reader_role"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0006_dataset_series.sql"))
