"""Development only, while the fake Stripe answers: buttons that make Stripe's side happen (a
cardholder disputes a payment, the bank decides it, Stripe pays the balance out), so a `make
run` user sees disputes and payouts arrive through their Connect events as they would."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for

from bbp.auth.roles import role_required
from bbp.billing import fake_delivery, stripe_api
from bbp.billing.fake_resources import StripeFault
from bbp.extensions import db
from bbp.merchant import payouts
from bbp.merchant.models import Dispute, OnlinePayment
from bbp.merchant.views import bp
from bbp.merchant.views.refunds import fake_on
from bbp.payments.models import Payment

PAYMENT = "<int(max=2147483647):payment_id>"
DISPUTE = "<int(max=2147483647):dispute_id>"


def _fake():
    if not fake_on():
        abort(404)
    return stripe_api.fake()


def _done(message: str, target: str):
    """Deliver what the fake emitted (as its worker would, a moment later) and go back."""
    fake_delivery.deliver_pending()
    flash(message, "success")
    return redirect(target, 303)


@bp.post(f"/dev/stripe/receipts/{PAYMENT}/dispute")
@role_required("manager")
def dev_open_dispute(payment_id: int):
    """The cardholder's bank disputes a payment taken online."""
    fake = _fake()
    payment = db.session.get(Payment, payment_id) or abort(404)
    online = db.session.query(OnlinePayment).filter_by(payment_id=payment.id).one_or_none()
    if online is None:
        abort(404)
    with fake.acting_as(online.stripe_account_id):
        try:
            charge = fake.get("payment_intents", online.payment_intent_id)["latest_charge"]
            fake.open_dispute(charge)
        except StripeFault as fault:
            flash(str(fault), "error")
            return redirect(url_for("bonds.show", bond_id=payment.bond_id), 303)
    return _done("Test dispute opened.", url_for("bonds.show", bond_id=payment.bond_id))


@bp.post(f"/dev/stripe/disputes/{DISPUTE}/close")
@role_required("manager")
def dev_close_dispute(dispute_id: int):
    """The bank decides a dispute: won or lost."""
    fake = _fake()
    row = db.session.get(Dispute, dispute_id) or abort(404)
    online = db.session.get(OnlinePayment, row.online_payment_id) if row.online_payment_id else None
    if online is None:
        abort(404)
    won = request.form.get("outcome") == "won"
    with fake.acting_as(online.stripe_account_id):
        try:
            fake.close_dispute(row.stripe_dispute_id, won=won)
        except StripeFault as fault:
            flash(str(fault), "error")
    return _done(
        f"Test dispute {'won' if won else 'lost'}.", url_for("bonds.show", bond_id=online.bond_id)
    )


@bp.post("/dev/stripe/payouts")
@role_required("manager")
def dev_pay_out():
    """Stripe pays the available balance out to the agency's bank."""
    fake = _fake()
    account = payouts.account_id() or abort(404)
    with fake.acting_as(account):
        try:
            fake.pay_out()
        except StripeFault as fault:
            flash(str(fault), "error")
            return redirect(url_for("merchant.payouts_index"), 303)
    return _done("Test payout made.", url_for("merchant.payouts_index"))
