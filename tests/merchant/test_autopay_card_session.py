"""An enrollment keeps the Checkout session that saved its card, so staff can trace autopay to
the payment that saved it (docs/payments-autopay.md, "Saving the card while paying")."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bbp.extensions import db
from bbp.merchant.models import AutopayEnrollment
from bbp.tenancy.context import bound
from tests.factories import make_bond
from tests.merchant import autopay_support as support
from tests.merchant import test_autopay_pages as pages
from tests.merchant.refunds.support import signed_in
from tests.merchant.test_autopay_pages import enrollments, opt_in, text_of

# Fixtures, shared: the agency taking charges, a bond on a plan, its cosigner signed in, noon.
account, book, cosigner, daytime = pages.account, pages.book, pages.cosigner, pages.daytime

SAVED_WITH = "The card was saved with"


def _pay_saving_card(cosigner, bond_id: int) -> str:
    """Pay what is due, ticking "save this card"; returns the Checkout session's id."""
    shown = pages._pay_page_shown(cosigner, bond_id)
    response = cosigner.post(
        f"/portal/bonds/{bond_id}/pay", {"choice": "due", "save_card": "y", "shown": shown}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def _complete(app, account: str, session_id: str, reverse: bool) -> None:
    """Stripe completes the session; its events arrive in order or reversed."""
    stub = support.fake(app)
    with app.app_context(), stub.acting_as(account):
        stub.complete(session_id)
    events = support.take(app)
    assert set(support.deliver(app, events[::-1] if reverse else events)) == {200}


@pytest.mark.parametrize("reverse", [False, True])
def test_a_card_saved_while_paying_keeps_the_payments_session_and_staff_see_its_receipt(
    app, visit, tenant, book, cosigner, account, reverse
):
    session_id = _pay_saving_card(cosigner, book.bond_id)
    _complete(app, account, session_id, reverse)
    [row] = enrollments(app, tenant)
    assert row.active_since is not None and row.card_session_id == session_id
    assert row.setup_session_id is None  # no setup session was opened
    [entry] = support.online_entries(app, tenant, book.bond_id)
    staff = signed_in(app, visit, tenant, "agent")
    panel = staff.get(f"/bonds/{book.bond_id}/autopay", htmx=True).get_data(as_text=True)
    assert "<html" not in panel
    assert f"{SAVED_WITH} the $133.33 payment, receipt {entry.receipt_number}" in text_of(panel)
    assert f'href="/payments/{entry.id}/receipt.pdf"' in panel


@pytest.mark.parametrize("reverse", [False, True])
def test_a_card_saved_on_the_autopay_page_keeps_its_setup_session(
    app, visit, tenant, book, cosigner, account, reverse
):
    """The SetupIntent's own event names no session: whichever event comes first, the
    session's event leaves it recorded."""
    session_id = opt_in(app, cosigner, book.bond_id).rsplit("/", 1)[1]
    _complete(app, account, session_id, reverse)
    [row] = enrollments(app, tenant)
    assert row.active_since is not None and row.card_session_id == session_id
    staff = signed_in(app, visit, tenant, "manager")
    panel = text_of(staff.get(f"/bonds/{book.bond_id}/autopay").get_data(as_text=True))
    assert "Visa ending in 4242" in panel and SAVED_WITH not in panel


@pytest.mark.parametrize(
    ("succeeds", "then"),
    [(True, "the $133.33 payment, receipt R-"), (False, "a $133.33 payment that did not go")],
)
def test_a_payment_still_settling_says_so_until_stripe_settles_it(
    app, visit, tenant, book, cosigner, account, succeeds, then
):
    session_id = _pay_saving_card(cosigner, book.bond_id)
    stub = support.fake(app)
    with app.app_context(), stub.acting_as(account):
        stub.complete(session_id, "later")  # a payment method that settles afterwards
    assert set(support.deliver_pending(app)) == {200}
    [row] = enrollments(app, tenant)
    assert row.active_since is not None and row.card_session_id == session_id
    assert support.online_entries(app, tenant, book.bond_id) == []
    staff = signed_in(app, visit, tenant, "agent")
    panel = text_of(staff.get(f"/bonds/{book.bond_id}/autopay").get_data(as_text=True))
    assert f"{SAVED_WITH} a $133.33 payment Stripe has not confirmed yet." in panel
    with app.app_context(), stub.acting_as(account):
        stub.settle_later(session_id, succeeds)
    assert set(support.deliver_pending(app)) == {200}
    panel = text_of(staff.get(f"/bonds/{book.bond_id}/autopay").get_data(as_text=True))
    assert f"{SAVED_WITH} {then}" in panel


def test_the_other_agency_sees_no_enrollment_nor_its_payment(
    app, visit, tenant, other_tenant, book, cosigner, account
):
    session_id = _pay_saving_card(cosigner, book.bond_id)
    _complete(app, account, session_id, reverse=False)
    theirs = signed_in(app, visit, other_tenant, "owner")
    assert theirs.get(f"/bonds/{book.bond_id}/autopay").status_code == 404


def test_a_payment_on_another_bond_is_never_shown_as_the_cards(
    app, visit, tenant, book, cosigner, account
):
    """The session id comes from Stripe, where anyone with the agency's Stripe access can write
    metadata: the panel names a payment only when it was taken on the enrollment's own bond."""
    session_id = _pay_saving_card(cosigner, book.bond_id)
    _complete(app, account, session_id, reverse=False)
    other_bond = make_bond(app, tenant)
    with app.app_context(), bound(tenant.info, db.session):
        db.session.execute(update(AutopayEnrollment).values(bond_id=other_bond))
        db.session.commit()
    staff = signed_in(app, visit, tenant, "manager")
    panel = text_of(staff.get(f"/bonds/{other_bond}/autopay").get_data(as_text=True))
    assert "Visa ending in 4242" in panel and SAVED_WITH not in panel
