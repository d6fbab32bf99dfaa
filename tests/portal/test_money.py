"""The portal's money pages: each installment's state, my receipts, and nobody else's."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bbp.extensions import db
from bbp.payments.models import Instalment, Payment, PaymentPlan
from bbp.settings import services as settings
from tests.portal.conftest import inside, make_book, sign_in
from tests.support import unmarked

NOW = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)  # noon on December 20 in New York


def pay(app, agency, bond_id: int, amount: str, number: str, voided: bool = False) -> int:
    """A payment toward the premium; returns its id."""
    with inside(app, agency):
        payment = Payment(
            bond_id=bond_id,
            receipt_number=number,
            kind="premium",
            method="cash",
            amount=Decimal(amount),
            payer_name="Rosa Reyes",
            received_at=datetime(2026, 12, 1, 15, tzinfo=UTC),
            voided_at=NOW if voided else None,
            void_reason="Entered twice" if voided else "",
        )
        db.session.add(payment)
        db.session.commit()
        return payment.id


def fetch(visitor, path: str):
    """A binary response (Visitor.get reads pages as text)."""
    return visitor.client.get(path, base_url=visitor.base_url)


def rows(page: str) -> list[str]:
    """The plan table's rows as plain text, one string per row."""
    table = page.split('class="compact plan-lines"', 1)[1].split("</table>", 1)[0]
    found = re.findall(r"<tr class=\"plan-[a-z_]+\">(.*?)</tr>", table, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in found]


@pytest.fixture
def december_20(clock):
    """The app's one clock at NOW, set before the cosigner signs in (their session runs on it)."""
    clock.set(NOW)


def test_each_installment_shows_paid_partly_paid_due_or_overdue(
    december_20, cosigner, app, tenant, book
):
    with inside(app, tenant):
        plan = PaymentPlan(bond_id=book.bond_id, down_payment=Decimal("100.00"))
        plan.instalments = [
            Instalment(due_on=date(2026, 12, 1), amount=Decimal("100.00")),
            Instalment(due_on=date(2026, 12, 10), amount=Decimal("100.00")),
            Instalment(due_on=date(2026, 12, 20), amount=Decimal("100.00")),
            Instalment(due_on=date(2027, 1, 20), amount=Decimal("100.00")),
        ]
        db.session.add(plan)
        db.session.commit()
    pay(app, tenant, book.bond_id, "230.00", "R-000034")
    page = unmarked(cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True))
    assert rows(page) == [
        "Down payment $100.00 Paid",
        "December 1, 2026 $100.00 Paid",
        "December 10, 2026 $100.00 Overdue, $70.00 left",
        "December 20, 2026 $100.00 Due",  # due today is not overdue
        "January 20, 2027 $100.00 Due",
    ]
    assert "$70.00 overdue" in page  # the same allocation as the balance line
    assert "Next payment" not in page  # the oldest unpaid date is past: it is overdue, not next


def test_a_partly_paid_installment_not_yet_due_says_so(december_20, cosigner, app, tenant, book):
    with inside(app, tenant):
        plan = PaymentPlan(bond_id=book.bond_id, down_payment=Decimal("0.00"))
        plan.instalments = [Instalment(due_on=date(2027, 1, 5), amount=Decimal("500.00"))]
        db.session.add(plan)
        db.session.commit()
    pay(app, tenant, book.bond_id, "120.00", "R-000035")
    page = unmarked(cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True))
    assert rows(page)[-1] == "January 5, 2027 $500.00 Partly paid, $380.00 left"


def test_my_receipt_downloads_with_the_agency_details_and_a_clear_name(cosigner, app, tenant, book):
    with inside(app, tenant):
        row = settings.current()
        row.address_line1, row.city, row.state, row.postal_code = (
            "9 Court St",
            "Miami",
            "FL",
            "33101",
        )
        row.phone, row.license_number = "3055550100", "P123456"
        db.session.commit()
    payment_id = pay(app, tenant, book.bond_id, "100.00", "R-000034")
    page = unmarked(cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True))
    link = f"/portal/payments/{payment_id}/receipt.pdf"
    assert f'href="{link}"' in page
    response = fetch(cosigner, link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'inline; filename="{book.bond_number}-receipt-R-000034.pdf"'
    )
    for expected in (b"R-000034", b"9 Court St", b"555-0100", b"License No. P123456"):
        assert expected in response.data, expected


def test_a_void_payment_has_no_receipt_in_the_portal(cosigner, app, tenant, book):
    payment_id = pay(app, tenant, book.bond_id, "100.00", "R-000036", voided=True)
    assert "R-000036" not in unmarked(
        cosigner.get(f"/portal/bonds/{book.bond_id}").get_data(as_text=True)
    )
    assert fetch(cosigner, f"/portal/payments/{payment_id}/receipt.pdf").status_code == 404


def test_another_persons_receipt_in_the_same_agency_is_not_found(cosigner, app, tenant, book):
    stranger = make_book(
        app,
        tenant,
        defendant_phone="3055550111",
        cosigner_phone="3055550112",
        cosigner_email="someone@example.com",
        last_name="Stranger",
        number="B-2026-0999",
    )
    theirs = pay(app, tenant, stranger.bond_id, "100.00", "R-000037")
    mine = pay(app, tenant, book.bond_id, "100.00", "R-000038")
    refused = fetch(cosigner, f"/portal/payments/{theirs}/receipt.pdf")
    assert refused.status_code == 404 and b"R-000037" not in refused.data
    assert fetch(cosigner, f"/portal/payments/{mine}/receipt.pdf").status_code == 200


def test_another_agencys_receipt_is_not_found(visit, app, tenant, other_tenant):
    number = "R-000039"
    victim = make_book(app, tenant)
    payment_id = pay(app, tenant, victim.bond_id, "100.00", number)
    # The same phone is on file with the other agency, whose payment with that id is someone else's.
    someone = make_book(
        app, other_tenant, defendant_phone="3055550141", cosigner_phone="3055550143"
    )
    assert pay(app, other_tenant, someone.bond_id, "100.00", "R-000001") == payment_id
    make_book(app, other_tenant, last_name="Other", number="B-2026-0888")
    outsider = visit(other_tenant)
    sign_in(outsider, app, other_tenant)
    refused = fetch(outsider, f"/portal/payments/{payment_id}/receipt.pdf")
    assert refused.status_code == 404
    assert number.encode() not in refused.data and b"Alpha Bail Bonds" not in refused.data
