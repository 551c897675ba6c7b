"""Alembic's environment: always given an open connection by ``macro_assets.warehouse.schema``
(inside its transaction, under its advisory lock); there is no URL of its own to read."""

from alembic import context

from macro_assets.warehouse.schema import VERSION_SCHEMA, VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    version_table=VERSION_TABLE,
    version_table_schema=VERSION_SCHEMA,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
