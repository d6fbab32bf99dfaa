"""Spare schemas: a new agency renames one made ahead, never shares one, never takes a stale one."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.platform.pool import keep_spares
from bbp.platform.provisioning import ProvisioningError, schema_for, validate_slug
from bbp.tenancy import bound, spares
from bbp.tenancy.jobs import DEFAULT_QUEUE
from bbp.tenancy.models import SpareSchema
from bbp.tenancy.schema import current_revision, head_revision
from tests.tenancy.test_migrations import _diff


def _spares(app) -> dict[str, str]:
    with app.app_context():
        found = dict(db.session.execute(select(SpareSchema.name, SpareSchema.revision)).all())
        db.session.rollback()
    return found


def _schema_exists(app, name: str) -> bool:
    with app.app_context():
        found = db.session.scalar(text("SELECT to_regnamespace(:n)"), {"n": name}) is not None
        db.session.rollback()
    return found


@pytest.fixture
def pool(app, redis, monkeypatch):
    """Two spares wanted; every spare left is dropped afterwards."""
    monkeypatch.setitem(app.config, "SPARE_SCHEMAS", 2)
    yield
    monkeypatch.setitem(app.config, "SPARE_SCHEMAS", 0)
    with app.app_context():
        db.session.execute(update(SpareSchema).values(revision="gone"))
        spares.drop_stale(db.session.connection())
        db.session.commit()


def test_a_new_agency_is_a_renamed_spare_and_the_pool_is_topped_up(app, redis, pool, make_agency):
    with app.app_context():
        assert keep_spares() == 2
    before = _spares(app)
    assert len(before) == 2 and set(before.values()) == {head_revision()}
    assert all(name.startswith(spares.PREFIX) for name in before)

    agency = make_agency("spare")

    left = _spares(app)
    assert len(left) == 1
    (taken,) = set(before) - set(left)
    assert not _schema_exists(app, taken)  # renamed, not copied
    assert _diff(app, agency.info.schema) == []  # exactly the tables the models describe
    with app.app_context(), db.engine.connect() as conn:
        assert current_revision(conn, agency.info.schema) == head_revision()
    with app.app_context(), bound(agency.info, db.session):
        assert db.session.scalars(select(User.email)).all() == [agency.owner_email]
        assert db.session.scalar(select(Bond.id)) is None  # a spare holds no rows
        with pytest.raises(DBAPIError, match="append-only"):  # its audit trigger came along
            db.session.execute(text("DELETE FROM audit_log"))
        db.session.rollback()
    queue = Queue(DEFAULT_QUEUE, connection=redis)
    assert queue.count == 1  # a worker tops the pool up again
    with app.app_context():
        SimpleWorker([queue], connection=redis).work(burst=True)
    assert len(_spares(app)) == 2


def test_without_a_spare_the_agency_is_made_the_slow_way(app, redis, pool, make_agency):
    agency = make_agency("nospare")
    assert _diff(app, agency.info.schema) == []
    assert _spares(app) == {}


def test_a_spare_from_an_older_head_is_never_taken_and_a_deploy_drops_it(
    app, redis, pool, make_agency
):
    with app.app_context():
        keep_spares()
        db.session.execute(update(SpareSchema).values(revision="0ld0ld0ld0ld"))
        db.session.commit()
    stale = set(_spares(app))

    make_agency("stale")

    assert set(_spares(app)) == stale  # untouched: its tables are an older head's
    result = app.test_cli_runner().invoke(args=["tenants", "spares"])
    assert result.exit_code == 0, result.output
    after = _spares(app)
    assert len(after) == 2 and not set(after) & stale
    assert not any(_schema_exists(app, name) for name in stale)


def test_two_creations_at_once_never_take_the_same_spare(app, redis, pool):
    with app.app_context():
        app.config["SPARE_SCHEMAS"] = 1
        keep_spares()
        first, second = db.engine.connect(), db.engine.connect()
        try:
            assert spares.take(first, "t_race_one") is True  # holds its spare until commit
            assert spares.take(second, "t_race_two") is False  # skips it, makes its own
        finally:
            first.rollback()
            second.rollback()
            first.close()
            second.close()
    assert len(_spares(app)) == 1  # the rolled-back rename gave the spare back


def test_no_agency_slug_can_name_a_spare():
    assert schema_for("-spare-0123") == "t__spare_0123"  # the only way to a spare's name
    with pytest.raises(ProvisioningError, match="start and end with a letter or digit"):
        validate_slug("-spare-0123")
