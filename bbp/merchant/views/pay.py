"""Paying online: the portal's Pay page and texted pay links, both going to Stripe Checkout.

Coming back from Checkout shows the payment as processing (or received, once the webhook
entered it); it never enters anything in the ledger itself.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from bbp.bonds.models import Bond
from bbp.extensions import db
from bbp.kernel.clock import local
from bbp.kernel.errors import DomainError
from bbp.kernel.links import InvalidLink
from bbp.merchant import (
    autopay_queries,
    autopay_terms,
    checkout,
    enrollment,
    paylink_payer,
    paylinks,
)
from bbp.merchant.models import OnlinePayment, PayLink
from bbp.merchant.money import from_cents
from bbp.merchant.pay_forms import EmptyForm, PayForm
from bbp.merchant.views import autopay as autopay_views
from bbp.merchant.views import bp
from bbp.payments.models import Payment
from bbp.portal import people
from bbp.portal.views import visitor
from bbp.portal.views.visitor import portal_required
from bbp.web.i18n import people_page, speak
from bbp.web.refusals import refused
from bbp.web.rendering import render
from bbp.web.templating import money_figure

BOND = "<int(max=2147483647):bond_id>"
SESSION_ID = "{CHECKOUT_SESSION_ID}"  # Stripe puts the session's id here in the success url


@bp.app_template_filter("cents")
def cents_filter(cents: int | None):
    """Whole cents as a money figure (the `money` filter's look)."""
    return money_figure(from_cents(cents or 0))


@bp.app_template_global()
def portal_payment(bond):
    """What the portal's bond page offers: None (no online payments), a payment processing, or
    what may be paid now."""
    if checkout.merchant_account() is None:
        return None
    row = checkout.processing(bond)
    if row is not None:
        return {"processing": row}
    owed = checkout.payable(bond)
    return {"payable": owed} if owed is not None else None


# ---- The portal ------------------------------------------------------------------------------


def _portal_bond(bond_id: int):
    return people.bond_for(visitor.current().people, bond_id)


def _payer(bond):
    """The signed-in visitor as the payer: the person they are on this bond, and their contact
    (the phone or email they signed in with, where the receipt goes)."""
    row = visitor.current()
    on_bond = (
        [bond.defendant_id]
        if people.role_on(row.people, bond) == "defendant"
        else [c.indemnitor_id for c in bond.cosigners]
    )
    kind = people.role_on(row.people, bond)
    mine = [r for r in row.people if r.get("kind") == kind and r.get("id") in on_bond][:1]
    found = people.load(mine)
    return checkout.Payer(
        mine[0] if mine else None, found[0].full_name if found else "", row.contact
    )


@bp.get(f"/portal/bonds/{BOND}/pay")
@portal_required
def portal_pay(bond_id: int):
    """The Pay page: the next amount due, or any amount up to the balance."""
    bond = _portal_bond(bond_id)
    return _pay_page(bond, PayForm())


def _pay_page(bond, form: PayForm, status: int = 200):
    if checkout.merchant_account() is None:
        abort(404)
    row = checkout.processing(bond)
    owed = checkout.payable(bond) if row is None else None
    terms = autopay_views.offered_terms(bond) if owed is not None else ""
    form.shown.data = autopay_terms.fingerprint(terms) if terms else ""
    return render(
        "merchant/portal_pay.html",
        overdue_only=owed is not None and not terms and _overdue_only(bond),
        canceled=request.args.get("canceled") == "1",  # back from Checkout's Cancel
        bond=bond,
        form=form,
        owed=owed,
        processing=row,
        terms=terms,
        status=status,
    )


def _overdue_only(bond) -> bool:
    """Whether autopay is off the table because every installment left is past due."""
    return enrollment.live(bond.id) is None and enrollment.not_offered(bond) == "overdue"


def _keep_card(bond, form: PayForm):
    """The opt-in to save the card for autopay: recorded like the autopay page's agreement, then
    the payer's customer and the metadata for Checkout; None when not chosen. Raises
    DomainError (beside the box) when it cannot be agreed to."""
    if not form.save_card.data:
        return None
    terms = autopay_views.offered_terms(bond)
    if not terms:
        raise DomainError(_("Autopay is not available for this bond."), "save_card")
    if form.shown.data != autopay_terms.fingerprint(terms):  # the plan changed meanwhile
        raise DomainError(
            _("The schedule changed since you opened this page: read it again."),
            "save_card",
            status=409,
        )
    ref, name, contact = autopay_queries.payer_of(visitor.current().people, bond)
    row = enrollment.authorize(bond, ref, name, contact, terms)
    return enrollment.keep_card(row, enrollment.charging_account())


@bp.post(f"/portal/bonds/{BOND}/pay")
@portal_required
def portal_pay_post(bond_id: int):
    """Open Checkout for the amount chosen (303 to Stripe's page), or say what is wrong."""
    bond = _portal_bond(bond_id)
    form = PayForm()
    owed = checkout.payable(bond)
    if checkout.merchant_account() is None:
        abort(404)
    if owed is None or not form.validate_on_submit():
        return _pay_page(bond, form, 422 if owed is not None else 409)
    cents = form.cents(owed.next_due, owed.balance)
    if cents is None:
        return _pay_page(bond, form, 422)
    back = url_for("merchant.portal_paid", bond_id=bond.id, _external=True)
    with refused(form, "amount") as refusal:
        keep = _keep_card(bond, form)
        url = checkout.start(
            bond,
            cents,
            _payer(bond),
            source="portal",
            success_url=f"{back}?session_id={SESSION_ID}",
            cancel_url=url_for("merchant.portal_pay", bond_id=bond.id, canceled=1, _external=True),
            keep_card=keep,
        )
        return redirect(url, 303)
    return _pay_page(bond, form, refusal.status)


@bp.get(f"/portal/bonds/{BOND}/paid")
@portal_required
def portal_paid(bond_id: int):
    """Back from Checkout: processing until the webhook confirms, then the receipt."""
    bond = _portal_bond(bond_id)
    row = _returned(bond.id)
    return render(
        "merchant/returned.html",
        "merchant/_returned_status.html",
        bond=bond,
        row=row,
        payment=_payment(row),
        portal=True,
    )


def _returned(bond_id: int) -> OnlinePayment | None:
    """The bond's payment the session id names (None for another bond's or none at all)."""
    session_id = request.args.get("session_id", "")[:255]
    row = db.session.scalar(
        select(OnlinePayment).where(
            OnlinePayment.checkout_session_id == session_id, OnlinePayment.bond_id == bond_id
        )
    )
    if row is None:
        abort(404)
    return checkout.mark_returned(row)


def _payment(row: OnlinePayment | None) -> Payment | None:
    return db.session.get(Payment, row.payment_id) if row and row.payment_id else None


# ---- Pay links -------------------------------------------------------------------------------


def _invalid(exc: InvalidLink):
    if isinstance(exc, paylink_payer.LinkPaid):  # good news, not a refusal: 200 when looked at
        status = 200 if request.method == "GET" else exc.status
        payment = _payment(exc.row)
        on = payment.received_at if payment is not None else exc.row.updated_at
        return render(
            "merchant/link_paid.html",
            row=exc.row,
            payment=payment,
            paid_on=local(on).date(),
            status=status,
        )
    return render("merchant/link_invalid.html", message=exc.message, status=exc.status)


@bp.get("/pay/<token>")
@people_page
def pay_link(token: str):
    """The texted link: the agency, the bond, the defendant's first name, the amount, Pay."""
    speak(paylink_payer.language_of(token))
    try:
        link, bond = paylink_payer.opened(token)
        cents = paylink_payer.amount_cents(link, bond)
    except InvalidLink as exc:
        return _invalid(exc)
    paylink_payer.mark_opened(link)
    return _link_page(token, link, bond, cents)


def _link_page(token, link, bond, cents, status: int = 200, form: EmptyForm | None = None):
    return render(
        "merchant/pay_link.html",
        token=token,
        link=link,
        bond=bond,
        cents=cents,
        processing=checkout.processing(bond),
        available=checkout.merchant_account() is not None,
        form=form or EmptyForm(),
        status=status,
    )


@bp.post("/pay/<token>")
@people_page
def pay_link_post(token: str):
    """Open Checkout for the link's amount."""
    speak(paylink_payer.language_of(token))
    try:
        link, bond = paylink_payer.opened(token)
        cents = paylink_payer.amount_cents(link, bond)
    except InvalidLink as exc:
        return _invalid(exc)
    form = EmptyForm()
    if not form.validate_on_submit():
        return _link_page(token, link, bond, cents, 400, form)
    with refused(form) as refusal:
        url = checkout.start(
            bond,
            cents,
            paylink_payer.payer_of(link),
            source="pay_link",
            success_url=paylink_payer.done_url(link),
            cancel_url=url_for("merchant.pay_link", token=token, canceled=1, _external=True),
            pay_link_id=link.id,
        )
        return redirect(url, 303)
    return _link_page(token, link, bond, cents, refusal.status, form)


@bp.get("/pay/<token>/done")
@people_page
def pay_link_done(token: str):
    """Back from Checkout through a pay link (a paid link still shows its own payment)."""
    speak(paylink_payer.language_of(token))
    try:
        data = paylinks.LINKS.read(token, paylinks.REFUSALS)
    except InvalidLink as exc:
        return _invalid(exc)
    link_id = data.get("l")
    link = db.session.get(PayLink, link_id) if isinstance(link_id, int) else None
    if link is None:
        abort(404)
    bond = db.session.get(Bond, link.bond_id)
    row = _returned(bond.id)
    if row.pay_link_id != link.id:
        abort(404)
    return render(
        "merchant/returned.html",
        "merchant/_returned_status.html",
        bond=bond,
        row=row,
        payment=_payment(row),
        portal=False,
    )
