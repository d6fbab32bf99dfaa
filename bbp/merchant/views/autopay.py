"""Autopay pages: the payer's opt-in and turning it off in the portal; the staff bond page's
panel (turning it off: agents and up); the dashboard's list of bonds whose autopay failed."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import queries
from bbp.merchant import (
    audit_names,  # noqa: F401  (names autopay and refunds in the audit log)
    autopay_history,
    autopay_queries,
    autopay_terms,
    enrollment,
)
from bbp.merchant.autopay_forms import AuthorizeForm
from bbp.merchant.pay_forms import EmptyForm
from bbp.merchant.views import bp
from bbp.portal import people
from bbp.portal.views import visitor
from bbp.portal.views.visitor import portal_required
from bbp.tenancy import require_tenant
from bbp.web.refusals import refused
from bbp.web.rendering import render, requested_page, wants_partial

BOND = "<int(max=2147483647):bond_id>"


@bp.app_template_global()
def portal_autopay(bond):
    """What the portal's bond page says about autopay (None: not offered on this bond, and not
    because only overdue installments are left)."""
    live = enrollment.live(bond.id)
    if live is not None and live.active_since is not None:
        return {
            "on": live,
            "mine": _mine(live),
            "by": _first_name(live),
            "trouble": autopay_queries.trouble(bond.id),
        }
    if enrollment.charging_account() is None or enrollment.offer(bond) is None:
        return {"overdue_only": True} if enrollment.not_offered(bond) == "overdue" else None
    return {"offered": True}


# ---- The portal ------------------------------------------------------------------------------


def _mine(live) -> bool:
    """Whether the portal visitor is the enrollment's payer: only they see its card and turn it
    off (another payer on the bond sees who set it up)."""
    return live is not None and people.covers(visitor.current().people, live.payer)


def _first_name(live) -> str:
    return (live.payer_name or "").split(" ", 1)[0] if live is not None else ""


def _bond(bond_id: int):
    return people.bond_for(visitor.current().people, bond_id)


def _shown(bond, offer) -> str:
    name = autopay_queries.payer_of(visitor.current().people, bond)[1]
    return autopay_terms.text(
        name, require_tenant().name, bond.number, offer.instalments, str(get_locale() or "en")
    )


def offered_terms(bond) -> str:
    """The authorization a payer may agree to while paying (the Pay page's opt-in to save the
    card); "" when autopay is not offered (on already, nothing left to schedule, no account)."""
    if enrollment.charging_account() is None or enrollment.active(bond.id) is not None:
        return ""
    offer = enrollment.offer(bond)
    return _shown(bond, offer) if offer is not None else ""


def _page(bond, form: AuthorizeForm | None = None, status: int = 200):
    offer = enrollment.offer(bond) if enrollment.charging_account() else None
    live = enrollment.live(bond.id)
    text = _shown(bond, offer) if offer is not None else ""
    form = form or AuthorizeForm()
    form.shown.data = autopay_terms.fingerprint(text) if text else ""
    return render(
        "merchant/portal_autopay.html",
        bond=bond,
        offer=offer,
        why=enrollment.not_offered(bond) if offer is None else None,
        live=live,
        mine=_mine(live),
        set_up_by=_first_name(live),
        trouble=autopay_queries.trouble(bond.id),
        text=text,
        form=form,
        off_form=EmptyForm(),
        saved=request.args.get("saved") == "1",
        status=status,
    )


@bp.get(f"/portal/bonds/{BOND}/autopay")
@portal_required
def portal_autopay_page(bond_id: int):
    """Autopay on this bond: the authorization to agree to, or the card it charges."""
    return _page(_bond(bond_id))


@bp.post(f"/portal/bonds/{BOND}/autopay")
@portal_required
def portal_autopay_post(bond_id: int):
    """Record the agreement, then save a card on Stripe's page (303 to Checkout)."""
    bond = _bond(bond_id)
    account, offer = enrollment.charging_account(), enrollment.offer(bond)
    if account is None or offer is None:
        abort(404)
    form = AuthorizeForm()
    text = _shown(bond, offer)
    if not form.validate_on_submit():
        return _page(bond, form, 422)
    if form.shown.data != autopay_terms.fingerprint(text):  # the plan changed meanwhile
        form.agree.errors = [_("The schedule changed since you opened this page: read it again.")]
        return _page(bond, form, 409)
    ref, name, contact = autopay_queries.payer_of(visitor.current().people, bond)
    with refused(form, "agree") as refusal:
        row = enrollment.authorize(bond, ref, name, contact, text)
        # Back on the host the payer is on (as Checkout's payments come back).
        back = url_for("merchant.portal_autopay_page", bond_id=bond.id, _external=True)
        return redirect(enrollment.setup_checkout(row, account, f"{back}?saved=1", back), 303)
    return _page(bond, form, refusal.status)


@bp.post(f"/portal/bonds/{BOND}/autopay/off")
@portal_required
def portal_autopay_off(bond_id: int):
    """The payer turns autopay off: at once; a charge not made yet is cancelled."""
    bond = _bond(bond_id)
    live = enrollment.live(bond.id)
    if live is None or not EmptyForm().validate_on_submit():
        abort(404)
    if not _mine(live):  # only the payer who set it up turns it off (staff can, too)
        abort(403)
    name = autopay_queries.payer_of(visitor.current().people, bond)[1]
    with refused():
        enrollment.turn_off(live, f"portal: {name}")
        flash(_("Autopay is off. Nothing more will be charged to your card."), "success")
    return redirect(url_for("merchant.portal_autopay_page", bond_id=bond.id), 303)


# ---- Staff -----------------------------------------------------------------------------------


def _panel(bond):
    live = enrollment.live(bond.id)
    return render(
        "merchant/autopay_page.html",
        "merchant/_autopay.html",
        bond=bond,
        live=live,
        last_off=None if live else autopay_history.last_off(bond.id),
        turned_off_by=autopay_history.turned_off_by,
        card_payment=autopay_queries.card_payment(live),
        trouble=autopay_queries.trouble(bond.id),
        history=autopay_queries.charges(bond.id),
        form=EmptyForm(),
    )


@bp.get(f"/bonds/{BOND}/autopay")
@staff_required
def autopay_panel(bond_id: int):
    """The bond's autopay: who pays with which card, and any charge that failed."""
    return _panel(queries.get(bond_id))


@bp.post(f"/bonds/{BOND}/autopay/off")
@role_required("agent")
def autopay_off(bond_id: int):
    """Staff turn autopay off (audited with who); a charge not made yet is cancelled."""
    bond = queries.get(bond_id)
    live = enrollment.live(bond.id)
    if live is None or not EmptyForm().validate_on_submit():
        abort(404)
    with refused():
        enrollment.turn_off(live, f"staff: {current_user.email}", actor=current_user)
        flash("Autopay turned off.", "success")
    if wants_partial():
        return _panel(bond)
    return redirect(url_for("bonds.show", bond_id=bond.id) + "#autopay", 303)


@bp.get("/dashboard/autopay")
@staff_required
def autopay_trouble():
    """Bonds whose autopay failed or waits for the payer (the dashboard loads it)."""
    return render(
        "merchant/autopay_trouble_page.html",
        "merchant/_autopay_trouble.html",
        # The dashboard's panel shows the newest page; the page of its own pages through all.
        rows=autopay_queries.troubled_page(1 if wants_partial() else requested_page()),
        in_panel=wants_partial(),
    )
