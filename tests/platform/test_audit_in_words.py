"""The platform audit log and an agency's History in words: UTC times, states and statuses by
their labels, Yes/No, dollars and the plans page's fee wording, Stripe ids only in small print;
read by the admins who may, and unknown values shown raw rather than failing."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime

import pytest

from bbp.extensions import db
from bbp.merchant import fees
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import set_status
from tests.billing.support import make_plan

LOG = "/platform/operations/audit"
AT = datetime(2026, 11, 30, 11, 50, 50, tzinfo=UTC)


def _words(response) -> str:
    """The words of the page's tables (the action filter's choices are codes)."""
    page = response.get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page[page.find("<tbody") :])
    return re.sub(r"\s+", " ", html.unescape(text))


def _entry(app, agency, action: str, before=None, after=None, actor="billing") -> None:
    """An entry shaped as the service that writes `action` records it."""
    with app.app_context():
        db.session.add(
            PlatformAuditEntry(
                actor_label=actor,
                action=action,
                occurred_at=AT,
                target_type="tenant",
                target_id=str(agency.info.id),
                before=before,
                after=after,
            )
        )
        db.session.commit()


@pytest.fixture
def history(app, tenant):
    """An agency with a dunning move, a subscription status, a plan change, support access,
    a suspension and a reactivation in the platform log."""
    _entry(
        app,
        tenant,
        "dunning.past_due",
        {"state": "active"},
        {"state": "past_due", "at": "2026-11-30T11:50:50.045633+00:00", "why": "payment failed"},
    )
    _entry(
        app,
        tenant,
        "billing.subscription_status",
        {"status": "trialing"},
        {"status": "past_due", "subscription": "sub_e27ed7822f560a13"},
        actor="stripe",
    )
    _entry(
        app,
        tenant,
        "billing.plan_changed",
        {"plan": "Basic", "stripe_price_id": "price_old1", "cancel_at_period_end": True},
        {"plan": "Plus", "stripe_price_id": "price_new2", "cancel_at_period_end": False},
        actor="ops@bbp.example",
    )
    _entry(
        app,
        tenant,
        "support.approved",
        None,
        {"admin": "help@bbp.example", "minutes": 30, "expires_at": "2026-11-30T12:20:50+00:00"},
        actor="owner@agency.example",
    )
    with app.app_context():
        set_status(tenant.slug, "suspended", "Fraud review", actor="ops@bbp.example")
        set_status(tenant.slug, "active", "Cleared", actor="ops@bbp.example")
    return tenant


def _assert_in_words(words: str) -> None:
    assert "Billing standing: Paid up → Past due" in words
    assert "On: Nov 30, 2026 11:50 AM UTC" in words
    assert "reported the agency's subscription as Past due (it was Trial)" in words
    assert "Stripe subscription sub_e27ed7822f560a13" in words
    assert "moved the subscription from Basic to Plus" in words
    assert "Ends when the period ends: Yes → No" in words
    assert "Stripe price price_new2 (was price_old1)" in words
    assert "let help@bbp.example of BailBondPro support in" in words
    assert "Until: Nov 30, 2026 12:20 PM UTC" in words
    assert "ops@bbp.example suspended the agency" in words
    assert "Status: Active → Suspended" in words and "Status: Suspended → Active" in words
    for raw in ("2026-11-30T", "past_due", "trialing", "True", "False", "'status'"):
        assert raw not in words, raw


@pytest.mark.parametrize("role", ["superadmin", "support"])
def test_the_log_reads_in_words_for_each_admin_who_may_see_it(history, console_as, role):
    response = console_as(role).get(f"{LOG}?agency={history.slug}")
    assert response.status_code == 200
    _assert_in_words(_words(response))


@pytest.mark.parametrize("role", ["superadmin", "support", "finance"])
def test_an_agencys_history_reads_in_words_for_every_admin(history, console_as, role):
    response = console_as(role).get(f"/platform/agencies/{history.slug}")
    assert response.status_code == 200
    _assert_in_words(_words(response))


def test_a_fee_change_reads_as_the_plans_page_words_it(app, console_as):
    plan_id = make_plan(app)
    with app.app_context():
        fees.set_fee(plan_id, 25, 0, "ops@bbp.example")
        fees.set_fee(plan_id, 290, 30, "ops@bbp.example")
        fees.set_fee(plan_id, 0, 0, "ops@bbp.example")
        db.session.commit()
    words = _words(console_as("superadmin").get(f"{LOG}?action=plan.fee_changed"))
    assert "changed the platform fee per payment of Plan " in words
    assert "from none to 0.25%" in words
    assert "from 0.25% to 2.9% + $0.30" in words
    assert "from 2.9% + $0.30 to none" in words
    assert "basis points" not in words and "fixed (cents)" not in words


def test_a_plan_change_shows_dollars_and_keeps_stripe_ids_out_of_the_sentence(app, console_as):
    actor = f"plans-{uuid.uuid4().hex[:8]}@bbp.example"
    plan = {
        "name": "Plan Gold",
        "active": True,
        "monthly_price_cents": 9900,
        "text_overage_cents": "1.5000",
        "stripe_price_id": "price_b1bf",
    }
    with app.app_context():
        db.session.add(
            PlatformAuditEntry(
                actor_label=actor,
                action="plan.price_changed",
                target_type="plan",
                before=plan,
                after=plan | {"monthly_price_cents": 12900, "text_overage_cents": "1.5"},
            )
        )
        db.session.add(
            PlatformAuditEntry(
                actor_label=actor,
                action="plan.created",
                target_type="plan",
                after=plan | {"name": "Plan Silver"},
            )
        )
        db.session.commit()
    words = _words(console_as("support").get(f"{LOG}?actor={actor}"))
    assert (
        "changed the monthly price of Plan Gold to $129.00 (was $99.00) for agencies joining"
        in words
    )
    assert "created the plan Plan Silver" in words
    assert "Monthly price: $99.00" in words and "Price per extra text: 1.5¢" in words
    assert "Active: Yes" in words
    assert "1.5¢ → 1.5¢" not in words  # the same price, written two ways, is no change
    assert "Stripe price price_b1bf" in words
    sentence = re.search(r"changed the monthly price of Plan Gold[^<]*", words).group(0)
    assert "price_" not in sentence.split("Stripe price")[0]


def test_values_of_an_unexpected_shape_are_shown_raw_not_a_500(app, tenant, console_as):
    _entry(
        app,
        tenant,
        "dunning.read_only",
        {"state": "on_fire"},
        {"state": ["odd"], "at": "yesterday-ish", "why": None},
    )
    _entry(app, tenant, "billing.subscription_status", {"status": 7}, {"status": "brand_new"})
    response = console_as("superadmin").get(f"{LOG}?agency={tenant.slug}")
    assert response.status_code == 200
    words = _words(response)
    assert "Billing standing: on_fire → ['odd']" in words
    assert "On: yesterday-ish" in words
    assert "reported the agency's subscription as brand_new (it was 7)" in words


def test_agency_staff_cannot_reach_the_platform_log(owner, console_as):
    assert owner.get(LOG).status_code == 404
    assert console_as("finance").get(LOG).status_code == 403
