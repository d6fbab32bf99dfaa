"""Disputes: flagged on the bond page, listed for managers, and on the staff dashboard."""

from __future__ import annotations

from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.merchant import disputes
from bbp.merchant.views import bp
from bbp.merchant.views.fake_dashboard import dispute_url
from bbp.merchant.views.refunds import fake_on
from bbp.web.rendering import paginate, render

PER_PAGE = 30


@bp.get("/disputes/")
@role_required("manager")
def disputes_index():
    """Every dispute, open ones first."""
    page = paginate(disputes.listing(), PER_PAGE)
    return render(
        "merchant/disputes.html",
        "merchant/_dispute_rows.html",
        page=page,
        bonds=disputes.bonds_of(page.items),
        labels=disputes.LABELS,
        answer_at=dispute_url,
        open_statuses=disputes.OPEN,
    )


@bp.get("/disputes/open")
@role_required("manager")
def open_disputes():
    """The dashboard's fragment: open disputes and their evidence deadlines (empty if none)."""
    found = disputes.open_disputes()
    return render(
        "merchant/_open_disputes.html",
        found=found,
        labels=disputes.LABELS,
        answer_at=dispute_url,
    )


@bp.app_template_global()
def bond_disputes(bond) -> dict:
    """The bond's open disputes, for the flag at the top of its page (managers act on them)."""
    found = disputes.open_on(bond)
    return {
        "open": found,
        "labels": disputes.LABELS,
        "answer_at": dispute_url,
        "manager": current_user.has_role("manager"),
        "dev": fake_on(),
    }


@bp.app_template_filter("dispute_reason")
def dispute_reason(code: str | None) -> str:
    """A dispute's reason in words, Stripe's code after it."""
    return disputes.reason_words(code)
