"""Dunning on agency hosts: one before-request rule per state, and the past-due banner.

read_only refuses every state-changing staff request except READ_ONLY_ALLOWED: the writes that
protect people (court dates and outcomes, check-in schedules, collateral returns, payments and
refunds, documents and signatures for existing bonds, contact details reminders go to) and
account housekeeping. billing_suspended shuts every staff page (sign-in included). Routes
defendants and cosigners use are never touched: the portal, signing, texted check-in links and
Twilio's webhooks (the lifecycle's OPEN_WHILE_SUSPENDED list) plus the public PDF check.
"""

from __future__ import annotations

from flask import Flask, g, request
from flask_login import current_user

from bbp.billing import dunning
from bbp.kernel.errors import DomainError
from bbp.tenancy import require_tenant, resolver
from bbp.tenancy.resolver import open_while_suspended
from bbp.web.errors import error_response

# Defendant-facing or platform-facing routes that no dunning state touches.
ALWAYS_OPEN = frozenset(
    {"signatures.verify", "signatures.verify_post", "support.enter", "support.enter_post"}
    | {"support.left", "support.end_session"}
)
# The staff changes a read-only agency still makes: none of them is new business.
READ_ONLY_ALLOWED = frozenset(
    {
        # Signing in and out, and each person's own password and two-step setup.
        "auth.login_post",
        "auth.two_step_post",
        "auth.enroll_post",
        "auth.set_password_post",
        "auth.forgot_password_post",
        "auth.logout",
        "auth.account_enroll_post",
        # Court dates, their outcomes and forfeiture notices: a missed date hurts a person.
        "courts.create",
        "courts.update",
        "courts.save_outcome",
        "courts.notice",
        # Bond status (exoneration, surrender, forfeiture) and notes on existing bonds.
        "bonds.change_status",
        "bonds.add_note",
        # Contact details and reminder opt-outs the reminders depend on.
        "defendants.update",
        "indemnitors.update",
        "defendants.reveal",  # a read behind a POST
        "messaging.send",
        # Check-ins, collateral returns, payments and refunds.
        "checkins.save_schedule",
        "collateral.mark_returned",
        "payments.create",
        "payments.void",
        "merchant.create_refund",  # money back to a payer's card
        "merchant.send_refund",
        "merchant.refresh_payout",  # a read of Stripe behind a POST
        "merchant.send_pay_link",  # text-to-pay: taking payments on existing bonds
        "merchant.revoke_pay_link",
        "merchant.autopay_off",  # autopay: stopping charges is never new business
        # Documents and signatures for existing bonds; the client portal's invitations.
        "documents.ask_defendant",
        "documents.ask_cosigner",
        "documents.cancel",
        "signatures.send",
        "signatures.resend",
        "signatures.cancel",
        "portal.invite_defendant",
        "portal.invite_cosigner",
        # Locking people out is security, not business; the owner's data stays theirs.
        "staff.deactivate",
        "staff.password_link",
        "staff.reset_two_step",
        "settings.preview",  # renders a preview, saves nothing
        "settings.your_data_archive",
        "settings.your_data_download",
        # The owner's billing: the card (Stripe's portal, or its development stand-in) and
        # cancelling or keeping the subscription. A plan change waits: it adds charges.
        "dunning.update_card",
        "billing_dev.save_card",
        "billing_dev.pay_invoice",  # development's stand-in for Stripe's hosted invoice page
        "dunning.cancel_post",
        "dunning.keep",
        # Online payments: finishing Stripe's onboarding of the account the agency has, and
        # disconnecting it (stopping payments is never new business).
        "merchant.continue_setup",
        "merchant.disconnect_post",
        "merchant.fake_onboarding_post",  # development's stand-in for Stripe's onboarding
        # Answering the platform's support requests.
        "support.approve",
        "support.deny",
        "support.end",
        "support.policy",
    }
)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SUSPENDED_TITLE = "Account suspended for non-payment"
SUSPENDED_MESSAGE = (
    "This account is suspended for non-payment: staff cannot sign in until the BailBondPro "
    "bill is paid. Clients' court reminders, check-ins, portal and signing keep working."
)
READ_ONLY_MESSAGE = (
    "This account is read-only because a payment is overdue: new bonds, imports, invitations "
    "and settings changes wait until it is paid. Court dates, payments, check-ins, collateral "
    "returns and documents for existing bonds still work."
)


def defendant_facing(endpoint: str) -> bool:
    """Whether a route serves defendants, cosigners or the platform (never refused here)."""
    return open_while_suspended(endpoint) or endpoint in ALWAYS_OPEN


def _guard():
    """Apply the agency's dunning state to this staff request."""
    endpoint = request.endpoint
    if g.get("site") != "tenant" or endpoint in (None, "static") or defendant_facing(endpoint):
        return None
    if getattr(current_user, "is_support", False):
        return None  # support access is read-only already, and its guard audits every request
    state = dunning.state_of(require_tenant().id)
    if state == "billing_suspended" and endpoint != "auth.logout":
        return error_response(403, SUSPENDED_MESSAGE, "billing/suspended.html", SUSPENDED_TITLE)
    refused = request.method not in SAFE_METHODS and endpoint not in READ_ONLY_ALLOWED
    if state == "read_only" and refused:
        raise DomainError(READ_ONLY_MESSAGE, status=409)
    return None


def banner() -> str | None:
    """The dunning state to warn owners and admins of on every page, if any."""
    if g.get("site") != "tenant" or g.get("tenant") is None:
        return None
    if not current_user.is_authenticated or getattr(current_user, "is_support", False):
        return None
    if not current_user.has_role("admin"):
        return None
    state = dunning.state_of(g.tenant.id)
    return state if state in ("past_due", "read_only") else None


def init_app(app: Flask) -> None:
    """Install the dunning rule and the banner's template helper."""
    # Right after the site is resolved (as a lifecycle suspension is), before the CSRF check:
    # a refused agency's staff see why, whatever the form they sent.
    funcs = app.before_request_funcs.setdefault(None, [])
    site = next(i for i, f in enumerate(funcs) if f.__module__ == resolver.__name__)
    funcs.insert(site + 1, _guard)
    app.context_processor(lambda: {"dunning_banner": banner})
