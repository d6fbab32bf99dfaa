"""The autopay job: each installment charged off session through ONE PaymentIntent.

For the bound agency, outside its quiet hours, on an installment's due date (the agency's day)
and on its retry days, `attempt` runs one attempt for one installment:

1. claim (one transaction, under the bond's lock): the enrollment must be active; the
   installment's `online_payments` row (source autopay, unique per installment) is made or
   taken, moved to `processing` with the next attempt number and the unpaid amount read from
   the ledger. `processing` is an in-flight status, so the unique index refuses it while any
   other payment of the bond is open or processing (then nothing happens until the next run),
   and a second worker running the same attempt finds it taken and stops.
2. the PaymentIntent is created once (its key: agency and installment), its id stored and
   committed before it is ever confirmed; an existing id is always reused, so a forgotten
   idempotency key cannot make a second one.
3. before confirming: the PaymentIntent is retrieved (succeeded or processing: never confirmed
   again; cancelled: the row closes), the unpaid amount is read again (paid meanwhile: the
   PaymentIntent is cancelled) and the amount and fee are updated if they changed.
4. confirm (its key: agency, installment and attempt number). Success waits for the webhook,
   which alone enters the ledger (`autopay.on_payment_intent`); a decline or a card needing its
   holder moves the row to retrying (or requires_action) until the next retry day, or to failed
   after the last, and texts the payer a way to pay.

A worker that dies mid-attempt leaves the row `processing`: after STALE it is taken again with
the same attempt number (so the same confirmation key) and steps 2-4 resume where they stopped.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.bonds.models import Bond
from bbp.bonds.queries import lock
from bbp.extensions import db
from bbp.kernel.clock import agency_today, agency_zone, local, utcnow
from bbp.kernel.transactions import atomic
from bbp.merchant import autopay_days as days
from bbp.merchant import autopay_notice, enrollment, fees
from bbp.merchant.models import OnlinePayment
from bbp.merchant.money import to_cents
from bbp.payments.models import Instalment, PaymentPlan
from bbp.reminders.services import in_quiet_hours
from bbp.settings import services as settings
from bbp.tenancy import require_tenant

log = logging.getLogger(__name__)
SOON = timedelta(minutes=30)
SWEEP = timedelta(
    hours=6
)  # the scheduler's backstop  # when the job looks again at work it could not do yet
MINIMUM_CENTS = 50  # Stripe's smallest charge in US dollars
MAX_RESUMES = 3  # an interrupted attempt is taken again at most this often
TOO_SMALL = "The rest is too small to charge online."


class Claim(NamedTuple):
    """One attempt a worker owns: the row, its attempt number and what to charge."""

    row_id: int
    bond_id: int
    number: int
    instalment_id: int
    amount_cents: int
    fee_cents: int
    intent_id: str | None
    account: str
    customer: str
    payment_method: str


def run() -> dict[str, int]:
    """Periodic task: every autopay attempt due for the bound agency now."""
    now = utcnow()
    policy = settings.current()
    quiet = in_quiet_hours(now, policy.quiet_start_hour, policy.quiet_end_hour)
    account = enrollment.charging_account()
    db.session.rollback()
    if quiet is not None or account is None:
        return {}
    counts: Counter[str] = Counter()
    for instalment_id in days.due(agency_today(), now):
        try:
            counts[attempt(instalment_id, account)] += 1
        except stripe.StripeError:  # Stripe unreachable or refusing: resumed after STALE
            db.session.rollback()
            log.exception("autopay attempt for installment %s stopped", instalment_id)
            counts["error"] += 1
    return dict(counts)


def next_due(now: datetime) -> datetime | None:
    """When the agency's quiet hours next end (each day's run), or sooner while an attempt
    waits: a charge waiting for its webhook or interrupted, a payment of the bond in flight."""
    policy = settings.current()
    ends = in_quiet_hours(now, policy.quiet_start_hour, policy.quiet_end_hour)
    if ends is not None:
        return ends
    today = local(now).date()
    morning = datetime.combine(today, clock_time(policy.quiet_end_hour), agency_zone())
    if morning <= now:
        morning = datetime.combine(
            today + timedelta(days=1), clock_time(policy.quiet_end_hour), agency_zone()
        )
    return min(now + SOON, morning) if days.waiting() else morning


def attempt(instalment_id: int, account: str) -> str:
    """One attempt for one installment; returns what happened (for the job's counts)."""
    claim = _claim(instalment_id, account)
    if isinstance(claim, str):
        return claim
    try:
        return _charge(claim)
    except stripe.StripeError as error:
        if _transient(error):
            raise  # Stripe unreachable or busy: the row is taken again after STALE
        # Refused for good (the customer or card deleted, the account's access gone...): the row
        # leaves `processing`, as a decline does, so the bond's other payments are not blocked.
        return failed(claim.row_id, claim.number, error.code or "stripe_error", _said(error))


def _transient(error: stripe.StripeError) -> bool:
    """Whether trying again later may work (a network fault, rate limit or Stripe's 5xx)."""
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError):
        return True
    return error.http_status is None or error.http_status >= 500 or error.http_status == 409


def _said(error: stripe.StripeError) -> str:
    return str(error.user_message or getattr(error, "_message", None) or error)


def _charge(claim: Claim) -> str:
    intents = stripe_api.client().v1.payment_intents
    options = {"stripe_account": claim.account}
    instalment_id = claim.instalment_id
    intent_id = claim.intent_id or _create(claim)
    intent = intents.retrieve(intent_id, options=options)
    if intent.status in ("succeeded", "processing"):  # charged already: the webhook settles it
        return "submitted"
    if intent.status == "canceled":
        return _close(claim, "cancelled")
    left = _still_unpaid(instalment_id)
    if left == 0:
        enrollment.cancel_charge(claim.row_id)
        return "paid"
    if left < MINIMUM_CENTS:  # Stripe charges no less: the rest is paid some other way
        enrollment.cancel_charge(claim.row_id, TOO_SMALL)
        return "too_small"
    fee = fees.fee_for(left)
    if intent.amount != left or (intent.application_fee_amount or 0) != fee:
        intents.update(
            intent_id,
            params={"amount": left, "application_fee_amount": fee},
            options={**options, "idempotency_key": f"{_key(claim)}-{claim.number}-{left}"},
        )
    try:
        intent = intents.confirm(
            intent_id,
            params={"off_session": True, "payment_method": claim.payment_method},
            options={**options, "idempotency_key": f"{_key(claim)}-confirm-{claim.number}"},
        )
    except stripe.CardError as error:
        return failed(claim.row_id, claim.number, error.code or "card_declined", error.user_message)
    except stripe.InvalidRequestError:  # called off or charged meanwhile: Stripe knows which
        intent = intents.retrieve(intent_id, options=options)
        if intent.status == "canceled":
            return _close(claim, "cancelled")
        if intent.status not in ("succeeded", "processing"):
            raise  # neither: refused for good (see `attempt`)
    return "submitted" if intent.status in ("succeeded", "processing") else "waiting"


def _key(claim: Claim) -> str:
    return f"autopay-{require_tenant().id}-{claim.instalment_id}"


@atomic
def _claim(instalment_id: int, account: str) -> Claim | str:
    """Take the installment's next attempt, or say why not."""
    instalment = db.session.get(Instalment, instalment_id)
    if instalment is None:
        return "gone"
    plan = db.session.get(PaymentPlan, instalment.plan_id)
    bond = lock(db.session.get(Bond, plan.bond_id))
    payer = enrollment.active(bond.id)
    row = db.session.scalar(
        select(OnlinePayment)
        .where(OnlinePayment.source == "autopay", OnlinePayment.instalment_id == instalment_id)
        .with_for_update()
    )
    if payer is None or not days.attemptable(row):
        return "off" if payer is None else "not_due"
    left = _left(bond, plan, instalment)
    if left == 0 and (row is None or row.payment_intent_id is None):
        if row is not None:  # paid before its PaymentIntent was made: nothing to call off
            row.status, row.next_attempt_on, row.updated_at = "cancelled", None, utcnow()
        return "paid"
    if 0 < left < MINIMUM_CENTS:  # Stripe charges no less than $0.50
        if row is None:
            return "too_small"
        if row.payment_intent_id is None:
            row.status, row.next_attempt_on, row.updated_at = "cancelled", None, utcnow()
            row.last_error = TOO_SMALL
            return "too_small"
        # else the attempt cancels its PaymentIntent and closes the row
    if row is not None and row.status == "processing" and row.resumes >= MAX_RESUMES:
        return _give_up(row, instalment)
    # Nothing left, or too little: the attempt cancels the PaymentIntent (its amount unchanged).
    amount = left if left >= MINIMUM_CENTS else row.amount_cents
    fee = fees.fee_for(amount)
    try:
        with db.session.begin_nested(), db.session.no_autoflush:
            row = _take(row, payer, bond.id, instalment_id, account)
            row.amount_cents, row.application_fee_cents = amount, fee
            db.session.flush()
    except IntegrityError:  # another payment of the bond is in flight: wait for it
        return "busy"
    return Claim(
        row.id,
        bond.id,
        row.attempts,
        instalment_id,
        row.amount_cents,
        row.application_fee_cents,
        row.payment_intent_id,
        account,
        payer.stripe_customer_id,
        payer.stripe_payment_method_id,
    )


def _take(row, payer, bond_id: int, instalment_id: int, account: str) -> OnlinePayment:
    """The installment's row, made if needed, moved to `processing` for the next attempt."""
    if row is None:
        row = OnlinePayment(
            bond_id=bond_id,
            source="autopay",
            mode="payment",
            instalment_id=instalment_id,
            autopay_id=payer.id,
            payer=payer.payer,
            payer_name=payer.payer_name,
            receipt_to=payer.contact,
            attempts=0,
            last_error="",
            save_card=False,
            stripe_account_id=account,
        )
        db.session.add(row)
    resumed = row.status == "processing"  # an interrupted attempt keeps its number (its key)
    row.status, row.updated_at, row.next_attempt_on = "processing", utcnow(), None
    row.attempts = row.attempts if resumed else row.attempts + 1
    row.resumes = (row.resumes or 0) + 1 if resumed else 0
    return row


def _give_up(row: OnlinePayment, instalment: Instalment) -> str:
    """An attempt interrupted MAX_RESUMES times: the row leaves `processing` (retried on its next
    retry day, or failed after the last) instead of blocking the bond's payments for good."""
    retry_on = days.next_retry(instalment.due_on, row.attempts, agency_today())
    row.status = "retrying" if retry_on is not None else "failed"
    row.next_attempt_on, row.updated_at = retry_on, utcnow()
    row.last_error = f"The charge was interrupted {row.resumes + 1} times."
    return "gave_up"


def _left(bond: Bond, plan: PaymentPlan, instalment: Instalment) -> int:
    """Cents of this installment the ledger has not covered yet."""
    return to_cents(enrollment.unpaid_of(bond, plan, instalment))


def _still_unpaid(instalment_id: int) -> int:
    """The ledger read again, in a transaction of its own, right before a charge."""
    with atomic:
        instalment = db.session.get(Instalment, instalment_id)
        plan = db.session.get(PaymentPlan, instalment.plan_id)
        return _left(db.session.get(Bond, plan.bond_id), plan, instalment)


def _create(claim: Claim) -> str:
    """Create the installment's PaymentIntent (unconfirmed) and store its id before anything
    else happens to it."""
    intent = stripe_api.client().v1.payment_intents.create(
        params={
            "amount": claim.amount_cents,
            "currency": "usd",
            "customer": claim.customer,
            "payment_method": claim.payment_method,
            "application_fee_amount": claim.fee_cents,
            "confirm": False,
            "description": "Autopay installment",
            "metadata": {
                "online_payment_id": str(claim.row_id),
                "bond_id": str(claim.bond_id),
                "source": "autopay",
                "instalment_id": str(claim.instalment_id),
                "tenant_id": str(require_tenant().id),
            },
        },
        options={"stripe_account": claim.account, "idempotency_key": _key(claim)},
    )
    with atomic:
        row = db.session.get(OnlinePayment, claim.row_id, with_for_update=True)
        if row.payment_intent_id is None:
            row.payment_intent_id, row.updated_at = intent.id, utcnow()
        return row.payment_intent_id


def failed(row_id: int, number: int, code: str, message: str | None) -> str:
    """A declined attempt: retry on the next retry day, or fail after the last; the payer is
    texted a way to pay. Only the attempt that still owns the row moves it (exactly once)."""
    with atomic:
        row = db.session.get(OnlinePayment, row_id, with_for_update=True)
        if row.status != "processing" or row.attempts != number:
            return "settled"
        instalment = db.session.get(Instalment, row.instalment_id)
        retry_on = days.next_retry(instalment.due_on, number, agency_today())
        needs_payer = code == "authentication_required"
        row.status = (
            "failed" if retry_on is None else ("requires_action" if needs_payer else "retrying")
        )
        row.next_attempt_on, row.updated_at = retry_on, utcnow()
        row.last_error = (message or code)[:500]
        autopay_notice.text_pay_link(row, needs_payer, retry_on)
    return row.status


def _close(claim: Claim, status: str) -> str:
    with atomic:
        row = db.session.get(OnlinePayment, claim.row_id, with_for_update=True)
        if row.status == "processing" and row.attempts == claim.number:
            row.status, row.updated_at = status, utcnow()
    return status
