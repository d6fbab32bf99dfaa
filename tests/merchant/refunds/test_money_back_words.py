"""Money that went back to the person (a refund to the card, a lost card dispute, a refund in
cash) reads as money going back wherever it shows: in the portal, with a minus sign and in
Spanish too, on the staff bond page, its timeline, the payments list and the receipt."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from bbp.billing import fake_delivery
from bbp.extensions import db
from bbp.payments.models import Payment
from tests.merchant.refunds.support import PAYER, paid_online, signed_in
from tests.merchant.refunds.test_disputes import _close, _open
from tests.merchant.refunds.test_ledger_words import _card
from tests.merchant.refunds.test_receipt_words import _lines, _refunded
from tests.merchant.support import connected
from tests.portal import conftest as portal
from tests.portal.conftest import inside, make_book, sign_in
from tests.portal.test_money import pay
from tests.support import unmarked

CARD = "Mastercard ending in 4444"
MINUS = "\u2212"  # a minus sign, not a hyphen, before money that went back
book, cosigner = portal.book, portal.cosigner


@pytest.fixture
def paid(app, tenant, book):
    """A $100.00 card payment on the portal cosigner's $500 bond, made with a known card."""
    account = connected(app, tenant)
    paid = paid_online(app, tenant, account, book.bond_id, 10000)
    _card(app, tenant, paid.online_id)
    return paid


@pytest.fixture
def manager(app, visit, tenant):
    return signed_in(app, visit, tenant, "manager")


def _plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", unmarked(html)).split())


def portal_money(visitor, bond_id: int) -> tuple[str, list[str]]:
    """The portal's payments heading and each entry's words, receipt and amount (no date)."""
    page = visitor.get(f"/portal/bonds/{bond_id}").get_data(as_text=True)
    heading, table = page.split('<h2 id="money">', 1)[1].split("<h3>")[-1].split("</h3>", 1)
    rows = re.findall(r"<tr>\s*<td>.*?</td>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    return heading, [_plain(row) for row in rows]


def staff_cell(page: str, receipt: str, label: str) -> str:
    """A cell of a receipt's row in a staff ledger table, as plain text."""
    row = re.search(rf"{receipt}</a>.*?</tr>", page, re.S).group(0)
    return _plain(re.search(rf'<td data-label="{label}"[^>]*>(.*?)</td>', row, re.S).group(1))


def test_a_refund_to_the_card_reads_as_money_going_back_in_the_portal(
    app, tenant, book, cosigner, manager, paid
):
    assert portal_money(cosigner, book.bond_id) == (
        "Payments received",
        [f"Card payment, {CARD} R-000001 $100.00"],
    )
    _refunded(app, tenant, manager, paid)
    assert portal_money(cosigner, book.bond_id) == (
        "Payments and refunds",
        [
            f"Refund to your card, {CARD} R-000002 {MINUS}$40.00",
            f"Card payment, {CARD} R-000001 $100.00",
        ],
    )
    page = unmarked(cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True))
    assert "$440.00</strong> left to pay" in page  # $500 less $100 paid, plus the $40 back


def test_in_spanish_the_refund_and_the_card_read_in_spanish(
    app, tenant, book, cosigner, manager, paid
):
    _refunded(app, tenant, manager, paid)
    cosigner.post("/portal/language", {"language": "es", "next": "/portal/"})
    assert portal_money(cosigner, book.bond_id) == (
        "Pagos y reembolsos",
        [
            f"Reembolso a su tarjeta, Mastercard terminada en 4444 R-000002 {MINUS}$40.00",
            "Pago con tarjeta, Mastercard terminada en 4444 R-000001 $100.00",
        ],
    )


def test_a_lost_card_dispute_reads_as_a_card_dispute_taken_back(app, tenant, book, cosigner, paid):
    dispute_id, opened = _open(app, paid)
    assert set(fake_delivery.deliver([*opened, *_close(app, paid, dispute_id, False)], app)) == {
        200
    }
    assert portal_money(cosigner, book.bond_id)[1] == [
        f"Card dispute, {CARD} R-000002 {MINUS}$100.00",
        f"Card payment, {CARD} R-000001 $100.00",
    ]


def _take(staff, bond_id: int, kind: str, amount: str) -> None:
    staff.get(f"/payments/bonds/{bond_id}/new")
    response = staff.post(
        f"/payments/bonds/{bond_id}/new",
        {"kind": kind, "method": "cash", "amount": amount, "reference": "", "payer_name": PAYER},
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)


def test_office_entries_read_as_payment_collateral_and_refund(app, tenant, book, cosigner, manager):
    _take(manager, book.bond_id, "premium", "200.00")
    pay(app, tenant, book.bond_id, "1000.00", "R-000900")  # no form takes cash collateral here
    with inside(app, tenant):
        db.session.execute(
            update(Payment)
            .where(Payment.receipt_number == "R-000900")
            .values(kind="collateral_cash")
        )
        db.session.commit()
    _take(manager, book.bond_id, "refund", "25.00")
    assert portal_money(cosigner, book.bond_id) == (
        "Payments and refunds",
        [
            f"Refund R-000002 {MINUS}$25.00",
            "Cash collateral R-000900 $1,000.00",
            "Payment R-000001 $200.00",
        ],
    )
    page = manager.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert staff_cell(page, "R-000002", "From / to") == f"Refunded to {PAYER}"
    assert staff_cell(page, "R-000001", "From / to") == PAYER
    lines = _lines(manager, _payment_id(page, "R-000002"))
    assert lines[lines.index("Refunded to") + 1] == PAYER
    assert "Received from" not in lines and "Received by" not in lines
    assert lines[lines.index("Method") + 1] == "Cash"


def _payment_id(page: str, receipt: str) -> int:
    return int(re.search(rf'/payments/(\d+)/receipt\.pdf"[^>]*>{receipt}<', page).group(1))


def test_staff_see_the_refund_going_back_on_the_bond_its_timeline_and_the_list(
    app, tenant, book, manager, paid
):
    entry_id, _ = _refunded(app, tenant, manager, paid)
    page = manager.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert '<th scope="col">From / to</th>' in page and '<th scope="col">From</th>' not in page
    assert staff_cell(page, "R-000002", "From / to") == f"Refunded to {PAYER}"
    assert staff_cell(page, "R-000001", "From / to") == PAYER
    timeline = _plain(page.split('id="timeline"', 1)[1])
    assert f"Refund $40.00 to {PAYER} (Refund to the card, {CARD}), receipt R-000002" in timeline
    assert (
        f"Premium $100.00 (Online card payment, {CARD}, in the portal), receipt R-000001, "
        f"from {PAYER}" in timeline
    )
    assert "Card (online)" not in page
    listed = manager.get("/payments/").get_data(as_text=True)
    assert staff_cell(listed, "R-000002", "For").startswith(f"Refund · Refund to the card, {CARD}")
    assert staff_cell(listed, "R-000002", "From / to") == f"Refunded to {PAYER}"
    assert staff_cell(listed, "R-000001", "For") == (
        f"Premium · Online card payment, {CARD}, in the portal"
    )
    assert "Card (online)" not in listed
    lines = _lines(manager, entry_id)
    assert lines[lines.index("Refunded to") + 1] == PAYER
    assert lines[lines.index("Refunded by") + 1] == "Online, through Stripe"
    assert "Received from" not in lines and "Received by" not in lines
    paid_lines = _lines(manager, paid.payment_id)
    assert paid_lines[paid_lines.index("Received from") + 1] == PAYER
    assert paid_lines[paid_lines.index("Received by") + 1] == "Online, confirmed by Stripe"


def test_a_lost_dispute_receipt_says_the_cardholders_bank_took_it_back(
    app, tenant, book, manager, paid
):
    dispute_id, opened = _open(app, paid)
    assert set(fake_delivery.deliver([*opened, *_close(app, paid, dispute_id, False)], app)) == {
        200
    }
    page = manager.get(f"/bonds/{book.bond_id}").get_data(as_text=True)
    assert f"Refund $100.00 to {PAYER} (Card dispute lost, {CARD}), receipt R-000002" in _plain(
        page
    )
    lines = _lines(manager, _payment_id(page, "R-000002"))
    assert lines[lines.index("Method") + 1] == f"Card dispute lost, {CARD}"
    assert lines[lines.index("Refunded by") + 1] == "The cardholder's bank, on a lost card dispute"


def test_the_other_agency_sees_none_of_it(app, visit, tenant, other_tenant, book, manager, paid):
    entry_id, _ = _refunded(app, tenant, manager, paid)
    # The same cosigner's phone is on file with the other agency, for a bond of its own that
    # has the same id as ours (each agency numbers its own rows).
    theirs = make_book(app, other_tenant)
    assert theirs.bond_id == book.bond_id
    outsider = visit(other_tenant)
    sign_in(outsider, app, other_tenant)
    own = outsider.get(f"/portal/bonds/{theirs.bond_id}").get_data(as_text=True)
    assert "No payments yet." in own and "Refund to your card" not in own and "R-00000" not in own
    assert outsider.get(f"/portal/payments/{entry_id}/receipt.pdf").status_code == 404
    staff = signed_in(app, visit, other_tenant, "manager")
    page = staff.get(f"/bonds/{theirs.bond_id}").get_data(as_text=True)
    assert "Refunded to" not in page and PAYER not in page
    assert staff.get(f"/payments/{entry_id}/receipt.pdf").status_code == 404
    listed = staff.get("/payments/").get_data(as_text=True)
    assert "Refunded to" not in listed and "R-000002" not in listed and "No payments" in listed
