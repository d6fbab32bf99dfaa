"""Staff sign-in, sign-out, lockout and CSRF."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from bbp.extensions import db
from bbp.tenancy import bound
from tests.support import PASSWORD, Visitor, add_user, fetch_user


def test_owner_signs_in_and_sees_the_dashboard_shell(visit, tenant):
    visitor = visit(tenant)
    response = visitor.login(tenant.owner_email)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/")
    page = visitor.get("/dashboard/").get_data(as_text=True)
    assert tenant.name in page
    assert tenant.owner_email in page
    assert "Sign out" in page


def test_wrong_password_shows_a_message_and_keeps_the_email(visit, tenant):
    response = visit(tenant).login(tenant.owner_email, "not the password")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "do not match an active account" in body
    assert f'value="{tenant.owner_email}"' in body


def test_unknown_email_gets_the_same_message(visit, tenant):
    response = visit(tenant).login("nobody@nowhere.example", "whatever-password")
    assert response.status_code == 422
    assert "do not match an active account" in response.get_data(as_text=True)


def test_empty_form_gets_field_messages(visit, tenant):
    visitor = visit(tenant)
    visitor.get("/login")
    response = visitor.post("/login", {"email": "", "password": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter your email." in body and "Enter your password." in body


def test_lockout_after_repeated_failures_then_time_based_unlock(app, visit, tenant, clock):
    visitor = visit(tenant)
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        response = visitor.login(tenant.owner_email, "wrong-password!")
    body = response.get_data(as_text=True)
    assert "this account is locked" in body
    assert "Try again in 15 minutes" in body

    refused = visitor.login(tenant.owner_email, PASSWORD)
    assert refused.status_code == 422
    assert "this account is locked" in refused.get_data(as_text=True)

    clock.advance(minutes=app.config["LOCKOUT_MINUTES"] + 1)
    assert visitor.login(tenant.owner_email, PASSWORD).status_code == 302
    assert fetch_user(app, tenant.info, tenant.owner_email).failed_logins == 0


def test_deactivated_account_cannot_sign_in(app, visit, tenant):
    user = add_user(app, tenant.info, "agent")

    with app.app_context(), bound(tenant.info, db.session):
        db.session.merge(user).active = False
        db.session.commit()
    assert visit(tenant).login(user.email).status_code == 422


def test_sign_out_ends_the_session(owner):
    response = owner.post("/logout")
    assert response.status_code == 302
    assert owner.get("/dashboard/").status_code == 302


def test_post_without_csrf_token_is_refused(visit, tenant):
    visitor = visit(tenant)
    visitor.get("/login")
    response = visitor.post(
        "/login", {"email": tenant.owner_email, "password": PASSWORD}, csrf=False
    )
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)


def test_htmx_post_without_csrf_header_is_refused_as_a_fragment(owner):
    response = owner.client.post("/logout", base_url=owner.base_url, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<html" not in body
    assert response.headers["HX-Retarget"] == "#flash"


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_next_parameter_never_leaves_the_site(visit, tenant, next_url):
    visitor = visit(tenant)
    visitor.get("/login")
    response = visitor.post(
        f"/login?next={next_url}", {"email": tenant.owner_email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/dashboard/")


def test_next_parameter_returns_to_the_page_asked_for(visit, tenant):
    visitor = visit(tenant)
    first = visitor.get("/staff/?q=x")
    assert first.status_code == 302
    visitor.get(first.headers["Location"])
    response = visitor.post(
        first.headers["Location"], {"email": tenant.owner_email, "password": PASSWORD}
    )
    assert response.headers["Location"].endswith("/staff/?q=x")


def test_unknown_emails_lock_exactly_like_real_ones(app, visit, tenant, redis):
    visitor = visit(tenant)
    for _ in range(app.config["LOCKOUT_THRESHOLD"]):
        response = visitor.login("ghost@alpha.example", "wrong-password!")
    assert "this account is locked" in response.get_data(as_text=True)


def test_concurrent_wrong_passwords_are_all_counted(app, database_url, tenant):
    """Row locking: parallel guesses cannot slip past the lockout threshold."""

    def guess(_):
        visitor = Visitor(app.test_client(), f"{tenant.slug}.localhost")
        return visitor.login(tenant.owner_email, "wrong-password!").status_code

    threshold = app.config["LOCKOUT_THRESHOLD"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(guess, range(threshold))) == {422}
    user = fetch_user(app, tenant.info, tenant.owner_email)
    assert user.failed_logins == threshold
    assert user.locked_until is not None
