"""Text-to-pay: staff text a signed, expiring pay link; it opens a phone page and goes to
Checkout; expired, revoked, paid, tampered and other agencies' links are refused clearly."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.merchant.models import OnlinePayment, PayLink
from bbp.payments.models import Payment
from tests.merchant.checkout_support import complete, connected, deliver, ledger, pay, session_of
from tests.portal import conftest as portal
from tests.portal.conftest import (
    COSIGNER_PHONE,
    DEFENDANT_PHONE,
    inside,
    make_book,
    sign_in,
    texts_to,
)
from tests.portal.test_money import pay as cash
from tests.support import add_user

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
LINK = re.compile(r"https?://[^/\s]+(/pay/\S+)")
book, cosigner = portal.book, portal.cosigner


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


@pytest.fixture
def agent(app, visit, tenant):
    user = add_user(app, tenant.info, "agent")
    visitor = visit(tenant)
    assert visitor.login(user.email).status_code == 302
    return visitor


def _words(page: str) -> str:
    """A page's text as read: tags gone (money figures and receipt numbers sit in spans)."""
    inline = re.sub(r"</?span[^>]*>", "", page)
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def _send(staff, bond_id: int, **form):
    staff.get(f"/bonds/{bond_id}/pay-links")
    data = {"recipient": f"cosigner-{form.pop('cosigner_id', '')}", "amount": "", "days": "7"}
    return staff.post(f"/bonds/{bond_id}/pay-links", {**data, **form})


def _link_path(app, agency, phone: str = COSIGNER_PHONE) -> str:
    [text] = [m for m in texts_to(app, agency, phone) if m.purpose == "pay_link"][-1:]
    return LINK.search(text.body).group(1)


def test_an_agent_texts_a_pay_link_that_pays_through_checkout(app, tenant, book, agent, visit):
    account = connected(app, tenant)
    response = _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="125.50")
    assert response.status_code == 303, response.get_data(as_text=True)
    [text] = [m for m in texts_to(app, tenant, COSIGNER_PHONE) if m.purpose == "pay_link"]
    assert "$125.50" in text.body and book.bond_number in text.body
    with inside(app, tenant):
        [link] = db.session.scalars(select(PayLink)).all()
        assert (link.amount_cents, link.sent_to) == (12550, f"+1{COSIGNER_PHONE}")
        assert link.expires_at == NOON + timedelta(days=7)
        link_id = link.id
    panel = agent.get(f"/bonds/{book.bond_id}/pay-links", htmx=True).get_data(as_text=True)
    assert ">Sent</span>" in panel and "$125.50" in panel
    # The payer opens it on their phone: no sign-in.
    payer = visit(tenant)
    path = _link_path(app, tenant)
    page = payer.get(path)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert tenant.name in body and book.bond_number in body and "Marcus" in body
    assert "Reyes" not in body.split("<footer")[0].split("</header>")[1]  # first name only
    assert "$125.50" in body
    where, session_id = session_of(payer.post(path))
    assert where == account
    with inside(app, tenant):
        [row] = db.session.scalars(select(OnlinePayment)).all()
        assert (row.source, row.pay_link_id, row.amount_cents) == ("pay_link", link_id, 12550)
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    assert [a for _, a, _ in ledger(app, tenant, book.bond_id)] == [Decimal("125.50")]
    # Paid: the link says so, with the payment (and the done page still shows its receipt).
    again = payer.get(path)
    shown = _words(again.get_data(as_text=True))
    assert again.status_code == 200
    assert "Paid. Thank you." in shown and "cannot be used" not in shown
    with inside(app, tenant):
        [receipt] = db.session.scalars(select(Payment.receipt_number)).all()
    assert f"$125.50 was paid on December 1, 2026. Receipt {receipt}." in shown
    assert payer.post(path).status_code == 410  # it starts no second payment
    done = payer.get(f"{path}/done?session_id={session_id}").get_data(as_text=True)
    assert "Receipt R-" in done
    panel = agent.get(f"/bonds/{book.bond_id}/pay-links", htmx=True).get_data(as_text=True)
    assert ">Paid</span>" in panel


def test_a_link_for_the_amount_due_asks_what_is_due_when_opened(app, tenant, book, agent, visit):
    connected(app, tenant)
    response = _send(agent, book.bond_id, recipient="defendant")
    assert response.status_code == 303
    [text] = [m for m in texts_to(app, tenant, DEFENDANT_PHONE) if m.purpose == "pay_link"]
    assert "the amount due" in text.body
    page = visit(tenant).get(_link_path(app, tenant, DEFENDANT_PHONE)).get_data(as_text=True)
    assert "$500.00" in page


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"amount": "500.01"}, "amount", "The balance is $500.00: ask for that or less."),
        ({"amount": "0"}, "amount", "The amount must be more than $0.00."),
        (
            {"amount": "0.49"},
            "amount",
            "Stripe&#39;s least card payment is $0.50: ask for that or more.",
        ),
        ({"amount": "1.234"}, "amount", "Amounts cannot include fractions of a cent."),
        ({"amount": "ten"}, "amount", "Enter an amount such as 1500 or 1,500.00."),
        ({"days": "0"}, "days", "A link lasts 1 to 30 days."),
        ({"days": "31"}, "days", "A link lasts 1 to 30 days."),
        ({"recipient": "cosigner-999999"}, "recipient", "Not a valid choice."),
    ],
)
def test_a_wrong_pay_link_is_refused_beside_its_field(
    app, tenant, book, agent, form, field, message
):
    connected(app, tenant)
    response = _send(agent, book.bond_id, cosigner_id=book.cosigner_id, **form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert f'id="{field}-error" class="field-error">{message}</small>' in page
    with inside(app, tenant):
        assert db.session.scalars(select(PayLink)).all() == []


def test_viewers_cannot_send_or_revoke_pay_links(app, tenant, book, visit):
    connected(app, tenant)
    user = add_user(app, tenant.info, "viewer")
    viewer = visit(tenant)
    viewer.login(user.email)
    assert viewer.get(f"/bonds/{book.bond_id}/pay-links").status_code == 200
    assert _send(viewer, book.bond_id, cosigner_id=book.cosigner_id).status_code == 403
    assert viewer.post(f"/bonds/{book.bond_id}/pay-links/1/revoke").status_code == 403


def test_expired_revoked_and_tampered_links_say_so(app, tenant, book, agent, visit, daytime):
    connected(app, tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, days="2")
    path = _link_path(app, tenant)
    payer = visit(tenant)
    assert payer.get(path).status_code == 200
    tampered = payer.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert tampered.status_code == 400
    assert "This payment link is not valid." in tampered.get_data(as_text=True)
    daytime.advance(days=2, seconds=1)
    expired = payer.get(path)
    assert expired.status_code == 410
    assert "This payment link has expired." in expired.get_data(as_text=True)
    assert payer.post(path).status_code == 410
    daytime.set(NOON)
    with inside(app, tenant):
        [link] = db.session.scalars(select(PayLink)).all()
        link_id = link.id
    agent.get(f"/bonds/{book.bond_id}/pay-links")
    assert agent.post(f"/bonds/{book.bond_id}/pay-links/{link_id}/revoke").status_code == 303
    revoked = payer.get(path)
    assert revoked.status_code == 410
    assert "This payment link was canceled." in revoked.get_data(as_text=True)


def test_a_link_on_a_bond_paid_in_full_says_nothing_is_left(app, tenant, book, agent, visit):
    connected(app, tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id)
    path = _link_path(app, tenant)
    cash(app, tenant, book.bond_id, "500.00", "R-900001")
    response = visit(tenant).get(path)
    assert response.status_code == 410
    assert "Nothing is left to pay on this bond." in response.get_data(as_text=True)


def test_another_agencys_link_bond_and_link_ids_are_not_found(
    app, tenant, other_tenant, book, agent, visit
):
    connected(app, tenant)
    connected(app, other_tenant)
    make_book(app, other_tenant, number="B-2026-0908")
    theirs = make_book(app, other_tenant, number="B-2026-0909", defendant_phone="3055550198")
    assert theirs.bond_id != book.bond_id  # an id agency A does not have
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id)
    path = _link_path(app, tenant)
    # Agency A's link on agency B's host.
    assert visit(other_tenant).get(path).status_code == 404
    assert visit(other_tenant).post(path).status_code in (400, 404)
    # Agency B's bond from agency A's staff.
    assert agent.get(f"/bonds/{theirs.bond_id}/pay-links").status_code == 404
    assert _send(agent, theirs.bond_id, recipient="defendant").status_code == 404
    # A link id of another bond.
    with inside(app, tenant):
        [link_id] = db.session.scalars(select(PayLink.id)).all()
    other = make_book(app, tenant, number="B-2026-0102", defendant_phone="3055550199")
    agent.get(f"/bonds/{other.bond_id}/pay-links")
    assert agent.post(f"/bonds/{other.bond_id}/pay-links/{link_id}/revoke").status_code == 404


def test_the_bond_page_loads_the_pay_links_panel(app, tenant, book, agent):
    connected(app, tenant)
    page = agent.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert f'hx-get="/bonds/{book.bond_id}/pay-links"' in page
    panel = agent.get(f"/bonds/{book.bond_id}/pay-links", htmx=True).get_data(as_text=True)
    assert "Text pay link" in panel and "Rosa Reyes (cosigner)" in panel


def test_no_pay_links_without_a_stripe_account(app, tenant, book, agent):
    panel = agent.get(f"/bonds/{book.bond_id}/pay-links", htmx=True).get_data(as_text=True)
    assert "Text pay link" not in panel and "Settings → Payments" in panel
    response = _send(agent, book.bond_id, cosigner_id=book.cosigner_id)
    assert response.status_code == 422


def test_a_fixed_amount_link_asks_no_more_than_the_balance_when_opened(
    app, tenant, book, agent, visit
):
    """Security review finding 1: paid down after the text went out, a $300 link asks for the
    $100 left, on the page and at Checkout."""
    account = connected(app, tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="300.00")
    path = _link_path(app, tenant)
    cash(app, tenant, book.bond_id, "400.00", "R-900002")
    payer = visit(tenant)
    page = payer.get(path).get_data(as_text=True)
    assert "$100.00" in page and "$300.00" not in page
    where, session_id = session_of(payer.post(path))
    assert where == account
    with inside(app, tenant):
        [row] = db.session.scalars(select(OnlinePayment)).all()
        assert (row.checkout_session_id, row.amount_cents) == (session_id, 10000)


def test_the_payers_pages_speak_spanish_like_the_portal(app, tenant, book, agent, visit):
    """The Pay pages live outside the portal's blueprint; they still follow the payer's
    language (the portal's choice, or on a texted link the recipient's saved language)."""
    connected(app, tenant)
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).language = "es"
        db.session.commit()
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="125.50")
    phone = visit(tenant)
    page = phone.get(_link_path(app, tenant), headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "Usted paga en una página segura de Stripe" in page.get_data(as_text=True)
    cosigner = visit(tenant)
    sign_in(cosigner, app, tenant)
    cosigner.post("/portal/language", {"language": "es", "next": "/portal/"})
    pay_page = cosigner.get(f"/portal/bonds/{book.bond_id}/pay").get_data(as_text=True)
    assert "Hacer un pago" in pay_page and '<html lang="es">' in pay_page
    staff_page = agent.get(f"/bonds/{book.bond_id}/pay-links", headers={"Accept-Language": "es"})
    assert "Pagar" not in staff_page.get_data(as_text=True)  # staff pages stay in English


def test_a_pay_link_pressed_while_someone_is_paying_says_so(
    app, tenant, book, agent, visit, cosigner
):
    connected(app, tenant)
    session_of(pay(cosigner, book.bond_id))  # the cosigner is on the Checkout page
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="125.50")
    path = _link_path(app, tenant)
    pressed = visit(tenant).post(path)
    assert pressed.status_code == 409
    assert "A payment on this bond is being processed." in pressed.get_data(as_text=True)


def _paid_through_link(app, tenant, book, agent, visit, **form):
    """Text a $125.50 link to the cosigner and pay it; returns the link's path."""
    account = connected(app, tenant)
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="125.50", **form)
    path = _link_path(app, tenant)
    _, session_id = session_of(visit(tenant).post(path))
    assert set(deliver(app, complete(app, account, session_id))) == {200}
    return path


def test_a_paid_link_thanks_the_payer_in_their_language(
    app, tenant, other_tenant, book, agent, visit
):
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).language = "es"
        db.session.commit()
    path = _paid_through_link(app, tenant, book, agent, visit)
    with inside(app, tenant):
        [receipt] = db.session.scalars(select(Payment.receipt_number)).all()
    page = visit(tenant).get(path, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert page.status_code == 200 and '<html lang="es">' in page.get_data(as_text=True)
    shown = _words(page.get_data(as_text=True))
    assert "Pagado. Gracias." in shown
    assert f"Se pagaron $125.50 el 1 de diciembre de 2026. Recibo {receipt}." in shown
    elsewhere = visit(other_tenant).get(path)  # another agency's host learns nothing of it
    assert elsewhere.status_code == 404 and "125.50" not in elsewhere.get_data(as_text=True)


def test_a_pay_link_opens_in_the_recipients_language_unless_they_switch(
    app, tenant, book, agent, visit
):
    """The cosigner chose Spanish: the texted link opens in Spanish on an English phone, and
    in English on a Spanish phone for an English speaker; the switch still wins."""
    connected(app, tenant)
    with inside(app, tenant):
        db.session.get(Indemnitor, book.cosigner_id).language = "es"
        db.session.commit()
    _send(agent, book.bond_id, cosigner_id=book.cosigner_id, amount="125.50")
    [text] = [m for m in texts_to(app, tenant, COSIGNER_PHONE) if m.purpose == "pay_link"]
    assert "(hasta el 8 de diciembre)" in text.body and "/12" not in text.body
    phone = visit(tenant)
    page = phone.get(_link_path(app, tenant), headers={"Accept-Language": "en-US"})
    assert "Usted paga en una página segura de Stripe" in page.get_data(as_text=True)
    phone.post("/portal/language", {"language": "en", "next": _link_path(app, tenant)})
    page = phone.get(_link_path(app, tenant), headers={"Accept-Language": "es"})
    assert "You pay on a secure card page run by Stripe" in page.get_data(as_text=True)
    _send(agent, book.bond_id, recipient="defendant", amount="10.00")
    english = _link_path(app, tenant, DEFENDANT_PHONE)
    page = visit(tenant).get(english, headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "You pay on a secure card page run by Stripe" in page.get_data(as_text=True)
