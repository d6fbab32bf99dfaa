"""The test suite's reused agency schemas are as good as new ones (tests/recycling.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bbp.audit.models import AuditEntry
from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.tenancy import bound
from tests.conftest import provision, unprovision
from tests.factories import make_bond
from tests.recycling import POOL


def _schema_exists(app, name: str) -> bool:
    with app.app_context():
        found = db.session.scalar(text("SELECT to_regnamespace(:n)"), {"n": name}) is not None
        db.session.rollback()
    return found


def test_a_used_schema_comes_back_empty_with_its_sequences_at_the_start(app):
    used = provision(app, "used")
    for _ in range(3):
        make_bond(app, used)
    unprovision(app, used)
    waiting = len(POOL.waiting)
    assert waiting  # emptied, not dropped

    again = provision(app, "again")
    assert len(POOL.waiting) == waiting - 1  # made from the pool
    try:
        assert not _schema_exists(app, used.info.schema)
        with app.app_context(), bound(again.info, db.session):
            assert db.session.scalar(select(func.count()).select_from(Bond)) == 0
            assert db.session.scalars(select(User.email)).all() == [again.owner_email]
            assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
            db.session.rollback()
        assert make_bond(app, again) == 1  # ids start again, as in a new schema
        with app.app_context(), bound(again.info, db.session):
            with pytest.raises(DBAPIError, match="append-only"):  # its triggers still fire
                db.session.execute(text("DELETE FROM audit_log"))
            db.session.rollback()
    finally:
        unprovision(app, again)


@pytest.mark.parametrize(
    "change",
    [
        "ALTER TABLE bonds ADD COLUMN scratch integer",
        "DROP INDEX ix_bonds_defendant_id",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "UPDATE alembic_version SET version_num = 'older'",
    ],
)
def test_a_schema_a_test_changed_is_dropped_not_reused(app, change):
    changed = provision(app, "changed")
    waiting = list(POOL.waiting)
    with app.app_context(), bound(changed.info, db.session):
        db.session.execute(text(change))
        db.session.commit()
    unprovision(app, changed)
    assert POOL.waiting == waiting
    assert not _schema_exists(app, changed.info.schema)
