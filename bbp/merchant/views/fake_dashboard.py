"""Development's stand-in for the agency's Stripe Dashboard: with the fake Stripe the account
exists only on this machine, so dashboard.stripe.com has nothing to show. The links that lead
there in production (Settings → Payments, a dispute's "Respond") lead here instead, to a page
that says what the real Dashboard would show. A 404 with a real key or in production."""

from __future__ import annotations

from flask import abort, url_for
from sqlalchemy import select

from bbp.auth.roles import role_required
from bbp.extensions import db
from bbp.merchant import accounts, disputes
from bbp.merchant.models import Dispute
from bbp.merchant.views import bp
from bbp.merchant.views.refunds import fake_on
from bbp.web.rendering import render

ACCOUNT_DASHBOARD = "https://dashboard.stripe.com/"


def account_url() -> str:
    """Where "Open Stripe Dashboard" goes: Stripe's, or the stand-in while the fake answers."""
    return url_for("merchant.fake_dashboard") if fake_on() else ACCOUNT_DASHBOARD


def dispute_url(dispute: Dispute) -> str:
    """Where staff answer a dispute: Stripe's Dashboard, or the stand-in while the fake answers."""
    if fake_on():
        return url_for("merchant.fake_dashboard_dispute", dispute_id=dispute.stripe_dispute_id)
    return disputes.dashboard_url(dispute)


@bp.get("/dev/stripe/dashboard")
@role_required("owner")
def fake_dashboard():
    """What the agency's Stripe Dashboard would show for its account."""
    if not fake_on():
        abort(404)
    return render(
        "merchant/fake_dashboard.html",
        account_id=accounts.current_id(),
        dispute=None,
        back=url_for("merchant.payments_settings"),
    )


@bp.get("/dev/stripe/dashboard/disputes/<dispute_id>")
@role_required("manager")
def fake_dashboard_dispute(dispute_id: str):
    """What the Dashboard's page for one of the agency's disputes would show."""
    if not fake_on():
        abort(404)
    row = db.session.scalar(select(Dispute).where(Dispute.stripe_dispute_id == dispute_id))
    if row is None:
        abort(404)
    bond = disputes.bonds_of([row]).get(row.bond_id)
    return render(
        "merchant/fake_dashboard.html",
        account_id=accounts.current_id(),
        dispute=row,
        bond=bond,
        back=url_for("bonds.show", bond_id=bond.id) if bond else url_for("merchant.disputes_index"),
        label=disputes.LABELS.get(row.status, row.status),
        is_open=row.status in disputes.OPEN,
    )
