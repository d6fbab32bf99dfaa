"""Defendants: create, edit, search, secrets encrypted and revealed only with an audit."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import select

from bbp.audit.models import AuditEntry
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.tenancy import bound
from tests.support import add_user
from tests.tools import require_tool

SSN = "123-45-6789"
DL = "D123-456-78-901"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _create(visitor, **fields):
    data = {
        "first_name": "Marcus",
        "last_name": "Reyes",
        "ssn": SSN,
        "dl_number": DL,
        "dl_state": "fl",
        "phone": "(305) 555-0142",
        "date_of_birth": "1991-04-02",
    } | fields
    return visitor.post("/defendants/new", data)


def _only_defendant(app, tenant) -> Defendant:
    with app.app_context(), bound(tenant.info, db.session):
        defendant = db.session.scalars(select(Defendant)).one()
        db.session.expunge(defendant)
        return defendant


def _actions(app, tenant) -> list[str]:
    with app.app_context(), bound(tenant.info, db.session):
        return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def test_agent_adds_a_defendant_and_sees_only_masked_numbers(app, owner, tenant):
    response = _create(owner)
    assert response.status_code == 302
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Marcus Reyes" in page and "(305) 555-0142" in page
    assert "•••-••-6789" in page and "•••• 8901" in page
    assert SSN not in page and "123456789" not in page and DL not in page
    defendant = _only_defendant(app, tenant)
    assert (defendant.phone, defendant.dl_state, defendant.ssn_last4) == (
        "3055550142",
        "FL",
        "6789",
    )
    assert b"123456789" not in defendant.ssn_encrypted
    assert "defendant.created" in _actions(app, tenant)


def test_database_dump_holds_no_plaintext_ssn(app, owner, tenant, database_url):
    pg_dump = require_tool("pg_dump")
    _create(owner)
    dump = subprocess.run(
        [
            pg_dump,
            "--data-only",
            f"--schema={tenant.info.schema}",
            "--dbname",
            database_url.replace("postgresql+psycopg://", "postgresql://"),
        ],
        capture_output=True,
        check=True,
        env=dict(os.environ),
    ).stdout
    assert b"Reyes" in dump  # the dump is real
    for needle in (b"123456789", b"123-45-6789", b"D123-456-78-901", b"D12345678901"):
        assert needle not in dump


def test_manager_reveals_the_ssn_and_the_reveal_is_audited(app, visit, owner, tenant):
    _create(owner)
    defendant = _only_defendant(app, tenant)
    manager = add_user(app, tenant.info, "manager")
    visitor = visit(tenant)
    visitor.login(manager.email)
    visitor.get(f"/defendants/{defendant.id}")
    response = visitor.post(f"/defendants/{defendant.id}/reveal/ssn", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert "123456789" in body
    assert response.headers["Cache-Control"] == "no-store"
    assert "defendant.ssn_revealed" in _actions(app, tenant)


@pytest.mark.parametrize("role", ["agent", "viewer"])
def test_agents_and_viewers_cannot_reveal(app, visit, owner, tenant, role):
    _create(owner)
    defendant = _only_defendant(app, tenant)
    user = add_user(app, tenant.info, role)
    visitor = visit(tenant)
    visitor.login(user.email)
    page = visitor.get(f"/defendants/{defendant.id}").get_data(as_text=True)
    assert "Reveal" not in page
    assert visitor.post(f"/defendants/{defendant.id}/reveal/ssn").status_code == 403
    assert "defendant.ssn_revealed" not in _actions(app, tenant)


def test_editing_with_a_blank_ssn_keeps_it_and_a_new_one_replaces_it(app, owner, tenant):
    _create(owner)
    defendant = _only_defendant(app, tenant)
    form = owner.get(f"/defendants/{defendant.id}/edit").get_data(as_text=True)
    assert SSN not in form and "123456789" not in form
    owner.post(
        f"/defendants/{defendant.id}/edit",
        {"first_name": "Marcus", "last_name": "Reyes", "ssn": "", "jail": "Dade TGK"},
    )
    assert _only_defendant(app, tenant).ssn_last4 == "6789"
    owner.post(
        f"/defendants/{defendant.id}/edit",
        {"first_name": "Marcus", "last_name": "Reyes", "ssn": "987 65 4321"},
    )
    again = _only_defendant(app, tenant)
    assert again.ssn_last4 == "4321" and again.jail == ""
    body = owner.post(f"/defendants/{defendant.id}/reveal/ssn", htmx=True).get_data(as_text=True)
    assert "987654321" in body


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_name": ""}, "Enter the first name."),
        ({"ssn": "12-345"}, "Enter the 9 digits of the SSN"),
        ({"phone": "555-01"}, "Enter a 10-digit phone number"),
        ({"state": "Florida"}, "two-letter state code"),
        ({"date_of_birth": "2999-01-01"}, "date of birth in the past"),
        ({"email": "nope"}, "Enter an email address such as name@example.com."),
    ],
)
def test_bad_input_gets_a_field_message_and_keeps_what_was_typed(owner, fields, message):
    response = _create(owner, booking_number="BK-778812", **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert 'value="BK-778812"' in body


def test_live_search_by_name_and_phone(app, owner, tenant):
    _create(owner)
    _create(owner, first_name="Dana", last_name="Whitlock", phone="7865550199", ssn="")
    by_name = owner.get("/defendants/?q=reyes", htmx=True).get_data(as_text=True)
    assert "Reyes, Marcus" in by_name and "Whitlock" not in by_name and "<html" not in by_name
    by_phone = owner.get("/defendants/?q=555-0199", htmx=True).get_data(as_text=True)
    assert "Whitlock, Dana" in by_phone and "Reyes" not in by_phone


def test_photo_upload_is_sniffed_and_served_privately(app, owner, tenant):
    _create(owner)
    defendant = _only_defendant(app, tenant)
    fake = owner.post(
        f"/defendants/{defendant.id}/photo",
        {"photo": (__import__("io").BytesIO(b"<html>hi</html>"), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert "must be a JPEG, PNG or WebP" in owner.get(fake.headers["Location"]).get_data(
        as_text=True
    )
    owner.post(
        f"/defendants/{defendant.id}/photo",
        {"photo": (__import__("io").BytesIO(PNG), "me.png")},
        content_type="multipart/form-data",
    )
    photo = owner.client.get(f"/defendants/{defendant.id}/photo", base_url=owner.base_url)
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == PNG
    assert photo.headers["Cache-Control"] == "private, no-store"
