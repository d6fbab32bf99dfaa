"""A suspended agency's clients still sign in to the portal (the code is texted) and see their
court dates; once the agency is closed they see the closed page."""

from __future__ import annotations

from bbp.platform import lifecycle
from tests.portal.conftest import sign_in


def test_a_client_signs_in_and_sees_the_court_date_while_the_agency_is_suspended(
    visit, app, tenant, book, redis
):
    with app.app_context():
        lifecycle.suspend(tenant.info.id, "Unpaid invoices")
    client = visit(tenant)
    response = sign_in(client, app, tenant)  # the sign-in code is texted by a worker job
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    home = client.get("/portal/").get_data(as_text=True)
    assert book.bond_number in home and "Room 4-2" in home
    assert client.get("/login").status_code == 403  # the agency's staff pages are not


def test_a_signed_in_client_sees_the_closed_page_once_deletion_is_scheduled(cosigner, app, tenant):
    with app.app_context():
        lifecycle.schedule_deletion(tenant.info.id, "Agency closed", tenant.slug)
    page = cosigner.get("/portal/")
    assert page.status_code == 410
    assert "If you have a court date, it still stands" in page.get_data(as_text=True)
