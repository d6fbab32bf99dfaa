"""Text-to-pay on the staff bond page: a panel (loaded by htmx, or a page of its own) listing the
bond's pay links, with a form to text a new one (agents and up) and a button to revoke one."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from bbp.auth.roles import role_required, staff_required
from bbp.bonds import queries
from bbp.extensions import db
from bbp.kernel.phones import format_phone, from_e164
from bbp.merchant import checkout, paylink_list, paylinks
from bbp.merchant.models import PayLink
from bbp.merchant.pay_forms import EmptyForm, PayLinkForm
from bbp.merchant.views import bp
from bbp.messaging import services as messaging
from bbp.web.refusals import refused
from bbp.web.rendering import render, requested_page, wants_partial

BOND = "<int(max=2147483647):bond_id>"
LINK = "<int(max=2147483647):link_id>"
PHONE_LABEL = Markup('{} · <span class="nowrap">{}</span>')


def _form(bond, fresh: bool = False) -> PayLinkForm:
    """The form, with what was posted (or blank after a link went out)."""
    form = PayLinkForm(formdata=None) if fresh else PayLinkForm()
    form.recipient.choices = [
        # The number never breaks across lines; a long name wraps (a radio's label).
        SelectChoice(r.key, PHONE_LABEL.format(r.label, format_phone(from_e164(r.phone))))
        for r in paylinks.recipients(bond)
    ]
    if form.recipient.data is None and form.recipient.choices:  # as a select would: the first
        form.recipient.data = form.recipient.choices[0].value
    return form


def _panel(bond, form: PayLinkForm | None = None, status: int = 200):
    return render(
        "merchant/pay_links_page.html",
        "merchant/_pay_links.html",
        bond=bond,
        form=form or _form(bond, fresh=request.method == "POST"),
        # The bond page's panel shows the newest links; the page of its own pages through all.
        links=paylink_list.page_of(bond, 1 if wants_partial() else requested_page()),
        in_panel=wants_partial(),
        chargeable=checkout.merchant_account() is not None,
        owed=checkout.payable(bond),
        status=status,
    )


@bp.get(f"/bonds/{BOND}/pay-links")
@staff_required
def pay_links(bond_id: int):
    """The bond's pay links and the form to send one."""
    return _panel(queries.get(bond_id))


@bp.post(f"/bonds/{BOND}/pay-links")
@role_required("agent")
def send_pay_link(bond_id: int):
    """Text a pay link; a refusal shows beside its field, with what was typed kept."""
    bond = queries.get(bond_id)
    form = _form(bond)
    if not form.validate_on_submit():
        return _panel(bond, form, 422)
    with refused(form) as refusal:
        link = paylinks.send(
            bond, form.recipient.data, form.amount.data, form.days.data, current_user
        )
        messaging.dispatch()
        flash(f"Pay link texted to {format_phone(from_e164(link.sent_to))}.", "success")
        return _after(bond)
    return _panel(bond, form, refusal.status)


@bp.post(f"/bonds/{BOND}/pay-links/{LINK}/revoke")
@role_required("agent")
def revoke_pay_link(bond_id: int, link_id: int):
    """Stop a pay link from working."""
    bond = queries.get(bond_id)
    link = db.session.get(PayLink, link_id)
    if link is None or link.bond_id != bond.id or not EmptyForm().validate_on_submit():
        abort(404)
    paylinks.revoke(link, current_user)
    flash("Pay link canceled: it no longer opens a payment.", "success")
    return _after(bond)


def _after(bond):
    if wants_partial():
        return _panel(bond)
    return redirect(url_for("bonds.show", bond_id=bond.id) + "#pay-links", 303)
