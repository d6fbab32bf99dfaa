"""Check-in fixtures: an app serving the check-ins blueprint, defendants, a frozen clock."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bbp.checkins.models import CheckIn
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.messaging.models import Message
from bbp.tenancy import bound
from tests.support import Visitor, host_of

# Tuesday Mar 3, 2026, 14:00 UTC = 9:00 AM in New York (the agencies' default zone).
NOW = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def checkins_app(app):
    """The session app (it serves the check-in blueprint)."""
    return app


@pytest.fixture
def visit(checkins_app):
    """visit(tenant) -> a Visitor on that host, talking to the app that serves check-ins."""

    def open_(target, client=None) -> Visitor:
        host = host_of(target.info if hasattr(target, "info") else target)
        return Visitor(client or checkins_app.test_client(), host)

    return open_


@pytest.fixture
def clock(clock):
    """The app's one clock (tests/conftest.py), set to NOW for these tests."""
    clock.set(NOW)
    return clock


@contextmanager
def inside(app, agency):
    """Run a block bound to one agency, as a job or a service call would be."""
    with app.app_context(), bound(agency.info, db.session):
        yield


def make_defendant(
    phone: str = "3055550142", first: str = "Marcus", last: str = "Reyes", language: str = "en"
):
    """A defendant in the bound agency."""
    defendant = Defendant(first_name=first, last_name=last, phone=phone, language=language)
    db.session.add(defendant)
    db.session.commit()
    return defendant


def defendant(defendant_id: int) -> Defendant:
    return db.session.get(Defendant, defendant_id)


def checkins() -> list[CheckIn]:
    return list(db.session.scalars(select(CheckIn).order_by(CheckIn.id)))


def texts() -> list[Message]:
    return list(db.session.scalars(select(Message).order_by(Message.id)))


def link_path(message: Message) -> str:
    """The path of the check-in link in a text."""
    url = next(word for word in message.body.split() if "/check-in/" in word)
    return url.split("localhost", 1)[1]
