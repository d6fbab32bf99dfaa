"""Hostile or malformed input gets a clear 4xx, never a 500."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker

from tests.support import add_user


@pytest.mark.parametrize("path", ["/staff/?q=a%00b", "/audit/?action=%00", "/staff/?status=%00"])
def test_nul_characters_are_refused_clearly(owner, path):
    response = owner.get(path)
    assert response.status_code == 400
    assert "invalid character" in response.get_data(as_text=True)


def test_nul_in_a_form_is_refused_and_nothing_is_saved(owner):
    response = owner.post(
        "/staff/invite", {"name": "Eve\x00", "email": "eve@alpha.example", "role": "agent"}
    )
    assert response.status_code == 400
    assert "eve@alpha.example" not in owner.get("/staff/", htmx=True).get_data(as_text=True)


@pytest.mark.parametrize("page", ["99999999999999999999", "-5", "abc", "0"])
def test_absurd_page_numbers_are_clamped(owner, page):
    assert owner.get(f"/staff/?page={page}").status_code == 200
    assert owner.get(f"/audit/?page={page}").status_code == 200


def test_out_of_range_ids_are_404(owner):
    assert owner.post("/staff/99999999999999999999/deactivate").status_code == 404
    assert owner.get("/staff/2147483648/invited").status_code == 404


@pytest.mark.parametrize("host", ["foo..localhost", "x" * 70 + ".localhost", "-.localhost"])
def test_malformed_hosts_get_a_plain_error(app, host):
    response = app.test_client().get("/login", headers={"Host": host})
    assert response.status_code in (400, 404)


def test_platform_pages_on_an_agency_host_are_404_even_when_signed_in(owner):
    assert owner.get("/platform/").status_code == 404
    assert owner.get("/platform/login").status_code == 404


def test_dev_outbox_is_for_this_machine_only(owner, tenant):
    assert owner.get("/dev/outbox").status_code == 200
    remote = owner.client.get(
        "/dev/outbox", base_url=owner.base_url, environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert remote.status_code == 404


def test_expired_form_on_a_boosted_post_keeps_the_page(owner):
    response = owner.client.post(
        "/staff/invite",
        base_url=owner.base_url,
        data={"name": "Typed"},
        headers={"HX-Request": "true", "HX-Boosted": "true", "X-CSRFToken": "stale"},
    )
    assert response.status_code == 400
    assert response.headers["HX-Retarget"] == "#flash"
    assert "form has expired" in response.get_data(as_text=True)


def test_sign_in_session_slides_instead_of_ending_mid_shift(visit, tenant):
    response = visit(tenant).login(tenant.owner_email)
    assert "Expires=" in response.headers["Set-Cookie"]


def test_smtp_mail_for_an_agency_leaves_from_a_worker(app, owner, tenant, redis, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            self.host = host

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://mailer:secret@smtp.example:587")
    agent = add_user(app, tenant.info, "agent")
    owner.post(f"/staff/{agent.id}/link")
    assert sent == []  # nothing was sent while the request ran
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)
    assert sent == [
        ("login", "mailer"),
        ("send", agent.email, f"Reset your {tenant.name} password"),
    ]


def test_absurd_amounts_are_refused_not_crashed(owner):
    response = owner.post("/settings/preview", {"rate": "10", "minimum_per_bond": "1E30"})
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True)
