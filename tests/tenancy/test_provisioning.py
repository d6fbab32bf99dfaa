"""Creating agencies: validation, atomicity, the first owner, and the CLI."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select, text

from bbp.audit.models import AuditEntry
from bbp.auth.models import User
from bbp.extensions import db
from bbp.platform import provisioning
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import ProvisioningError, create_tenant, drop_tenant, set_status
from bbp.tenancy import bound, tenant_by_slug
from bbp.tenancy.models import Tenant
from bbp.tenancy.schema import current_revision, head_revision
from tests.support import unique_slug


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("", "required"),
        ("Liberty", "lowercase letters, digits and hyphens"),
        ("liberty_bail", "lowercase letters, digits and hyphens"),
        ("-liberty", "start and end with a letter or digit"),
        ("liberty-", "start and end with a letter or digit"),
        ("lib erty", "lowercase letters"),
        ("x" * 41, "at most 40 characters"),
        ("admin", "reserved"),
        ("www", "reserved"),
        ("api", "reserved"),
        ("portal", "reserved"),
        ("t_x; drop schema public", "lowercase letters"),
    ],
)
def test_bad_slugs_are_refused_with_a_clear_message(app, slug, message):
    with app.app_context(), pytest.raises(ProvisioningError, match=message):
        create_tenant(slug, "Some Agency", "owner@example.com")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " "}, "agency name is required"),
        ({"owner_email": "not-an-email"}, "owner email is not valid"),
        ({"timezone": "Mars/Olympus"}, "not one of the US time zones"),
        ({"timezone": "Europe/London"}, "not one of the US time zones"),
        ({"timezone": "EST5EDT"}, "not one of the US time zones"),
        ({"state": "Florida"}, "two-letter code"),
    ],
)
def test_other_bad_input_is_refused(app, kwargs, message):
    args = {"name": "Agency", "owner_email": "o@example.com"} | kwargs
    with app.app_context(), pytest.raises(ProvisioningError, match=message):
        create_tenant(unique_slug("bad"), args.pop("name"), args.pop("owner_email"), **args)


def test_provisioning_creates_schema_tables_owner_and_audit(app, make_agency):
    agency = make_agency("prov", name="Provisioned Bail")
    with app.app_context():
        assert agency.info.schema == "t_" + agency.slug.replace("-", "_")
        connection = db.session.connection()
        assert current_revision(connection, agency.info.schema) == head_revision()
        db.session.rollback()
        with bound(agency.info, db.session):
            owner = db.session.scalar(select(User))
            assert (owner.email, owner.role) == (agency.owner_email, "owner")
            actions = db.session.scalars(select(AuditEntry.action)).all()
            assert "tenant.provisioned" in actions
        platform = db.session.scalars(
            select(PlatformAuditEntry.target_id).where(
                PlatformAuditEntry.action == "tenant.provisioned"
            )
        ).all()
        assert str(agency.info.id) in platform


def test_duplicate_slug_is_refused(app, tenant):
    with app.app_context(), pytest.raises(ProvisioningError, match="already taken"):
        create_tenant(tenant.slug, "Again", "x@example.com")


def test_a_failure_midway_leaves_nothing_behind(app, monkeypatch):
    slug = unique_slug("half")

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioning, "User", explode)
    with app.app_context():
        with pytest.raises(RuntimeError):
            create_tenant(slug, "Half Made", "o@example.com")
        db.session.rollback()
        assert tenant_by_slug(slug) is None
        schema = "t_" + slug.replace("-", "_")
        exists = db.session.execute(
            text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": schema}
        ).first()
        assert exists is None


def test_cli_create_prints_a_working_set_password_link(app, visit):
    slug = unique_slug("cli")
    result = app.test_cli_runner().invoke(
        args=[
            "tenants",
            "create",
            slug,
            "--name",
            "CLI Bail",
            "--owner-email",
            "Boss@CLI.example",
            "--state",
            "TX",
            "--timezone",
            "America/Chicago",
        ]
    )
    try:
        assert result.exit_code == 0, result.output
        link = re.search(r"http://\S+/set-password/\S+", result.output).group(0)
        assert f"{slug}.localhost" in link
        visitor = visit(slug)
        path = link.split("localhost", 1)[1]
        page = visitor.get(path)
        assert page.status_code == 200
        assert "boss@cli.example" in page.get_data(as_text=True)
        done = visitor.post(
            path, {"password": "a long new password", "confirm": "a long new password"}
        )
        assert done.status_code == 302
        assert visitor.login("boss@cli.example", "a long new password").status_code == 302
    finally:
        with app.app_context():
            drop_tenant(slug)


def test_cli_create_reports_a_bad_slug(app):
    result = app.test_cli_runner().invoke(
        args=["tenants", "create", "www", "--name", "X", "--owner-email", "x@example.com"]
    )
    assert result.exit_code != 0
    assert "'www' is reserved" in result.output


def test_cli_list_shows_status_and_revision(app, tenant, other_tenant):

    with app.app_context():
        set_status(other_tenant.slug, "suspended")
    output = app.test_cli_runner().invoke(args=["tenants", "list"]).output
    line_a = next(line for line in output.splitlines() if line.startswith(tenant.slug))
    line_b = next(line for line in output.splitlines() if line.startswith(other_tenant.slug))
    assert "active" in line_a and head_revision() in line_a and "behind" not in line_a
    assert "suspended" in line_b


def test_cli_suspend_and_activate(app, tenant):
    runner = app.test_cli_runner()
    assert (
        runner.invoke(args=["tenants", "suspend", tenant.slug, "--reason", "unpaid"]).exit_code == 0
    )
    with app.app_context():
        assert (
            db.session.scalar(select(Tenant.status).where(Tenant.slug == tenant.slug))
            == "suspended"
        )
        db.session.rollback()
    refused = runner.invoke(args=["tenants", "activate", tenant.slug])
    assert refused.exit_code != 0 and "--reason" in refused.output  # a reason is required
    back = ["tenants", "activate", tenant.slug, "--reason", "paid up"]
    assert runner.invoke(args=back).exit_code == 0
    missing = runner.invoke(args=["tenants", "suspend", "no-such", "--reason", "x"])
    assert missing.exit_code != 0 and "No agency has the subdomain 'no-such'" in missing.output


def test_a_slug_whose_schema_already_exists_is_refused_and_the_schema_kept(app):
    slug = unique_slug("stray")
    schema = "t_" + slug.replace("-", "_")
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            conn.execute(text(f'CREATE TABLE "{schema}".kept (id int)'))
        try:
            with pytest.raises(ProvisioningError, match="already taken"):
                create_tenant(slug, "Stray", "o@example.com")
            db.session.rollback()
            assert tenant_by_slug(slug) is None
            kept = db.session.scalar(text("SELECT to_regclass(:t)"), {"t": f'"{schema}".kept'})
            assert kept is not None
        finally:
            db.session.rollback()
            with db.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def test_creation_sends_its_ddl_in_one_round_trip_without_reading_the_catalog(app):
    slug = unique_slug("trips")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            create_tenant(slug, "Round Trips", "o@example.com")
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
            drop_tenant(slug)
    ddl = [s for s in statements if s.lstrip().upper().startswith("CREATE TABLE")]
    assert len(ddl) == 1
    assert "CREATE TABLE alembic_version" in ddl[0]
    assert not [s for s in statements if "pg_catalog.pg_class" in s or "information_schema" in s]
