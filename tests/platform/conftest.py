"""Platform admins of each role, signed in on admin.<domain>."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete

from bbp.extensions import db
from bbp.platform.models import PlatformAdmin
from tests.support import PASSWORD, Visitor


def add_admin(app, role: str = "superadmin", email: str | None = None) -> str:
    """Create a platform admin with a password; returns the email."""
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@bbp.example"
    with app.app_context():
        admin = PlatformAdmin(email=email, name=f"{role.title()} Admin", role=role)
        admin.set_password(PASSWORD)
        db.session.add(admin)
        db.session.commit()
    return email


def sign_in_admin(console: Visitor, email: str, password: str = PASSWORD):
    """Sign a platform admin in on the console; returns the last response."""
    return console.login(email, password, path="/platform/login")


@pytest.fixture
def console_as(app, visit):
    """console_as(role) -> a Visitor on admin.<domain> signed in as a new admin of that role."""
    made: list[str] = []

    def sign_in(role: str = "superadmin") -> Visitor:
        email = add_admin(app, role)
        made.append(email)
        console = visit("admin")
        response = sign_in_admin(console, email)
        assert response.status_code == 302, response.get_data(as_text=True)
        console.email = email
        return console

    yield sign_in
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email.in_(made)))
        db.session.commit()
