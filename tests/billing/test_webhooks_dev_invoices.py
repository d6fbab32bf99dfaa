"""The fake Stripe's hosted invoice pages: an agency's admins see their own invoices only,
platform admins any; none exist on the apex or once a Stripe key is configured."""

from __future__ import annotations

import pytest

from bbp.billing import dunning
from bbp.platform.roles import ADMIN_ROLES
from tests.billing.stripe_events import deliver_pending, fake, subscribe
from tests.platform.conftest import page_text
from tests.support import add_user


@pytest.fixture
def invoices(app, redis, clock, tenant, other_tenant):
    """One billed month for each agency: {agency slug: its invoice}."""
    billed = {}
    for agency in (tenant, other_tenant):
        sub = subscribe(app, agency).stripe_subscription_id
        fake(app).issue_invoice(sub)  # the trial's
        billed[agency.slug] = fake(app).issue_invoice(sub, outcome="failed")
    return billed


def _path(invoice, pdf=False) -> str:
    return f"/dev/stripe/invoices/{invoice['id']}" + ("/pdf" if pdf else "")


def test_an_owner_sees_the_agencys_invoice_and_its_pdf(owner, tenant, invoices):
    mine = invoices[tenant.slug]
    text = page_text(owner.get(_path(mine)))
    assert f"Invoice {mine['number']}" in text
    assert "Open (unpaid)" in text and "$99.00" in text and "Amount due $99.00" in text
    pdf = owner.get(_path(mine, pdf=True))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and mine["number"].encode() in pdf.data


def test_another_agencys_invoice_is_a_404_on_this_host(owner, other_tenant, invoices):
    theirs = invoices[other_tenant.slug]
    assert owner.get(_path(theirs)).status_code == 404
    assert owner.get(_path(theirs, pdf=True)).status_code == 404
    assert owner.get("/dev/stripe/invoices/in_missing").status_code == 404


def test_staff_below_admin_are_refused(app, visit, tenant, invoices):
    agent = add_user(app, tenant.info, role="agent")
    visitor = visit(tenant)
    visitor.login(agent.email)
    assert visitor.get(_path(invoices[tenant.slug])).status_code == 403
    signed_out = visit(tenant)
    assert signed_out.get(_path(invoices[tenant.slug])).status_code == 302


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_every_platform_admin_sees_any_invoice(console_as, tenant, other_tenant, invoices, role):
    console = console_as(role)
    for agency in (tenant, other_tenant):
        response = console.get(_path(invoices[agency.slug]))
        assert response.status_code == 200
        assert invoices[agency.slug]["number"] in page_text(response)


def test_signed_out_the_console_sends_to_its_sign_in(visit, tenant, invoices):
    response = visit("admin").get(_path(invoices[tenant.slug]))
    assert response.status_code == 302 and "/platform/login" in response.headers["Location"]


def test_no_page_on_the_apex_or_with_a_stripe_key(app, visit, owner, tenant, invoices, monkeypatch):
    assert visit("www").get(_path(invoices[tenant.slug])).status_code == 404
    monkeypatch.setitem(app.extensions, "stripe_fake", None)  # a real key: no fake behind it
    assert owner.get(_path(invoices[tenant.slug])).status_code == 404


def test_an_owner_pays_an_open_invoice_with_the_test_card_and_is_paid_up(
    app, owner, tenant, other_tenant, invoices
):
    deliver_pending(app)  # the failed payments: both agencies past due
    mine, theirs = invoices[tenant.slug], invoices[other_tenant.slug]
    billing = page_text(owner.get("/billing/"))
    assert "Amount owed $99.00 on 1 open invoice" in billing
    assert f'href="{_path(mine)}"' in owner.get("/billing/").get_data(as_text=True)
    assert "Pay $99.00 with the test card" in page_text(owner.get(_path(mine)))
    assert (
        owner.post(f"/dev/billing-portal/invoices/{theirs['id']}/pay").status_code == 404
    )  # another agency's: untouched
    assert owner.post(f"/dev/billing-portal/invoices/{mine['id']}/pay").status_code == 303
    deliver_pending(app)
    with app.app_context():
        assert fake(app).get("invoices", mine["id"])["status"] == "paid"
        assert fake(app).get("invoices", theirs["id"])["status"] == "open"
        assert dunning.state_of(tenant.info.id) == "active"
        assert dunning.state_of(other_tenant.info.id) == "past_due"
    assert "Pay $99.00 with the test card" not in page_text(owner.get(_path(mine)))


def test_the_test_card_pays_nothing_with_a_stripe_key_or_for_lesser_staff(
    app, visit, tenant, invoices, monkeypatch
):
    mine = invoices[tenant.slug]
    agent = add_user(app, tenant.info, role="agent")
    staff = visit(tenant)
    staff.login(agent.email)
    assert staff.post(f"/dev/billing-portal/invoices/{mine['id']}/pay").status_code == 403
    monkeypatch.setitem(app.extensions, "stripe_fake", None)
    owner = visit(tenant)
    owner.login(tenant.owner_email)
    assert owner.post(f"/dev/billing-portal/invoices/{mine['id']}/pay").status_code == 404
