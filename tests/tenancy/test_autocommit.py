"""The autocommit connection (one durable statement at a time) is bound to one agency too."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from bbp.auth.models import User
from bbp.extensions import db
from bbp.tenancy import TenancyError, autocommit, bound
from tests.support import add_user

USERS = User.__table__


def test_statements_name_the_bound_agency_and_commit_on_their_own(app, tenant, other_tenant):
    mine = add_user(app, tenant.info, "agent", email="mine@alpha.example")
    add_user(app, other_tenant.info, "agent", email="theirs@beta.example")
    with app.app_context(), bound(tenant.info, db.session), autocommit(db.engine) as connection:
        emails = connection.execute(select(USERS.c.email)).scalars().all()
        connection.execute(update(USERS).where(USERS.c.id == mine.id).values(name="Renamed"))
    assert "mine@alpha.example" in emails and "theirs@beta.example" not in emails
    with app.app_context(), bound(tenant.info, db.session):  # committed without a commit call
        assert db.session.get(User, mine.id).name == "Renamed"


def test_it_refuses_without_a_bound_agency(app):
    with app.app_context(), pytest.raises(TenancyError), autocommit(db.engine):
        pass
