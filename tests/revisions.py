"""Running an agency's schema through a tenant revision again, for tests of what it fills in."""

from __future__ import annotations

from alembic import command
from flask import Flask

from bbp.extensions import db
from bbp.tenancy.context import set_search_path
from bbp.tenancy.migrate import upgrade_schema
from bbp.tenancy.schema import alembic_config


def upgraded_from(app: Flask, schema: str, revision: str) -> None:
    """Take the schema down to `revision` (the rows stay), then up to head again."""
    with app.app_context():
        with db.engine.begin() as conn:
            set_search_path(conn, schema)
            cfg = alembic_config()
            cfg.attributes.update(connection=conn, schema=schema)
            command.downgrade(cfg, revision)
        assert upgrade_schema(db.engine, schema).status == "upgraded"
