"""One-time links survive link previews: opening one (GET) never spends it, only the button does.

Chat apps and SMS clients fetch every link they see. Each route that opens a one-time link is
listed here with a way to make a fresh link and to use it; a new token route fails the sweep
until it is listed, so it is tested the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bbp.auth.tokens import set_password_url
from bbp.bonds.models import Bond
from bbp.checkins import services as checkins
from bbp.checkins.models import CheckIn, CheckInSchedule
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.clock import utcnow
from bbp.kernel.links import nonce
from bbp.merchant import paylinks
from bbp.platform.models import PlatformAdmin
from bbp.platform.support import services as support
from bbp.platform.support.models import SupportGrant
from bbp.platform.tokens import set_password_url as platform_set_password_url
from bbp.portal import access
from bbp.signatures import services as signatures
from tests.merchant.support import connected
from tests.platform.conftest import add_admin, fresh_admins  # noqa: F401  (a fixture)
from tests.portal.conftest import COSIGNER_PHONE, inside, make_book, texts_to
from tests.support import add_user

PORTAL_LINK = re.compile(r"/portal/in/\S+")
PAY_LINK = re.compile(r"/pay/[^\s)]+")


def _set_password(app, tenant) -> str:
    user = add_user(app, tenant.info, "agent", password=None)
    with inside(app, tenant):
        return set_password_url(tenant.info, user.id).split("localhost", 1)[1]


def _use_set_password(visitor, path: str) -> bool:
    form = {"password": "a long new password 42", "confirm": "a long new password 42"}
    response = visitor.post(path, form)
    return response.status_code == 302 and response.headers["Location"].endswith("/login")


def _check_in(app, tenant) -> str:
    book = make_book(app, tenant)
    now = datetime.now(UTC)
    with inside(app, tenant):
        schedule = CheckInSchedule(
            defendant_id=book.defendant_id, every_days=1, time_of_day=time(9), starts_at=now
        )
        db.session.add(schedule)
        db.session.flush()
        checkin = CheckIn(
            defendant_id=book.defendant_id,
            schedule_id=schedule.id,
            due_at=now - timedelta(minutes=5),
            token_nonce="nonce-for-the-preview-test",
        )
        db.session.add(checkin)
        db.session.commit()
        return f"/check-in/{checkins.make_token(checkin)}"


def _use_check_in(visitor, path: str) -> bool:
    response = visitor.post(path, {"method": "plain"})
    return response.status_code == 200 and "checked in" in response.get_data(as_text=True)


def _portal_link(app, tenant) -> str:
    book = make_book(app, tenant)
    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        access.send_link(db.session.get(Indemnitor, book.cosigner_id), by)
    return PORTAL_LINK.search(texts_to(app, tenant, COSIGNER_PHONE)[-1].body).group(0)


def _use_portal_link(visitor, path: str) -> bool:
    response = visitor.post(path)
    return response.status_code == 302 and visitor.get("/portal/").status_code == 200


def _signing_link(app, tenant) -> str:
    book = make_book(app, tenant)
    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        bond = db.session.get(Bond, book.bond_id)
        request = signatures.create(bond, "indemnity", f"cosigner:{book.cosigner_id}", "sms", by)
        return f"/portal/sign/{signatures.token_for(request)}"


def _use_signing_link(visitor, path: str) -> bool:
    return visitor.post(f"{path}/code").status_code == 200


def _support_link(app, tenant) -> str:
    email = add_admin(app, "support")
    with inside(app, tenant):
        now = utcnow()
        grant = SupportGrant(
            tenant_id=tenant.info.id,
            admin=db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email)),
            reason="The owner asked for help",
            minutes=30,
            status="approved",
            requested_at=now,
            expires_at=now + timedelta(minutes=30),
            link_nonce=nonce(),
        )
        db.session.add(grant)
        db.session.commit()
        token = support.ENTRY.make({"g": grant.id, "n": grant.link_nonce}, tenant=tenant.info)
    return f"/support-access/enter/{token}"


def _use_support_link(visitor, path: str) -> bool:
    response = visitor.post(path)
    return response.status_code == 302 and visitor.get("/dashboard/").status_code == 200


def _console_set_password(app, tenant) -> str:
    email = add_admin(app, "support")
    with app.app_context():
        admin = db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email))
        admin.password_hash = None  # invited: no password yet
        db.session.commit()
        return platform_set_password_url(admin).split("localhost", 1)[1]


def _use_console_set_password(visitor, path: str) -> bool:
    form = {"password": "a long new password 42", "confirm": "a long new password 42"}
    response = visitor.post(path, form)
    return response.status_code == 302 and response.headers["Location"].endswith("/platform/login")


def _pay_link(app, tenant) -> str:
    book = make_book(app, tenant)
    connected(app, tenant)
    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        paylinks.send(
            db.session.get(Bond, book.bond_id), f"cosigner-{book.cosigner_id}", None, 7, by
        )
    return PAY_LINK.search(texts_to(app, tenant, COSIGNER_PHONE)[-1].body).group(0)


def _use_pay_link(visitor, path: str) -> bool:
    response = visitor.post(path)  # a pay link is spent by paying: it opens Checkout
    return response.status_code == 303 and "/dev/stripe/checkout/" in response.headers["Location"]


LINKS = {
    "/set-password/": (_set_password, _use_set_password),
    "/platform/set-password/": (_console_set_password, _use_console_set_password),
    "/check-in/": (_check_in, _use_check_in),
    "/portal/in/": (_portal_link, _use_portal_link),
    "/portal/sign/": (_signing_link, _use_signing_link),
    "/support-access/enter/": (_support_link, _use_support_link),
    "/pay/": (_pay_link, _use_pay_link),
}


def test_every_route_that_opens_a_one_time_link_is_listed(app):
    opened = {
        rule.rule.split("<token>", 1)[0]
        for rule in app.url_map.iter_rules()
        if "token" in rule.arguments and "GET" in rule.methods
    }
    assert opened == set(LINKS)


@pytest.mark.usefixtures("fresh_admins")
@pytest.mark.parametrize("prefix", sorted(LINKS))
def test_a_link_preview_opening_it_twice_does_not_spend_it(prefix, visit, app, tenant):
    make, use = LINKS[prefix]
    path = make(app, tenant)
    host = "admin" if prefix.startswith("/platform/") else tenant  # console links: its own host
    preview = visit(host)  # a chat app's link preview: no cookies, GET only
    for _ in range(2):
        assert preview.get(path).status_code == 200
    person = visit(host)
    for _ in range(2):
        assert person.get(path).status_code == 200
    assert use(person, path)
