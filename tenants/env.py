"""Alembic environment for tenant schemas: always run by bbp.tenancy.migrate on one schema."""

from alembic import context

import bbp.models  # noqa: F401  (registers every model)
from bbp.extensions import db

connection = context.config.attributes.get("connection")
schema = context.config.attributes.get("schema")
if connection is None or schema is None:
    raise SystemExit("tenant migrations run through `flask tenants migrate`, not plain alembic")


def include_object(obj, name, type_, reflected, compare_to):
    """Only tenant tables (declared without a schema) belong to this tree."""
    if type_ == "table":
        return obj.schema is None and name != "alembic_version"
    return True


context.configure(
    connection=connection,
    target_metadata=db.metadata,
    version_table_schema=schema,
    include_object=include_object,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
