"""The payouts page: each payout to the agency's bank and what it paid out (managers and up)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from bbp.auth.roles import role_required
from bbp.extensions import db
from bbp.merchant import payouts
from bbp.merchant.models import Payout
from bbp.merchant.views import bp
from bbp.merchant.views.refunds import fake_on
from bbp.web.refusals import refused
from bbp.web.rendering import paginate, render

PAYOUT = "<int(max=2147483647):payout_id>"
PER_PAGE, LINES_PER_PAGE = 30, 50


@bp.get("/payouts/")
@role_required("manager")
def payouts_index():
    """Every payout, newest first."""
    page = paginate(payouts.listing(), PER_PAGE)
    return render(
        "merchant/payouts.html",
        "merchant/_payout_rows.html",
        page=page,
        labels=payouts.STATUS_LABELS,
        dev=fake_on() and payouts.account_id() is not None,
    )


@bp.get(f"/payouts/{PAYOUT}")
@role_required("manager")
def payout(payout_id: int):
    """One payout: its lines (payments, refunds, disputes, fees) matched to receipts."""
    row = db.session.get(Payout, payout_id) or abort(404)
    page = paginate(payouts.lines_query(row), LINES_PER_PAGE)
    return render(
        "merchant/payout.html",
        "merchant/_payout_lines.html",
        payout=row,
        page=page,
        lines=payouts.matched(page.items),
        totals=payouts.totals(row),
        standing=payouts.standing,
        earlier=row.stripe_account_id not in (None, payouts.account_id()),
    )


@bp.post(f"/payouts/{PAYOUT}/refresh")
@role_required("manager")
def refresh_payout(payout_id: int):
    """Read the payout and its lines from Stripe again."""
    row = db.session.get(Payout, payout_id) or abort(404)
    with refused():
        count = payouts.refresh(row)
        flash(f"Read {count} lines from Stripe.", "success")
    return redirect(url_for("merchant.payout", payout_id=payout_id), 303)
