"""When autopay is not offered, the portal says why: only overdue installments left (pay them
now), no online card payments, a plan fully paid, or no plan; the Pay page says the same."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from tests.merchant import autopay_support as support
from tests.portal import conftest as portal

NOON = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # noon in New York
book, cosigner = portal.book, portal.cosigner  # fixtures: a $500 bond, its cosigner signed in
PAST_DUE = [(date(2026, 11, 1), "200.00"), (date(2026, 11, 15), "200.00")]


@pytest.fixture(autouse=True)
def daytime(clock):
    clock.set(NOON)
    return clock


def text_of(page: str) -> str:
    inline = re.sub(r"</?span[^>]*>", "", page)  # money figures sit in spans
    return " ".join(re.sub(r"<[^>]+>", " ", inline).split())


def autopay_page(cosigner, bond_id: int):
    response = cosigner.get(f"/portal/bonds/{bond_id}/autopay")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def reason(page: str) -> str:
    return re.search(r'id="autopay-not-offered" data-reason="([a-z_]+)"', page).group(1)


def test_only_overdue_installments_left_says_pay_them_now_with_the_pay_button(
    app, tenant, book, cosigner
):
    support.connect(app, tenant)
    support.add_plan(app, tenant, book.bond_id, "100.00", PAST_DUE)
    support.pay_cash(app, tenant, book.bond_id, "100.00")
    page = autopay_page(cosigner, book.bond_id)
    words = text_of(page)
    assert reason(page) == "overdue"
    assert "every installment left on this plan is past its due date" in words
    assert "Please pay the overdue amount now." in words
    assert "once the plan has an installment due in the future" in words
    assert "does not take card payments" not in words and 'name="agree"' not in page
    button = re.search(r'<a role="button" id="pay-now" href="([^"]+)">(.+?)</a>', page)
    assert button.group(1) == f"/portal/bonds/{book.bond_id}/pay"
    assert text_of(button.group(2)) == "Pay $400.00 now"
    pay = cosigner.get(button.group(1)).get_data(as_text=True)
    assert "Overdue: $400.00" in text_of(pay)
    assert 'id="pay-autopay-note"' in pay and 'name="save_card"' not in pay


def test_an_overdue_installment_beside_a_future_one_still_offers_autopay(
    app, tenant, book, cosigner
):
    support.connect(app, tenant)
    plan = [(date(2026, 11, 1), "200.00"), (date(2026, 12, 20), "200.00")]
    support.add_plan(app, tenant, book.bond_id, "100.00", plan)
    support.pay_cash(app, tenant, book.bond_id, "100.00")
    page = autopay_page(cosigner, book.bond_id)
    assert 'id="autopay-not-offered"' not in page and 'name="agree"' in page
    assert "$200.00 on December 20, 2026" in text_of(page)
    pay = text_of(cosigner.get(f"/portal/bonds/{book.bond_id}/pay").get_data(as_text=True))
    assert "Overdue: $200.00" in pay and "Autopay is not offered" not in pay


def test_a_partly_overdue_amount_due_now_says_how_much_is_late(app, tenant, book, cosigner):
    support.connect(app, tenant)
    plan = [(date(2026, 11, 1), "200.00"), (date(2026, 12, 1), "200.00")]
    support.add_plan(app, tenant, book.bond_id, "100.00", plan)
    support.pay_cash(app, tenant, book.bond_id, "100.00")
    pay = text_of(cosigner.get(f"/portal/bonds/{book.bond_id}/pay").get_data(as_text=True))
    assert "Amount due now: $400.00, of which $200.00 is overdue" in pay


def test_an_agency_without_online_card_payments_says_so_and_offers_no_button(
    app, tenant, book, cosigner
):
    support.add_plan(app, tenant, book.bond_id, "100.00", [(date(2027, 1, 10), "400.00")])
    page = autopay_page(cosigner, book.bond_id)
    assert reason(page) == "no_account"
    assert f"{tenant.name} does not take card payments online right now" in text_of(page)
    assert 'id="pay-now"' not in page


def test_a_fully_paid_plan_says_there_is_nothing_left(app, tenant, book, cosigner):
    support.connect(app, tenant)
    support.add_plan(app, tenant, book.bond_id, "100.00", PAST_DUE)
    support.pay_cash(app, tenant, book.bond_id, "500.00")
    page = autopay_page(cosigner, book.bond_id)
    assert reason(page) == "paid"
    assert "Every installment of this bond's payment plan is paid" in text_of(page)
    assert 'id="pay-now"' not in page  # nothing is owed


def test_a_bond_without_a_plan_says_autopay_pays_plan_installments(app, tenant, book, cosigner):
    support.connect(app, tenant)
    page = autopay_page(cosigner, book.bond_id)
    assert reason(page) == "no_plan"
    assert "this bond has none" in text_of(page)
    assert 'id="pay-now"' in page  # the $500 owed can still be paid


def test_the_reason_is_in_spanish_for_a_spanish_speaker(app, tenant, book, cosigner):
    support.connect(app, tenant)
    support.add_plan(app, tenant, book.bond_id, "100.00", PAST_DUE)
    cosigner.post("/portal/language", {"language": "es", "next": "/portal/"})
    page = autopay_page(cosigner, book.bond_id)
    words = text_of(page)
    assert reason(page) == "overdue" and "Pague ahora el monto atrasado." in words
    assert "Pagar $500.00 ahora"  # the down payment is late too in words


def test_the_other_agency_never_shows_this_bonds_reason(app, tenant, other_tenant, book, visit):
    support.connect(app, tenant)
    support.add_plan(app, tenant, book.bond_id, "100.00", PAST_DUE)
    theirs = portal.make_book(app, other_tenant, number="B-2026-0303")
    visitor = visit(other_tenant)
    portal.sign_in(visitor, app, other_tenant)
    page = visitor.get(f"/portal/bonds/{theirs.bond_id}/autopay").get_data(as_text=True)
    assert reason(page) == "no_account"  # their own agency's state, not this one's
    assert book.bond_number not in page
    anonymous = visit(other_tenant)
    assert anonymous.get(f"/portal/bonds/{book.bond_id}/autopay").status_code == 302
