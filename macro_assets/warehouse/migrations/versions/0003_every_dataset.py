"""Every BEA dataset in one observation model: series_id and dimensions, the key by series.

Revision ID: 0003_every_dataset
Revises: 0002_release_source
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0003_every_dataset"
down_revision = "0002_release_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0003_every_dataset.sql"))
