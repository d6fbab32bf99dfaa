"""Tenant migrations: history equals models, and `flask tenants migrate` across many schemas."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bbp.extensions import db
from bbp.tenancy.context import set_search_path
from bbp.tenancy.migrate import upgrade_schema
from bbp.tenancy.schema import alembic_config, current_revision, head_revision, revisions


def _downgrade_to_base(app, schema: str) -> None:
    with app.app_context(), db.engine.begin() as conn:
        set_search_path(conn, schema)
        cfg = alembic_config()
        cfg.attributes.update(connection=conn, schema=schema)
        command.downgrade(cfg, "base")


def _diff(app, schema: str) -> list:
    with app.app_context(), db.engine.begin() as conn:
        set_search_path(conn, schema)
        ctx = MigrationContext.configure(
            conn,
            opts={
                "include_object": lambda obj, name, type_, *a: (
                    (obj.schema is None and name != "alembic_version") if type_ == "table" else True
                ),
                "compare_type": True,
            },
        )
        return compare_metadata(ctx, db.metadata)


def test_migration_history_builds_exactly_the_schema_the_models_describe(app, tenant):
    _downgrade_to_base(app, tenant.info.schema)
    with app.app_context():
        assert upgrade_schema(db.engine, tenant.info.schema).status == "upgraded"
    assert _diff(app, tenant.info.schema) == []


def test_fast_provisioning_builds_the_same_schema(app, tenant):
    assert _diff(app, tenant.info.schema) == []


def test_migrated_audit_log_is_append_only_too(app, tenant):
    _downgrade_to_base(app, tenant.info.schema)
    with app.app_context():
        upgrade_schema(db.engine, tenant.info.schema)
        with db.engine.begin() as conn:
            set_search_path(conn, tenant.info.schema)
            conn.execute(text("INSERT INTO audit_log (actor_label, action) VALUES ('t', 'x')"))
        with db.engine.begin() as conn:
            set_search_path(conn, tenant.info.schema)
            try:
                conn.execute(text("DELETE FROM audit_log"))
            except Exception as exc:
                assert "append-only" in str(exc)
            else:
                raise AssertionError("DELETE on the audit log was allowed")


def test_migrate_all_upgrades_behind_skips_current_and_reports_failures(app, make_agency):
    current, behind, broken = make_agency("cur"), make_agency("behind"), make_agency("broken")
    _downgrade_to_base(app, behind.info.schema)
    _downgrade_to_base(app, broken.info.schema)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(f'CREATE TABLE "{broken.info.schema}".users (id int)'))

    result = app.test_cli_runner().invoke(
        args=[
            "tenants",
            "migrate",
            "--workers",
            "2",
            "--only",
            current.slug,
            "--only",
            behind.slug,
            "--only",
            broken.slug,
        ]
    )

    assert result.exit_code == 1
    assert "1 upgraded, 1 already at head, 1 failed." in result.output
    assert f"FAILED {broken.info.schema}" in result.stderr
    assert "already exists" in result.stderr
    with app.app_context(), db.engine.connect() as conn:
        assert current_revision(conn, behind.info.schema) == head_revision()
        assert current_revision(conn, broken.info.schema) is None


def test_migrate_all_with_everything_at_head_is_a_no_op(app, tenant):
    result = app.test_cli_runner().invoke(args=["tenants", "migrate", "--only", tenant.slug])
    assert result.exit_code == 0
    assert "0 upgraded, 1 already at head, 0 failed." in result.output


def test_migrate_with_no_agencies_says_so_and_nothing_else(app):
    result = app.test_cli_runner().invoke(args=["tenants", "migrate", "--only", "no-such-agency"])
    assert result.exit_code == 0
    assert result.output == "No agencies to migrate.\n"


def test_revisions_answers_every_schema_by_name_lookups(app, make_agency):
    current, behind, bare = make_agency("rcur"), make_agency("rbehind"), make_agency("rbare")
    _downgrade_to_base(app, behind.info.schema)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(f'DROP TABLE "{bare.info.schema}".alembic_version'))
    schemas = [current.info.schema, behind.info.schema, bare.info.schema, "t_no_such_schema"]
    with app.app_context(), db.engine.connect() as conn:
        found = revisions(conn, schemas, chunk=1)
    assert found == dict.fromkeys(schemas[1:]) | {current.info.schema: head_revision()}
    output = app.test_cli_runner().invoke(args=["tenants", "list"]).output
    line = next(line for line in output.splitlines() if line.startswith(behind.slug))
    assert "(behind)" in line
