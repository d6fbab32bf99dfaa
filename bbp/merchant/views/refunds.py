"""Refunds of payments taken online, from the bond page (managers and up)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, url_for
from flask_login import current_user

from bbp.auth.roles import role_required
from bbp.extensions import db
from bbp.merchant import refund_rules, refunds
from bbp.merchant.models import OnlinePayment, Refund
from bbp.merchant.money import dollars, from_cents, to_cents
from bbp.merchant.refund_form import RefundForm
from bbp.merchant.views import bp
from bbp.payments.models import Payment
from bbp.web.refusals import refused
from bbp.web.rendering import render
from bbp.web.templating import money_figure

PAYMENT = "<int(max=2147483647):payment_id>"
REFUND = "<int(max=2147483647):refund_id>"


def _refundable(payment_id: int) -> refunds.Refundable:
    payment = db.session.get(Payment, payment_id) or abort(404)
    return refunds.refundable(payment) or abort(404)


def fake_on() -> bool:
    """Whether development's fake Stripe answers (its buttons show, its routes exist)."""
    config = current_app.config
    return config["BBP_ENV"] != "production" and not config["STRIPE_SECRET_KEY"]


def _page(found: refunds.Refundable, form: RefundForm, status: int = 200):
    return render(
        "merchant/refund.html",
        form=form,
        found=found,
        bond=found.payment.bond,
        dev=fake_on(),
        disputed_words=refund_rules.disputed_words,
        status=status,
    )


@bp.get(f"/refunds/receipts/{PAYMENT}")
@role_required("manager")
def new_refund(payment_id: int):
    """The refund form for a payment taken online, filled in with what is left to refund."""
    found = _refundable(payment_id)
    left = found.left_cents if found.standing.chargeback is None else 0
    return _page(found, RefundForm(amount=from_cents(left) if left else None))


@bp.post(f"/refunds/receipts/{PAYMENT}")
@role_required("manager")
def create_refund(payment_id: int):
    """Ask Stripe for the refund; the ledger takes it when Stripe confirms it."""
    found = _refundable(payment_id)
    form = RefundForm()
    valid = form.validate_on_submit()
    with refused(form) as refusal:
        if not form.amount.errors:  # checked even when the reason is missing: both show at once
            refund_rules.check(form.amount.data, found.standing)
        if valid:
            refunds.ask(found.online, form.amount.data, form.reason.data, current_user)
            flash(
                f"Refund of {dollars(to_cents(form.amount.data))} sent to Stripe. It "
                "enters the ledger, with its receipt, once Stripe confirms it.",
                "success",
            )
            return redirect(url_for("bonds.show", bond_id=found.payment.bond_id) + "#payments")
    if refusal:
        found = _refundable(payment_id)  # read again: the refusal rolled the session back
    return _page(found, form, refusal.status if refusal else 422)


@bp.post(f"/refunds/{REFUND}/send")
@role_required("manager")
def send_refund(refund_id: int):
    """Send a refund again whose first request got no answer from Stripe (same key)."""
    row = db.session.get(Refund, refund_id) or abort(404)
    bond_id = db.session.get(OnlinePayment, row.online_payment_id).bond_id
    if row.status == refunds.REQUESTED and row.stripe_refund_id is None:
        with refused():
            refunds.send(row)
            flash("Refund sent to Stripe.", "success")
    return redirect(url_for("bonds.show", bond_id=bond_id) + "#payments")


@bp.app_template_global()
def bond_refunds(bond) -> list:
    """The bond's refunds not entered yet, for its payments section."""
    return refunds.waiting(bond)


@bp.app_template_global()
def refund_left(payments) -> dict[int, int]:
    """Cents left to refund of each online payment in a bond's ledger (no Refund link at 0)."""
    return refund_rules.left_by_payment([p.id for p in payments if p.method == "card_online"])


@bp.app_template_filter("cents")
def cents(value: int | None):
    """Whole cents shown as money ($12.34), as the `money` filter shows dollars."""
    return money_figure(from_cents(value) if value is not None else None)
