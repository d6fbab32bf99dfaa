"""Every Checkout route from the other agency's side, and from portal visitors not on the bond:
404, as if nothing were there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bbp.billing import stripe_api
from tests.merchant.checkout_support import complete, connected, ledger, pay, session_of
from tests.portal import conftest as portal
from tests.portal.conftest import make_book, sign_in

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
book, cosigner = portal.book, portal.cosigner


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)


def test_a_visitor_not_on_the_bond_cannot_pay_it_or_see_its_payment(
    app, tenant, book, cosigner, visit
):
    account = connected(app, tenant)
    _, session_id = session_of(pay(cosigner, book.bond_id))
    stranger_book = make_book(
        app,
        tenant,
        defendant_phone="3055550111",
        cosigner_phone="3055550122",
        cosigner_email="someone@example.com",
        last_name="Other",
        number="B-2026-0202",
    )
    stranger = visit(tenant)
    sign_in(stranger, app, tenant, phone="3055550122")
    assert stranger.get(f"/portal/bonds/{stranger_book.bond_id}").status_code == 200
    assert stranger.get(f"/portal/bonds/{book.bond_id}/pay").status_code == 404
    assert pay(stranger, book.bond_id).status_code == 404
    paid = f"/portal/bonds/{book.bond_id}/paid?session_id={session_id}"
    assert stranger.get(paid).status_code == 404
    # The session of one bond named on another bond's page is not found either.
    own = f"/portal/bonds/{stranger_book.bond_id}/paid?session_id={session_id}"
    assert stranger.get(own).status_code == 404
    # Not signed in: the portal's sign-in page, never the payment.
    anonymous = visit(tenant)
    assert anonymous.get(f"/portal/bonds/{book.bond_id}/pay").status_code == 302
    assert anonymous.post(f"/portal/bonds/{book.bond_id}/pay", {"choice": "due"}).status_code in (
        302,
        400,
    )
    complete(app, account, session_id)
    assert ledger(app, tenant, book.bond_id) == []


def test_another_agencys_session_is_not_found_on_this_host(
    app, tenant, other_tenant, book, cosigner, visit
):
    account = connected(app, tenant)
    their_account = connected(app, other_tenant)
    where, session_id = session_of(pay(cosigner, book.bond_id))
    page = f"/dev/stripe/checkout/{where}/{session_id}"
    assert visit(tenant).get(page).status_code == 200
    other = visit(other_tenant)
    assert other.get(page).status_code == 404
    other.get("/portal/login")
    assert other.post(page, {"outcome": "succeed"}).status_code == 404
    # B's own account id with A's session id: the fake keeps A's session to A's account.
    assert other.get(f"/dev/stripe/checkout/{their_account}/{session_id}").status_code == 404
    theirs = make_book(app, other_tenant, number="B-2026-0303")
    visitor = visit(other_tenant)
    sign_in(visitor, app, other_tenant)
    assert (
        visitor.get(f"/portal/bonds/{theirs.bond_id}/paid?session_id={session_id}").status_code
        == 404
    )
    with app.app_context():
        fake = stripe_api.fake()
        with fake.acting_as(account):
            assert fake.get("checkout_sessions", session_id)["status"] == "open"


def test_the_fake_checkout_page_pays_declines_and_cancels(app, tenant, book, cosigner, visit):
    account = connected(app, tenant)
    response = pay(cosigner, book.bond_id)
    where, session_id = session_of(response)
    path = f"/dev/stripe/checkout/{where}/{session_id}"
    page = cosigner.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert tenant.name in body and "$500.00" in body and book.bond_number in body
    declined = cosigner.post(path, {"outcome": "decline"})
    assert declined.status_code == 303 and declined.headers["Location"].endswith("declined=1")
    assert "Your card was declined." in cosigner.get(path + "?declined=1").get_data(as_text=True)
    cancelled = cosigner.post(path, {"outcome": "cancel"})
    assert cancelled.status_code == 303
    assert cancelled.headers["Location"].endswith(f"/portal/bonds/{book.bond_id}/pay?canceled=1")
    paid = cosigner.post(path, {"outcome": "succeed"})
    assert paid.status_code == 303
    assert paid.headers["Location"].endswith(
        f"/portal/bonds/{book.bond_id}/paid?session_id={session_id}"
    )
    with app.app_context():
        fake = stripe_api.fake()
        kinds = [fake.get("events", e)["type"] for e in fake.pending_events()]
        accounts = {fake.get("events", e).get("account") for e in fake.pending_events()}
    assert {"checkout.session.completed", "payment_intent.succeeded"} <= set(kinds)
    assert accounts == {account}
    assert ledger(app, tenant, book.bond_id) == []  # only the webhook enters it
    assert "This checkout is complete." in cosigner.get(path).get_data(as_text=True)


def test_the_fake_checkout_page_is_not_there_with_a_real_key(
    app, tenant, book, cosigner, monkeypatch
):
    connected(app, tenant)
    where, session_id = session_of(pay(cosigner, book.bond_id))
    monkeypatch.setattr(stripe_api, "fake", lambda app=None: None)
    assert cosigner.get(f"/dev/stripe/checkout/{where}/{session_id}").status_code == 404
