"""Fixtures: one app on a fresh test database, and two tenants per test (`tenant`, `other_tenant`)."""

from __future__ import annotations

import psycopg
import pytest
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from bbp import create_app
from bbp.auth.models import User
from bbp.config import sqlalchemy_url
from bbp.extensions import db
from bbp.kernel import clock as app_clock
from bbp.platform.provisioning import create_tenant, drop_tenant
from bbp.tenancy import bound
from bbp.tenancy.models import Tenant
from tests import services
from tests.recycling import POOL
from tests.support import DOMAIN, PASSWORD, Agency, Visitor, host_of, unique_slug

pytest_plugins = ["tests.browser_fixtures"]


@pytest.fixture(scope="session")
def database_url() -> str:
    """Drop and recreate the test database once per run, then hand out its URL."""
    url = services.database_url()
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(services.admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = services.redis_url()
    Redis.from_url(url).flushdb()
    return url


def make_app(database_url: str, redis_url: str, **overrides):
    """An app configured for tests (real PostgreSQL and Redis)."""
    config = {
        "BBP_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(database_url),
        "REDIS_URL": redis_url,
        "BBP_DOMAIN": DOMAIN,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url, redis_url, tmp_path_factory):
    app = make_app(database_url, redis_url, STORAGE_ROOT=str(tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        upgrade()
    yield app
    dispose(app)


def dispose(app) -> None:
    """Close pooled connections so none is left for the garbage collector."""
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def clock() -> app_clock.Frozen:
    """The app's one clock, frozen at the moment the test starts, for every reader: services,
    views, templates, and jobs run in the test process. Move it with clock.set(moment) or
    clock.advance(minutes=11); read it with clock.now. Time runs again after the test."""
    with app_clock.frozen() as held:
        yield held


@pytest.fixture
def redis(app) -> Redis:
    connection = app.extensions["redis"]
    connection.flushdb()
    return connection


def provision(app, prefix: str = "agency", name: str | None = None, **kwargs) -> Agency:
    """Create a test agency with a unique slug and an owner who can sign in."""
    slug = unique_slug(prefix)
    with app.app_context():
        # A test that keeps spares of its own counts them: it gets none from the pool.
        offered = None if app.config["SPARE_SCHEMAS"] else POOL.offer(db.session.connection())
        db.session.commit()
        try:
            made = create_tenant(
                slug,
                name or f"Agency {slug}",
                f"owner@{slug}.example",
                owner_name=f"Owner {slug}",
                **kwargs,
            )
        except Exception:
            db.session.rollback()
            if offered:
                POOL.take_back(db.session.connection(), offered)
                db.session.commit()
            raise
        if offered is None:
            POOL.learn(db.session.connection(), made.tenant.schema)
            db.session.rollback()
        with bound(made.tenant, db.session):
            db.session.get(User, made.owner_id).set_password(PASSWORD)
            db.session.commit()
    return Agency(made.tenant, made.owner_email)


def unprovision(app, *agencies: Agency) -> None:
    """Delete test agencies; their schemas are emptied for reuse, or dropped (tests/recycling.py)."""
    with app.app_context():
        for agency in agencies:
            tenant = db.session.scalar(select(Tenant).where(Tenant.slug == agency.slug))
            emptied = None
            if tenant is not None:
                try:
                    emptied = POOL.empty(db.session.connection(), tenant.schema_name)
                except DBAPIError:
                    db.session.rollback()
            drop_tenant(agency.slug)
            if emptied:
                POOL.waiting.append(emptied)


@pytest.fixture
def make_agency(app):
    """Provision agencies for one test and drop them afterwards."""
    created: list[Agency] = []

    def make(prefix: str = "agency", name: str | None = None, **kwargs) -> Agency:
        created.append(provision(app, prefix, name, **kwargs))
        return created[-1]

    yield make
    unprovision(app, *created)


@pytest.fixture(scope="module")
def module_tenant(app) -> Agency:
    """Like `tenant`, shared by one module's tests: for URL-map sweeps that only read or refuse."""
    agency = provision(app, "alpha", name="Alpha Bail Bonds")
    yield agency
    unprovision(app, agency)


@pytest.fixture(scope="module")
def module_other_tenant(app) -> Agency:
    """Like `other_tenant`, shared by one module's tests."""
    agency = provision(app, "bravo", name="Bravo Bail Company")
    yield agency
    unprovision(app, agency)


@pytest.fixture
def tenant(make_agency) -> Agency:
    return make_agency("alpha", name="Alpha Bail Bonds")


@pytest.fixture
def other_tenant(make_agency) -> Agency:
    return make_agency("bravo", name="Bravo Bail Company")


@pytest.fixture
def visit(app):
    """visit(tenant or host label) -> a Visitor on that host, with its own cookie jar."""

    def open_(target, client=None) -> Visitor:
        host = host_of(target.info if isinstance(target, Agency) else target)
        return Visitor(client or app.test_client(), host)

    return open_


@pytest.fixture
def owner(visit, tenant) -> Visitor:
    """The tenant's owner, signed in."""
    visitor = visit(tenant)
    response = visitor.login(tenant.owner_email)
    assert response.status_code == 302, response.get_data(as_text=True)
    visitor.get("/dashboard/")
    return visitor
