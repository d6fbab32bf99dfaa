"""Platform admins of each role, signed in on admin.<domain>."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pyotp
import pytest
from sqlalchemy import delete, func, select

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.platform.models import PlatformAdmin
from bbp.platform.twostep import KEEPER
from tests.support import PASSWORD, Visitor

SECRET_IN_PAGE = re.compile(r'id="totp-secret">([A-Z2-7 ]+)<')


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
    """Sign a platform admin in on the console, second step included: enrolls the app on a
    first sign-in (then the response is the recovery codes page, 200), else enters the code
    (a 302 to the console). A refused password returns the refusal (422). Codes work once and
    drift one step, so one admin signs in at most twice more within 30 s of a frozen clock:
    advance `clock` a minute between sign-ins when a test needs more."""
    response = console.login(email, password, path="/platform/login")
    if response.status_code != 302 or "/platform/two-step" not in response.location:
        return response
    if response.location.endswith("/enroll"):
        page = console.get("/platform/two-step/enroll").get_data(as_text=True)
        secret = SECRET_IN_PAGE.search(page).group(1).replace(" ", "")
        return console.post("/platform/two-step/enroll", {"code": totp_code(secret)})
    return console.post(
        "/platform/two-step", {"code": admin_code(console.client.application, email)}
    )


def totp_code(secret: str, last_step: int | None = None) -> str:
    """The app's code now, or for the next step when now's was used (drift allows one)."""
    step = max(int(utcnow().timestamp()) // 30, (last_step or 0) + 1)
    return pyotp.TOTP(secret).generate_otp(step)


def admin_code(app, email: str) -> str:
    """A code an enrolled admin's app would show, read from the sealed secret."""
    with app.app_context():
        admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
        return totp_code(KEEPER.decrypt(admin.totp_secret_encrypted), admin.totp_last_step)


def page_text(response) -> str:
    """A response's words, tags stripped (for finding messages)."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


@pytest.fixture
def fresh_admins(app):
    """Delete every platform admin a test made (directly, by invitation or through console_as)."""
    with app.app_context():
        before = db.session.scalar(select(func.coalesce(func.max(PlatformAdmin.id), 0)))
    yield
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.id > before))
        db.session.commit()


@pytest.fixture
def console_as(app, visit):
    """console_as(role) -> a Visitor on admin.<domain> signed in as a new admin of that role."""
    made: list[str] = []

    def sign_in(role: str = "superadmin") -> Visitor:
        email = add_admin(app, role)
        made.append(email)
        console = visit("admin")
        response = sign_in_admin(console, email)
        assert response.status_code == 200, response.get_data(as_text=True)  # recovery codes
        assert "Two-step sign-in is on" in response.get_data(as_text=True)
        console.email = email
        return console

    yield sign_in
    with app.app_context():
        db.session.execute(delete(PlatformAdmin).where(PlatformAdmin.email.in_(made)))
        db.session.commit()
