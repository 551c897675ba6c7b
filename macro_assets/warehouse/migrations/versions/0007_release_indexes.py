"""Indexes for what a release started and ended: release diffs and summaries.

Revision ID: 0007_release_indexes
Revises: 0006_dataset_series
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0007_release_indexes"
down_revision = "0006_dataset_series"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0007_release_indexes.sql"))
