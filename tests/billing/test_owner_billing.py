"""The owner's billing page: the plan, seats, texts, next invoice; owners only, each agency its
own; Stripe down shown plainly; the card through the portal (its development stand-in)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bbp.billing import stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.billing.fake_stripe import FakeStripe
from bbp.extensions import db
from bbp.messaging.models import Message
from bbp.tenancy.context import bound
from tests.billing.owner_support import account, paid_up, subscribe
from tests.billing.support import calls
from tests.support import add_user


def named(label: str) -> str:
    """A plan name no other test uses (plans outlive a test)."""
    return f"{label} {uuid.uuid4().hex[:6]}"


def test_the_owner_sees_plan_seats_texts_and_the_next_invoice(app, clock, owner, tenant):
    name = named("Plan Owner View")
    subscribe(
        app,
        tenant,
        name=name,
        monthly_price_cents=14900,
        trial_days=0,
        included_seats=4,
        included_texts=500,
    )
    paid_up(app, tenant)
    clock.advance(days=1)  # a day into the period
    add_user(app, tenant.info, role="agent")
    with app.app_context(), bound(tenant.info, db.session):
        for sent, segments in (
            (clock.now - timedelta(minutes=1), 2),
            (clock.now - timedelta(days=40), 5),
        ):
            db.session.add(
                Message(
                    phone="+15555550100",
                    body="hi",
                    direction="out",
                    purpose="manual",
                    status="sent",
                    segments=segments,
                    sent_at=sent,
                )
            )
        db.session.commit()
    body = owner.get("/billing/").get_data(as_text=True)
    assert name in body and "$149.00" in body and "Active" in body
    assert "2 of 4 in use" in body  # the owner and the agent
    assert "2 of 500 included" in body  # the text from before this period is not counted
    assert "Next invoice" in body and f"1 \u00d7 {name} (at $149.00 / month)" in body
    assert calls(app, "POST", "/v1/invoices/create_preview")


def test_other_staff_are_refused_and_admins_are_told_to_ask_the_owner(app, visit, tenant):
    subscribe(app, tenant)
    for role in ("admin", "manager", "agent", "viewer"):
        user = add_user(app, tenant.info, role=role)
        visitor = visit(tenant)
        visitor.login(user.email)
        for path in ("/billing/", "/billing/plan", "/billing/cancel"):
            assert visitor.get(path).status_code == 403, (role, path)
        for path in ("/billing/card", "/billing/plan", "/billing/cancel", "/billing/keep"):
            assert visitor.post(path).status_code == 403, (role, path)


def test_each_owner_sees_only_their_agencys_billing(app, visit, tenant, other_tenant, monkeypatch):
    alpha, bravo = named("Plan Of Alpha"), named("Plan Of Bravo")
    subscribe(app, tenant, name=alpha)
    subscribe(app, other_tenant, name=bravo)
    mine = account(app, other_tenant)
    with app.app_context():  # agency A has a paid invoice; B has none
        theirs = stripe_api.fake().issue_invoice(account(app, tenant).stripe_subscription_id)
    asked = []  # the customer of every invoice list and preview the page asks Stripe for
    for handler in ("_list_invoices", "_create_preview"):
        real = getattr(FakeStripe, handler)
        monkeypatch.setattr(
            FakeStripe,
            handler,
            lambda self, params, _real=real, **path: (
                asked.append(params["customer"]),
                _real(self, params, **path),
            )[1],
        )
    visitor = visit(other_tenant)
    visitor.login(other_tenant.owner_email)
    body = visitor.get("/billing/").get_data(as_text=True)
    assert bravo in body and alpha not in body
    assert theirs["number"] not in body and "No invoices yet" in body
    assert asked == [mine.stripe_customer_id] * 2
    with app.app_context():
        fake = stripe_api.fake()
    response = visitor.post("/billing/card")
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        assert fake.get("portal_sessions", session_id)["customer"] == mine.stripe_customer_id
    stranger = visit(tenant)  # agency A's host: the other owner has no account there
    stranger.login(other_tenant.owner_email)
    assert stranger.get("/billing/").status_code == 302


def test_an_agency_on_no_plan_is_told_so(owner):
    body = owner.get("/billing/").get_data(as_text=True)
    assert "not on a BailBondPro plan" in body and "no limit on staff seats" in body


@pytest.mark.parametrize("status", [500, 503])
def test_stripe_down_shows_billing_unavailable_not_an_error(
    app, owner, tenant, monkeypatch, status
):
    name = named("Plan When Down")
    subscribe(app, tenant, name=name)

    def down(self, method, path, params):
        raise StripeFault(status, "Stripe is having a moment.", "api_error")

    monkeypatch.setattr(FakeStripe, "_route", down)
    response = owner.get("/billing/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Billing details are unavailable right now" in body and name in body
    refused = owner.post("/billing/card", follow_redirects=True).get_data(as_text=True)
    assert "Billing is unavailable right now" in refused


def test_update_card_goes_to_the_portal_and_back(app, owner, tenant):
    subscribe(app, tenant)
    response = owner.post("/billing/card")
    assert response.status_code == 303
    portal = response.headers["Location"]
    assert portal.startswith(f"{owner.base_url}/dev/billing-portal/bps_")
    page = owner.get(portal.removeprefix(owner.base_url)).get_data(as_text=True)
    assert "Stripe customer portal" in page and "None yet" in page
    saved = owner.post(portal.removeprefix(owner.base_url) + "/card")
    assert saved.status_code == 303 and saved.headers["Location"] == f"{owner.base_url}/billing/"
    page = owner.get(portal.removeprefix(owner.base_url)).get_data(as_text=True)
    assert "Visa ending 4242" in page


def test_the_portal_stand_in_is_only_the_agencys_own(app, owner, visit, tenant, other_tenant):
    subscribe(app, tenant)
    subscribe(app, other_tenant)
    path = owner.post("/billing/card").headers["Location"].removeprefix(owner.base_url)
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    assert other.get(path).status_code == 404
    assert other.post(path + "/card").status_code == 404


def test_cancel_at_period_end_shows_the_date_and_can_be_undone(app, owner, tenant):
    subscribe(app, tenant, trial_days=0)
    ends = account(app, tenant).current_period_end.astimezone(ZoneInfo(tenant.info.timezone))
    confirm = owner.get("/billing/cancel").get_data(as_text=True)
    assert f"{ends:%b} {ends.day}, {ends.year}" in confirm
    assert owner.post("/billing/cancel").status_code == 303
    assert account(app, tenant).cancel_at_period_end is True
    body = owner.get("/billing/").get_data(as_text=True)
    assert "Your subscription ends on" in body and "Keep my subscription" in body
    assert "No further invoice" in body
    assert owner.post("/billing/keep").status_code == 303
    assert account(app, tenant).cancel_at_period_end is False
    with app.app_context():
        sub = stripe_api.client().v1.subscriptions.retrieve(
            account(app, tenant).stripe_subscription_id
        )
    assert sub.cancel_at_period_end is False
