"""Every portal route, from another person's and another agency's side."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bbp.documents import requested
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.payments.models import Payment
from tests.portal.conftest import inside, make_book, sign_in
from tests.routes import portal_routes
from tests.support import add_user

MARKERS = ("Marcus Reyes", "Rosa Reyes", "Victim ID", "B-2026-0101", "victim@example.com")


@pytest.fixture
def victim(app, tenant):
    """Agency A's bond, cosigner, a document requested from the cosigner and a payment."""

    book = make_book(app, tenant, cosigner_email="victim@example.com")
    by = add_user(app, tenant.info, "agent")
    with inside(app, tenant):
        person = db.session.get(Indemnitor, book.cosigner_id)
        book.request_id = requested.request_document(person, "photo_id", "Victim ID", None, by).id
        payment = Payment(
            bond_id=book.bond_id,
            receipt_number="R-000001",
            kind="premium",
            method="cash",
            amount=Decimal("100.00"),
            payer_name="Rosa Reyes",
            received_at=datetime.now(UTC),
        )
        db.session.add(payment)
        db.session.commit()
        book.payment_id = payment.id
    return book


def _ids(book) -> dict:
    return {
        "bond_id": book.bond_id,
        "court_date_id": book.court_date_id,
        "request_id": book.request_id,
        "payment_id": book.payment_id,
    }


def _call(visitor, route, book):
    path = route.path(**_ids(book))
    return visitor.get(path) if route.method == "GET" else visitor.post(path, {})


@pytest.mark.parametrize("route", portal_routes(), ids=str)
def test_signed_out_visitors_are_sent_to_the_portal_sign_in(visit, tenant, victim, route):
    response = _call(visit(tenant), route, victim)
    assert response.status_code == 302
    assert "/portal/login" in response.headers["Location"]


@pytest.mark.parametrize("route", portal_routes(), ids=str)
def test_another_person_in_the_same_agency_sees_nothing_of_mine(visit, app, tenant, victim, route):
    make_book(
        app,
        tenant,
        defendant_phone="3055550131",
        cosigner_phone="3055550132",
        cosigner_email="nosy@example.com",
        last_name="Nosy",
        number="B-2026-0777",
    )
    nosy = visit(tenant)
    sign_in(nosy, app, tenant, phone="3055550132")
    response = _call(nosy, route, victim)
    body = response.get_data().decode("utf-8", "replace")
    for marker in MARKERS:
        assert marker not in body
    if "_id>" in route.rule:
        assert response.status_code == 404


@pytest.mark.parametrize("route", portal_routes(), ids=str)
def test_a_person_of_another_agency_sees_nothing_of_this_one(
    visit, app, tenant, other_tenant, victim, route
):
    # Agency B's first rows reuse A's ids for someone else; the outsider holds the second ones.
    make_book(app, other_tenant, defendant_phone="3055550141", cosigner_phone="3055550143")
    make_book(app, other_tenant, last_name="Other", number="B-2026-0888")
    outsider = visit(other_tenant)
    sign_in(outsider, app, other_tenant)  # the same phone number as A's cosigner, on file with B
    response = _call(outsider, route, victim)
    body = response.get_data().decode("utf-8", "replace")
    for marker in (*MARKERS, "Alpha Bail Bonds"):
        assert marker not in body
    if "_id>" in route.rule:
        assert response.status_code == 404


@pytest.mark.parametrize("route", [r for r in portal_routes() if r.method == "GET"], ids=str)
def test_a_portal_cookie_from_one_agency_is_worthless_on_another(
    visit, app, tenant, other_tenant, victim, route
):
    insider = visit(tenant)
    sign_in(insider, app, tenant)
    replay = visit(other_tenant)
    replay.client.set_cookie("session", insider.session_cookie().value, domain=replay.host)
    response = _call(replay, route, victim)
    assert response.status_code == 302 and "/portal/login" in response.headers["Location"]
