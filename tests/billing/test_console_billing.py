"""The agency page's billing: what each admin sees, extending a trial and comping free months
through the real SDK and the fake Stripe, refused beside the field, retried once, audited twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import stripe

from bbp.billing import comps, stripe_api
from bbp.billing.fake_resources import StripeFault, add_month
from bbp.billing.models import BillingAccount
from bbp.extensions import db
from bbp.messaging.models import Message
from bbp.tenancy.context import bound
from tests.billing.support import (
    account,
    agency_entries,
    calls,
    end_trial,
    platform_actions,
    subscribed,
)
from tests.billing.sweep import signed_in_owner
from tests.platform.conftest import page_text


def _agency_day(agency, moment: datetime):
    return moment.astimezone(ZoneInfo(agency.info.timezone)).date()


def _post(console, agency, action: str, data: dict):
    console.get(f"/platform/agencies/{agency.slug}")
    return console.post(f"/platform/agencies/{agency.info.id}/billing/{action}", data)


def test_finance_and_support_read_the_billing_section_without_buttons(
    app, console_as, tenant, clock
):
    subscribed(app, tenant, trial_days=21, included_texts=500)
    for role in ("finance", "support"):
        console = console_as(role)
        text = page_text(console.get(f"/platform/agencies/{tenant.slug}"))
        assert "Subscription Trial" in text and "Cancel at period end No" in text
        assert "0 of 500 included" in text
        assert "Extend the trial" not in text and "Comp free months" not in text
        for action in ("trial", "comp"):
            assert _post(console, tenant, action, {}).status_code == 403
    text = page_text(console_as("superadmin").get(f"/platform/agencies/{tenant.slug}"))
    assert "Extend the trial" in text and "Comp free months" in text


def test_texts_this_period_count_segments_since_the_period_began(app, console_as, tenant, clock):
    subscribed(app, tenant, trial_days=10, included_texts=3)
    start = clock.now
    clock.advance(days=15)  # the trial ended on day 10 and the first paid month began
    with app.app_context():
        row = db.session.get(BillingAccount, tenant.info.id)
        row.subscription_status = "active"
        row.current_period_end = add_month(start + timedelta(days=10))
        db.session.commit()
    with app.app_context(), bound(tenant.info, db.session):
        for segments, day in ((9, 5), (2, 12), (3, 15)):  # the first was in the trial's period
            db.session.add(
                Message(
                    direction="out",
                    phone="+13055550100",
                    body="Court reminder",
                    segments=segments,
                    sent_at=start + timedelta(days=day),
                    status="sent",
                )
            )
        db.session.commit()
    text = page_text(console_as("finance").get(f"/platform/agencies/{tenant.slug}"))
    assert "5 of 3 included" in text and "2 texts since" in text and "2 over" in text


def test_the_balance_says_so_when_stripe_cannot_be_reached(app, console_as, tenant, monkeypatch):
    subscribed(app, tenant)
    with app.app_context():
        fake = stripe_api.fake()

    def down(*args, **kwargs):
        raise stripe.APIConnectionError("Network down")

    monkeypatch.setattr(fake, "request", down)
    response = console_as("finance").get(f"/platform/agencies/{tenant.slug}")
    assert response.status_code == 200
    assert "Stripe could not be reached; the balance is unknown." in page_text(response)


def test_extending_a_trial_moves_trial_end_in_stripe_once_and_audits_both_logs(
    app, console_as, tenant, clock
):
    subscribed(app, tenant, trial_days=14)
    day = _agency_day(tenant, clock.now) + timedelta(days=45)
    console = console_as("superadmin")
    data = {"trial-until": day.isoformat(), "trial-reason": "Onboarding took longer"}
    response = _post(console, tenant, "trial", data)
    assert response.status_code == 302 and response.location.endswith("#billing")
    row = account(app, tenant.info.id)
    start_of_day = datetime.combine(day, datetime.min.time(), ZoneInfo(tenant.info.timezone))
    assert row.trial_ends_at == start_of_day and row.current_period_end == start_of_day
    with app.app_context():
        sub = stripe_api.client().v1.subscriptions.retrieve(row.stripe_subscription_id)
    assert sub.trial_end == int(start_of_day.timestamp()) and sub.status == "trialing"
    sent = calls(app, "POST", f"/v1/subscriptions/{row.stripe_subscription_id}")
    assert f"-trial-until-{int(start_of_day.timestamp())}-v" in sent[-1][2]

    again = _post(console, tenant, "trial", data)  # a retried submission
    assert again.status_code == 302
    assert len(calls(app, "POST", f"/v1/subscriptions/{row.stripe_subscription_id}")) == len(sent)
    assert platform_actions(app, tenant.info.id) == [
        "billing.plan_chosen",
        "billing.trial_extended",
    ]
    [(action, actor, after)] = agency_entries(app, tenant)
    assert action == "billing.trial_extended" and actor.startswith("BailBondPro: ")
    assert after == {"trial_ends": day.isoformat(), "reason": "Onboarding took longer"}


@pytest.mark.parametrize(
    ("days", "reason", "field", "message"),
    [
        (0, "why", "trial-until", "Choose a day after today."),
        (731, "why", "trial-until", "Stripe allows a trial up to 730 days ahead"),
        (3, "why", "trial-until", "The trial already runs past that day"),
        (30, "", "trial-reason", "Give a reason: it is kept in both audit logs."),
    ],
)
def test_a_refused_trial_extension_says_why_beside_the_field(
    app, console_as, tenant, clock, days, reason, field, message
):
    subscribed(app, tenant, trial_days=14)
    day = _agency_day(tenant, clock.now) + timedelta(days=days)
    console = console_as("superadmin")
    data = {"trial-until": day.isoformat(), "trial-reason": reason}
    response = _post(console, tenant, "trial", data)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="{field}-error"' in body and message in page_text(response)
    assert f'value="{reason}"' in body or reason in body  # what was typed is kept
    assert platform_actions(app, tenant.info.id) == ["billing.plan_chosen"]


def test_a_day_that_is_not_a_date_is_refused_beside_the_field(app, console_as, tenant):
    subscribed(app, tenant)
    response = _post(console_as("superadmin"), tenant, "trial", {"trial-until": "soon"})
    assert response.status_code == 422
    assert "Enter a day, such as 2027-01-31." in page_text(response)


def test_comping_applies_a_100_percent_repeating_coupon_once(app, console_as, tenant, clock):
    subscribed(app, tenant)
    end_trial(app, tenant.info.id)
    console = console_as("superadmin")
    data = {"comp-months": "3", "comp-reason": "Outage apology"}
    assert _post(console, tenant, "comp", data).status_code == 302
    row = account(app, tenant.info.id)
    with app.app_context():
        client = stripe_api.client()
        coupon = client.v1.coupons.retrieve("bbp-comp-100-3m")
        sub = client.v1.subscriptions.retrieve(
            row.stripe_subscription_id, params={"expand": ["discounts"]}
        )
    assert (coupon.percent_off, coupon.duration, coupon.duration_in_months) == (
        100,
        "repeating",
        3,
    )
    assert len(sub.discounts) == 1
    assert row.comped_until == add_month(add_month(add_month(clock.now.replace(microsecond=0))))
    key = calls(app, "POST", f"/v1/subscriptions/{row.stripe_subscription_id}")[-1][2]
    assert f"-comp-3-{_agency_day(tenant, clock.now).isoformat()}-v" in key

    assert _post(console, tenant, "comp", data).status_code == 302  # a retry: one comp
    assert len(calls(app, "POST", "/v1/coupons")) >= 1
    assert platform_actions(app, tenant.info.id).count("billing.comped") == 1
    [(action, _, after)] = agency_entries(app, tenant)
    assert action == "billing.comped" and after["months"] == 3
    text = page_text(console.get(f"/platform/agencies/{tenant.slug}"))
    assert "Comped until" in text


def test_a_trialing_agency_is_told_to_extend_the_trial_instead(app, console_as, tenant):
    subscribed(app, tenant)
    response = _post(
        console_as("superadmin"), tenant, "comp", {"comp-months": "2", "comp-reason": "x"}
    )
    assert response.status_code == 422
    assert 'id="comp-months-error"' in response.get_data(as_text=True)
    assert "extend the trial instead" in page_text(response)


@pytest.mark.parametrize(
    ("months", "message"),
    [("0", "Give between 1 and 24 months."), ("", "Enter how many free months")],
)
def test_a_comp_needs_a_sensible_number_of_months(app, console_as, tenant, months, message):
    subscribed(app, tenant)
    end_trial(app, tenant.info.id)
    data = {"comp-months": months, "comp-reason": "x"}
    response = _post(console_as("superadmin"), tenant, "comp", data)
    assert response.status_code == 422 and message in page_text(response)


def test_stripe_down_refuses_the_comp_and_changes_nothing(app, console_as, tenant, monkeypatch):
    subscribed(app, tenant)
    end_trial(app, tenant.info.id)
    with app.app_context():
        fake = stripe_api.fake()

    def down(params, id):
        raise StripeFault(503, "Stripe is having a moment.", "api_error")

    monkeypatch.setattr(fake, "_update_subscriptions", down)
    data = {"comp-months": "1", "comp-reason": "Goodwill"}
    response = _post(console_as("superadmin"), tenant, "comp", data)
    assert response.status_code == 502
    assert "Stripe did not accept the change" in page_text(response)
    assert account(app, tenant.info.id).comped_until is None
    assert "billing.comped" not in platform_actions(app, tenant.info.id)


def test_one_agencys_comp_leaves_the_other_alone(app, tenant, other_tenant):
    subscribed(app, tenant)
    subscribed(app, other_tenant)
    for agency in (tenant, other_tenant):
        end_trial(app, agency.info.id)
    with app.app_context():
        comps.comp(tenant.info.id, 2, "Goodwill", "test")
    assert account(app, tenant.info.id).comped_until is not None
    assert account(app, other_tenant.info.id).comped_until is None
    assert agency_entries(app, other_tenant) == []
    assert platform_actions(app, other_tenant.info.id) == ["billing.plan_chosen"]


def test_the_fake_refuses_a_trial_end_beyond_two_years(app, tenant, clock):
    subscribed(app, tenant)
    row = account(app, tenant.info.id)
    far = int((clock.now + timedelta(days=731)).timestamp())
    with app.app_context(), pytest.raises(stripe.InvalidRequestError, match="730 days"):
        stripe_api.client().v1.subscriptions.update(
            row.stripe_subscription_id, params={"trial_end": far}
        )
    assert datetime.fromtimestamp(far, UTC) > row.trial_ends_at


def test_the_balance_is_what_open_invoices_still_ask(app, console_as, tenant, other_tenant):
    subscribed(app, tenant, monthly_price_cents=9900)
    subscribed(app, other_tenant, monthly_price_cents=4900)
    for agency in (tenant, other_tenant):
        end_trial(app, agency.info.id)
    with app.app_context():
        fake = stripe_api.fake()
        sub_id = account(app, tenant.info.id).stripe_subscription_id
        fake.issue_invoice(sub_id, "failed")
        fake.issue_invoice(sub_id, "open")
        fake.issue_invoice(sub_id, "paid")
        fake.issue_invoice(account(app, other_tenant.info.id).stripe_subscription_id, "open")
    console = console_as("finance")
    text = page_text(console.get(f"/platform/agencies/{tenant.slug}"))
    assert "$198.00 owed on 2 open invoices" in text
    assert calls(app, "GET", "/v1/invoices")  # read from Stripe through the SDK
    other = page_text(console.get(f"/platform/agencies/{other_tenant.slug}"))
    assert "$49.00 owed on 1 open invoice " in other  # each agency's own invoices only


def test_a_comped_agency_is_invoiced_at_zero_and_owes_nothing(app, console_as, tenant):
    subscribed(app, tenant, monthly_price_cents=9900)
    end_trial(app, tenant.info.id)
    with app.app_context():
        comps.comp(tenant.info.id, 1, "Goodwill", "test")
        invoice = stripe_api.fake().issue_invoice(
            account(app, tenant.info.id).stripe_subscription_id, "open"
        )
    assert invoice["amount_due"] == 0 and invoice["status"] == "paid"
    assert invoice["lines"]["data"][0]["discount_amounts"][0]["amount"] == 9900
    text = page_text(console_as("finance").get(f"/platform/agencies/{tenant.slug}"))
    assert "Balance Nothing owed" in text


def test_the_owner_reads_the_trial_extension_in_the_agencys_audit_log(app, tenant, clock):
    subscribed(app, tenant, trial_days=14)
    day = _agency_day(tenant, clock.now) + timedelta(days=60)
    with app.app_context():
        comps.extend_trial(tenant.info.id, day, "Onboarding took longer", "ops@bbp.example")
    owner = signed_in_owner(app, tenant)
    response = owner.get("/audit/")
    assert response.status_code == 200
    text = page_text(response)
    assert f"extended the agency's trial to {day:%b %-d, %Y}" in text
    assert "BailBondPro: ops@bbp.example" in text


def test_comps_changed_twice_the_same_day_leave_the_row_as_stripe_has_it(
    app, console_as, tenant, clock
):
    subscribed(app, tenant, trial_days=1)
    end_trial(app, tenant.info.id)
    console = console_as("superadmin")
    for months in (3, 6, 3):  # 3, then 6, then 3 again: never the first answer replayed
        data = {"comp-months": str(months), "comp-reason": "Goodwill"}
        assert _post(console, tenant, "comp", data).status_code in (302, 303)
        clock.advance(minutes=1)
    row = account(app, tenant.info.id)
    with app.app_context():
        sub = stripe_api.client().v1.subscriptions.retrieve(
            row.stripe_subscription_id, params={"expand": ["discounts"]}
        )
        assert row.comped_until == comps.comp_end(sub)
        assert [d.source.coupon for d in sub.discounts] == ["bbp-comp-100-3m"]
