"""Set-password links: signed, expiring, single use, bound to one agency."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

from flask import before_render_template
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from bbp.auth.tokens import set_password_url
from bbp.extensions import db
from bbp.kernel.mail import outbox_key
from bbp.tenancy import bound
from tests.support import PASSWORD, add_user

NEW = "a brand new passphrase"


def _link(app, tenant, user_id) -> str:
    with app.app_context(), bound(tenant.info, db.session):
        url = set_password_url(tenant.info, user_id)
    return url.split("localhost", 1)[1]


def test_link_is_single_use(app, visit, tenant):
    user = add_user(app, tenant.info, "agent", password=None)
    path = _link(app, tenant, user.id)
    visitor = visit(tenant)
    assert visitor.post(path, {"password": NEW, "confirm": NEW}).status_code == 302
    again = visitor.get(path)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_expired_link_is_refused(app, visit, tenant, clock):
    user = add_user(app, tenant.info, "agent", password=None)
    hours = app.config["PASSWORD_LINK_HOURS"]
    path = _link(app, tenant, user.id)
    clock.advance(hours=hours, minutes=1)  # the link was made that long ago
    response = visit(tenant).get(path)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_tampered_link_is_refused(app, visit, tenant):
    user = add_user(app, tenant.info, "agent", password=None)
    path = _link(app, tenant, user.id)
    response = visit(tenant).get(path[:-3] + "abc")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_link_of_one_agency_does_not_work_on_another(app, visit, tenant, other_tenant):
    user = add_user(app, tenant.info, "agent", password=None)
    add_user(app, other_tenant.info, "agent", password=None)
    path = _link(app, tenant, user.id)
    response = visit(other_tenant).get(path)
    assert response.status_code == 400
    assert "not valid for this agency" in response.get_data(as_text=True)


def test_mismatched_passwords_keep_the_form(app, visit, tenant):
    user = add_user(app, tenant.info, "agent", password=None)
    path = _link(app, tenant, user.id)
    visitor = visit(tenant)
    short = visitor.post(path, {"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "at least 12 characters" in short.get_data(as_text=True)
    differ = visitor.post(path, {"password": NEW, "confirm": NEW + "x"})
    assert "The two passwords differ." in differ.get_data(as_text=True)


def test_setting_a_password_ends_other_sessions(app, visit, tenant):
    user = add_user(app, tenant.info, "agent")
    elsewhere = visit(tenant)
    elsewhere.login(user.email)
    assert elsewhere.get("/dashboard/").status_code == 200
    path = _link(app, tenant, user.id)
    visit(tenant).post(path, {"password": NEW, "confirm": NEW})
    assert elsewhere.get("/dashboard/").status_code == 302


def test_forgot_password_emails_a_link_only_to_real_accounts(app, visit, tenant, redis):
    visitor = visit(tenant)
    visitor.get("/forgot-password")
    known = visitor.post("/forgot-password", {"email": tenant.owner_email})
    unknown = visitor.post("/forgot-password", {"email": "ghost@alpha.example"})
    assert known.status_code == unknown.status_code == 302
    mails = [json.loads(m) for m in redis.lrange(outbox_key(tenant.slug), 0, -1)]
    assert [m["to"] for m in mails] == [tenant.owner_email]
    link = next(line for line in mails[0]["body"].splitlines() if "/set-password/" in line)
    path = link.split("localhost", 1)[1]
    assert visitor.post(path, {"password": NEW, "confirm": NEW}).status_code == 302
    assert visitor.login(tenant.owner_email, PASSWORD).status_code == 422
    assert visitor.login(tenant.owner_email, NEW).status_code == 302


def test_two_uses_of_one_link_at_once_set_one_password(app, visit, tenant):
    user = add_user(app, tenant.info, "agent", password=None)
    path = _link(app, tenant, user.id)
    visitors = [visit(tenant) for _ in range(3)]
    for visitor in visitors:
        assert visitor.get(path).status_code == 200

    def use(numbered) -> int:
        number, visitor = numbered
        password = f"{NEW} {number}"
        return visitor.post(path, {"password": password, "confirm": password}).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        assert sorted(pool.map(use, enumerate(visitors))) == [302, 400, 400]


def test_a_refused_form_is_shown_without_holding_a_lock_on_the_user(app, visit, tenant):
    """The link is spent (the row locked) only inside the unit that sets the password: a form
    refused for a mismatched confirmation renders while sign-in can still lock the row."""
    user = add_user(app, tenant.info, "agent", password=None)
    path = _link(app, tenant, user.id)
    seen: list[str] = []

    def probe(sender, template, context, **extra):
        if template.name != "auth/set_password.html":
            return
        with db.engine.connect() as other:  # another connection, as another request would use
            try:
                other.execute(
                    text(
                        f'SELECT id FROM "{tenant.info.schema}".users '
                        "WHERE id = :id FOR UPDATE NOWAIT"
                    ),
                    {"id": user.id},
                )
                seen.append("free")
            except OperationalError:
                seen.append("locked")
            other.rollback()

    before_render_template.connect(probe, app)
    try:
        response = visit(tenant).post(path, {"password": "a brand new passphrase", "confirm": "x"})
    finally:
        before_render_template.disconnect(probe, app)
    assert response.status_code == 422
    assert seen == ["free"]


def test_a_mismatched_repeat_puts_the_cursor_in_the_repeat_field(app, visit, tenant):
    user = add_user(app, tenant.info, "agent", password=None)
    path = _link(app, tenant, user.id)
    visitor = visit(tenant)
    [focused] = re.findall(r"<input[^>]*\bautofocus\b[^>]*>", visitor.get(path).text)
    assert 'id="password"' in focused
    page = visitor.post(path, {"password": NEW, "confirm": NEW + " typo"})
    assert page.status_code == 422
    [focused] = re.findall(r"<input[^>]*\bautofocus\b[^>]*>", page.text)
    assert 'id="confirm"' in focused and "The two passwords differ." in page.text
