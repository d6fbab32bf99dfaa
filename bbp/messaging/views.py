"""Send a text from a bond, and the Twilio webhooks (signature-checked, idempotent)."""

from __future__ import annotations

import contextlib

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from twilio.request_validator import RequestValidator

from bbp.auth.roles import role_required
from bbp.bonds import queries as bonds
from bbp.extensions import csrf
from bbp.messaging import bp, queries, services
from bbp.messaging.providers import agency_credentials
from bbp.web.refusals import refused

BOND = "<int(max=2147483647):bond_id>"


def recipients(bond) -> list[tuple[str, str, dict]]:
    """Who on this bond can be texted: (key, label, ids) for the defendant and each cosigner."""
    people = [
        (
            "defendant",
            f"{bond.defendant.full_name} (defendant)",
            bond.defendant.phone,
            {"defendant_id": bond.defendant.id},
        )
    ]
    people += [
        (
            f"indemnitor-{c.indemnitor_id}",
            f"{c.indemnitor.full_name} (cosigner)",
            c.indemnitor.phone,
            {"indemnitor_id": c.indemnitor_id},
        )
        for c in bond.cosigners
    ]
    return [(key, label, phone, ids) for key, label, phone, ids in people if phone]


@bp.post(f"/bonds/{BOND}/send")
@role_required("agent")
def send(bond_id: int):
    """Queue a one-off text to the defendant or a cosigner of this bond."""
    bond = bonds.get(bond_id)
    chosen = {key: (phone, ids) for key, _, phone, ids in recipients(bond)}
    target = chosen.get(request.form.get("recipient", ""))
    with refused():
        if target is None:
            raise services.MessagingError("Choose who gets the text.")
        phone, ids = target
        services.queue(
            phone, request.form.get("body", ""), "one_off", bond_id=bond.id, by=current_user, **ids
        )
        flash("Text queued.", "success")
    return redirect(url_for("bonds.show", bond_id=bond.id) + "#messages")


def _verified() -> None:
    """403 unless Twilio signed this request with our auth token."""
    token = agency_credentials()[1]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not RequestValidator(token).validate(request.url, request.form, signature):
        abort(403, description="The request signature is not valid.")


@bp.post("/twilio/status")
@csrf.exempt
def twilio_status():
    """Delivery report from Twilio."""
    _verified()
    services.status_callback(
        request.form.get("MessageSid", ""),
        request.form.get("MessageStatus", ""),
        request.form.get("ErrorCode", ""),
    )
    return "", 204


@bp.post("/twilio/inbound")
@csrf.exempt
def twilio_inbound():
    """A text someone sent to the agency's number."""
    _verified()
    # A short code or a foreign number is nothing of ours to update.
    with contextlib.suppress(services.MessagingError):
        services.inbound(
            request.form.get("From", ""),
            request.form.get("Body", ""),
            request.form.get("MessageSid", ""),
        )
    return "<Response></Response>", 200, {"Content-Type": "text/xml"}


@bp.app_template_global()
def messages_section(bond, loaded=None):
    """Every text about a bond, who can be texted, and their names by number, for the bond page
    (its texts from what the page `loaded`, if given)."""
    people = recipients(bond)
    return {
        "messages": loaded.messages if loaded else queries.of_bond(bond),
        "recipients": people,
        "names": {queries.number(phone): label for _, label, phone, _ in people},
    }


@bp.app_template_global()
def defendant_messages(defendant) -> list:
    """Texts to and from a defendant, for the defendant page."""
    return queries.of_defendant(defendant.id)


@bp.app_template_global()
def indemnitor_messages(indemnitor) -> list:
    """Texts to a cosigner, for the cosigner page."""
    return queries.of_indemnitor(indemnitor.id)
