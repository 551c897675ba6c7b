"""A block-range (BRIN) index for reads of one line and period across places: a county map.

Revision ID: 0004_map_index
Revises: 0003_every_dataset
"""

from alembic import op

from macro_assets.warehouse.schema import migration_sql

revision = "0004_map_index"
down_revision = "0003_every_dataset"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(migration_sql("0004_map_index.sql"))
