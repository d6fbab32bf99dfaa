"""Platform admins' two-step sign-in: enrollment, codes, drift, replay, recovery, lockout."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from bbp.extensions import db
from bbp.kernel import twostep
from bbp.platform.models import PlatformAdmin
from bbp.platform.twostep import KEEPER
from tests.platform.conftest import SECRET_IN_PAGE, add_admin, page_text, sign_in_admin
from tests.support import PASSWORD

pytestmark = pytest.mark.usefixtures("fresh_admins")


def _admin(app, email: str) -> PlatformAdmin:
    with app.app_context():
        admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
        db.session.expunge(admin)
        return admin


def _secret(app, email: str) -> str:
    with app.app_context():
        return KEEPER.decrypt(_admin(app, email).totp_secret_encrypted)


def _at(secret: str, clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now + timedelta(seconds=30 * steps))


@pytest.fixture
def enrolled(app, visit, clock):
    """An admin who enrolled a minute ago and signed out: (email, secret)."""
    email = add_admin(app, "support")
    console = visit("admin")
    assert sign_in_admin(console, email).status_code == 200
    clock.advance(minutes=1)
    return email, _secret(app, email)


def _password(console, email: str):
    return console.login(email, PASSWORD, path="/platform/login")


def test_first_sign_in_goes_through_enrollment(app, visit, clock):
    email = add_admin(app, "finance")
    console = visit("admin")
    response = _password(console, email)
    assert response.status_code == 302 and response.location.endswith("/platform/two-step/enroll")
    assert console.get("/platform/").status_code == 302  # not signed in yet
    page = console.get("/platform/two-step/enroll").get_data(as_text=True)
    assert '<svg role="img"' in page and "qr-code" in page  # drawn here, inline
    assert "<script>" not in page and " style=" not in page  # the strict CSP holds
    secret = SECRET_IN_PAGE.search(page).group(1).replace(" ", "")
    again = console.get("/platform/two-step/enroll").get_data(as_text=True)
    assert SECRET_IN_PAGE.search(again).group(1).replace(" ", "") == secret  # a reload keeps it

    wrong = console.post("/platform/two-step/enroll", {"code": "000000"})
    assert wrong.status_code == 422
    assert 'class="field-error"' in wrong.get_data(as_text=True)
    assert twostep.WRONG_CODE in page_text(wrong)

    done = console.post("/platform/two-step/enroll", {"code": pyotp.TOTP(secret).at(clock.now)})
    assert done.status_code == 200
    codes = [line for line in page_text(done).split() if line.count("-") == 3]
    assert len(codes) == 10
    assert console.get("/platform/").status_code == 200
    admin = _admin(app, email)
    assert admin.totp_enrolled_at is not None and len(admin.recovery_hashes) == 10
    assert secret.encode() not in admin.totp_secret_encrypted  # sealed at rest
    assert not any(
        code.encode() in b"".join(h.encode() for h in admin.recovery_hashes) for code in codes
    )


def test_an_enrolled_admin_must_enter_the_code(app, visit, enrolled, clock):
    email, secret = enrolled
    console = visit("admin")
    response = _password(console, email)
    assert response.location.endswith("/platform/two-step")
    assert console.get("/platform/").status_code == 302
    wrong = console.post("/platform/two-step", {"code": "123456"})
    assert wrong.status_code == 422 and twostep.WRONG_CODE in page_text(wrong)
    assert 'aria-invalid="true"' in wrong.get_data(as_text=True)
    right = console.post("/platform/two-step", {"code": _at(secret, clock)})
    assert right.status_code == 302 and right.location.endswith("/platform/")
    assert console.get("/platform/").status_code == 200


def test_a_code_works_once(app, visit, enrolled, clock):
    email, secret = enrolled
    first = visit("admin")
    _password(first, email)
    code = _at(secret, clock)
    assert first.post("/platform/two-step", {"code": code}).status_code == 302
    second = visit("admin")
    _password(second, email)
    replayed = second.post("/platform/two-step", {"code": code})
    assert replayed.status_code == 422
    assert twostep.REPLAYED in page_text(replayed)
    assert second.get("/platform/").status_code == 302


@pytest.mark.parametrize("steps", [-1, 1])
def test_a_clock_one_step_off_is_accepted(app, visit, enrolled, clock, steps):
    email, secret = enrolled
    console = visit("admin")
    _password(console, email)
    assert (
        console.post("/platform/two-step", {"code": _at(secret, clock, steps)}).status_code == 302
    )


def test_a_clock_two_steps_off_is_not(app, visit, enrolled, clock):
    email, secret = enrolled
    console = visit("admin")
    _password(console, email)
    assert console.post("/platform/two-step", {"code": _at(secret, clock, 2)}).status_code == 422


def test_a_recovery_code_works_once(app, visit, clock):
    email = add_admin(app, "support")
    console = visit("admin")
    done = sign_in_admin(console, email)
    code = next(word for word in page_text(done).split() if word.count("-") == 3)
    clock.advance(minutes=1)
    for attempt in range(2):
        again = visit("admin")
        _password(again, email)
        response = again.post("/platform/two-step", {"code": code.upper()})
        if attempt == 0:
            assert response.status_code == 302
            assert again.get("/platform/").status_code == 200
        else:
            assert response.status_code == 422
    assert len(_admin(app, email).recovery_hashes) == 9


def test_wrong_codes_lock_the_account_like_wrong_passwords(app, visit, enrolled, clock):
    email, secret = enrolled
    console = visit("admin")
    _password(console, email)
    threshold = app.config["LOCKOUT_THRESHOLD"]
    for _ in range(threshold - 1):
        assert console.post("/platform/two-step", {"code": "000000"}).status_code == 422
    locked = console.post("/platform/two-step", {"code": "000000"})
    assert "locked" in page_text(locked)
    # The right code and the right password are refused until the lock ends.
    assert console.post("/platform/two-step", {"code": _at(secret, clock)}).status_code == 422
    assert "locked" in page_text(_password(visit("admin"), email))
    clock.advance(minutes=app.config["LOCKOUT_MINUTES"] + 1)
    fresh = visit("admin")
    _password(fresh, email)
    assert fresh.post("/platform/two-step", {"code": _at(secret, clock)}).status_code == 302


def test_the_right_password_again_does_not_reset_the_code_count(app, visit, enrolled):
    email, _ = enrolled
    threshold = app.config["LOCKOUT_THRESHOLD"]
    for _ in range(threshold):
        console = visit("admin")
        assert _password(console, email).status_code == 302
        response = console.post("/platform/two-step", {"code": "000000"})
    assert "locked" in page_text(response)


def test_a_half_sign_in_expires(app, visit, enrolled, clock):
    email, secret = enrolled
    console = visit("admin")
    _password(console, email)
    clock.advance(minutes=11)
    late = console.post("/platform/two-step", {"code": _at(secret, clock)})
    assert late.status_code == 302 and "/platform/login" in late.location
    assert console.get("/platform/").status_code == 302


def test_the_steps_need_the_password_first(visit):
    console = visit("admin")
    for path in ("/platform/two-step", "/platform/two-step/enroll"):
        assert "/platform/login" in console.get(path).location
    assert "/platform/login" in console.post("/platform/two-step", {"code": "123456"}).location
