"""The audit log in words: one sentence per action code, and a label and a shape per field.

Every action code recorded anywhere in `bbp` must have a sentence here (a test sweeps the
source for them), so a new action cannot reach the log as a raw code. Sentences name
`{actor}`, `{subject}` (what the entry points at, e.g. "Ray Doe's bond B-000012") and recorded
values as `{before.field}` / `{after.field}`. Fields of kind "secret" are never shown, only
said to have changed; "internal" ones (row ids, storage keys) are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bbp.kernel.placeholders import Syntax

SENTENCE = Syntax(
    re.compile(r"\{(?P<name>actor|subject|(?:before|after)\.[a-z0-9_]+)\}|(?P<bad>[{}])")
)

ACTIONS = {
    "auth.sign_in": "{actor} signed in",
    "auth.sign_out": "{actor} signed out",
    # The typed email stays in the changes (admins only): it may be a mistyped password.
    "auth.sign_in_failed": "Someone failed to sign in as {subject}",
    "auth.locked": "Sign-in as {subject} locked after {after.failed_logins} failed attempts",
    "auth.password_set": "{actor} chose a password and joined",
    "auth.password_reset": "{actor} reset their password",
    "auth.reset_requested": "Someone asked for a password reset link for {subject}",
    "auth.password_accepted": "{actor} gave the right password; the second step is next",
    "auth.two_step_enrolled": "{actor} turned on two-step sign-in",
    "auth.two_step_failed": "Someone entered a wrong two-step code for {subject}",
    "auth.two_step_locked": "Sign-in as {subject} locked after too many wrong two-step codes",
    "auth.two_step_reset": "{actor} reset the two-step sign-in of {subject}",
    "settings.two_step_required": "{actor} required two-step sign-in for everyone",
    "settings.two_step_optional": "{actor} made two-step sign-in optional",
    "admin.invited": "{actor} invited {subject} to the console as {after.role}",
    "admin.role_changed": "{actor} made {subject} {after.role} (was {before.role})",
    "admin.deactivated": "{actor} deactivated {subject}",
    "admin.reactivated": "{actor} reactivated {subject}",
    "bond.quoted": "{actor} started a quote: {subject}",
    "bond.charges_saved": "{actor} saved the charges of {subject}",
    "bond.cosigner_added": "{actor} added {after.indemnitor} to {subject}",
    "bond.cosigner_removed": "{actor} removed {before.indemnitor} from {subject}",
    "bond.plan_saved": "{actor} set the payment plan of {subject}",
    "bond.written": "{actor} wrote {subject}",
    "bond.status_changed": "{actor} moved {subject} from {before.status} to {after.status}",
    "bond.note_added": "{actor} added a note to {subject}",
    "check_in_schedule.set": "{actor} set check-ins for {subject}",
    "check_in_schedule.changed": "{actor} changed the check-ins of {subject}",
    "check_in.texted": "The check-in link was texted to {subject}",
    "check_in.done": "{subject} checked in",
    "check_in.missed": "{subject} missed the check-in due {after.due_at}",
    "collateral.received": "{actor} received {subject}",
    "collateral.return_clock_started": "{subject} is due back by {after.return_due_on}",
    "collateral.returned": "{actor} returned {subject} to {after.returned_to}",
    "court_date.scheduled": "{actor} set a court date on {subject} for {after.starts_at}",
    "court_date.rescheduled": "{actor} changed a court date on {subject}",
    "court_date.outcome": "{actor} recorded the court outcome on {subject}: {after.outcome}",
    "forfeiture.notice_recorded": "{actor} recorded the forfeiture notice on {subject}",
    "data.exported": "{actor} exported {after.file}",
    "archive.requested": "{actor} asked for archive #{after.archive} of all the agency's data",
    "archive.downloaded": "{actor} downloaded archive #{after.archive} of all the agency's data",
    "data.import_batch": "{actor}'s CSV import has saved {after.done} rows so far",
    "data.imported": "{actor} imported {after.total} rows from a CSV file",
    "defendant.created": "{actor} added {subject}",
    "defendant.updated": "{actor} updated {subject}",
    "defendant.photo_changed": "{actor} changed the photo of {subject}",
    "defendant.ssn_revealed": "{actor} revealed the Social Security number of {subject}",
    "defendant.dl_revealed": "{actor} revealed the driver's license number of {subject}",
    "document.requested": "{actor} asked {after.person} for a document: {after.doc_type}",
    "document.request_cancelled": "{actor} canceled the request for {subject}",
    "document.received": "{actor} sent {subject}",
    "document_template.saved": "{actor} saved the agency's wording of {after.title}",
    "document_template.restored": "{actor} went back to the standard wording of {after.title}",
    "indemnitor.created": "{actor} added {subject}",
    "indemnitor.updated": "{actor} updated {subject}",
    "payment.recorded": "{actor} took {after.amount} ({after.kind}) on bond {after.bond}",
    "pay_link.sent": "{actor} texted a pay link for bond {after.bond} to {after.to}",
    "pay_link.revoked": "{actor} revoked a pay link for bond {after.bond}",
    "payment.voided": "{actor} voided {subject}",
    "refund.requested": "{actor} asked Stripe to refund {after.amount}: {after.reason}",
    "refund.made_in_stripe": "{actor} reported a refund of {after.amount} made in its Dashboard",
    "refund.refused": "{actor} refused a refund: {after.error}",
    "refund.pending": "{actor} took {subject} and has it pending",
    "refund.requires_action": "{actor} needs the payer to act on {subject}",
    "refund.succeeded": "{actor} confirmed {subject}",
    "refund.failed": "{actor} reported that {subject} failed",
    "refund.canceled": "{actor} canceled {subject}",
    "dispute.opened": "{actor} reported a dispute of {after.amount}",
    "dispute.warning_needs_response": "{actor} reported an inquiry that needs a response",
    "dispute.warning_under_review": "{actor} has an inquiry under review",
    "dispute.warning_closed": "{actor} closed an inquiry",
    "dispute.needs_response": "{actor} reported a dispute that needs a response",
    "dispute.under_review": "{actor} has a dispute under review",
    "dispute.won": "{actor} decided a dispute of {after.amount} for the agency",
    "dispute.lost": "{actor} decided a dispute of {after.amount} for the payer",
    "portal.link_sent": "{actor} sent a portal sign-in link to {subject}",
    "portal.contact_updated": "{actor} updated the contact details of {subject}",
    "portal.language_changed": "{actor} chose {after.language} as the language of {subject}",
    "power.batch_received": "{actor} received {after.count} powers: {subject}",
    "power.assigned": "{actor} assigned {subject} to {after.agent_id}",
    "power.unassigned": "{actor} took {subject} back from {before.agent_id}",
    "power.returned": "{actor} returned {subject} to its surety",
    "power.voided": "{actor} voided {subject}",
    "power.executed": "{actor} used {subject} on bond {after.bond}",
    "power.expired": "{subject} expired unused",
    "surety.created": "{actor} added the surety {after.name}",
    "support.requested": "{actor} asked for read-only access for {after.minutes} minutes",
    "support.approved": "{actor} let {after.admin} of BailBondPro support in",
    "support.auto_approved": "{after.admin} of BailBondPro support got in without approval",
    "support.denied": "{actor} denied support access to {after.admin}",
    "support.withdrawn": "{actor} withdrew the request for support access",
    "support.ended": "{actor} ended support access by {after.admin}",
    "support.entered": "{actor} entered the agency's workspace",
    "support.link_issued": "{actor} made a link into the agency's workspace",
    "support.viewed": "{actor} viewed {subject}",
    "dunning.active": "{actor} recorded a payment: the agency is in good standing again",
    "dunning.past_due": "{actor} recorded a failed payment: the agency is past due",
    "dunning.read_only": "{actor} made the agency read-only: unpaid past the grace period",
    "dunning.billing_suspended": "{actor} suspended the agency for non-payment",
    "billing.simulated_failure": "{actor} simulated a failed payment",
    "billing.simulated_recovery": "{actor} simulated a recovered payment",
    "support.archive_downloaded": "{actor} downloaded the agency's archive #{after.archive}",
    "support.viewed_page": "{actor} viewed the page {after.page}",
    "support.refused": "{actor} was refused {after.page}: support access is read-only",
    "settings.changed": "{actor} changed the premium rules and fees",
    "settings.reminders_changed": "{actor} changed the court reminder schedule",
    "settings.reminder_wording_changed": "{actor} changed the wording of court reminders",
    "settings.sms_sender_changed": "{actor} changed the texting number and account",
    "settings.signatures_changed": "{actor} changed the signature settings",
    "settings.support_access_changed": "{actor} changed whether support may enter without approval",
    "signature.requested": "{actor} sent {subject} to sign",
    "signature.resent": "{actor} sent {subject} again",
    "signature.cancelled": "{actor} withdrew {subject}",
    "signature.signed": "{actor} signed {subject}",
    "signature.declined": "{actor} declined to sign {subject}",
    "sms.opted_out": "{after.phone} texted {after.keyword}: no more texts to that number",
    "sms.opted_in": "{after.phone} texted {after.keyword}: texts to that number resume",
    "staff.invited": "{actor} invited {subject} as {after.role}",
    "staff.password_link_issued": "{actor} made a new password link for {subject}",
    "staff.role_changed": "{actor} made {subject} {after.role} (was {before.role})",
    "staff.invitation_link_revoked": (
        "{subject}'s invitation link stopped working: {after.because} may no longer see it"
    ),
    "staff.deactivated": "{actor} deactivated {subject}",
    "staff.reactivated": "{actor} reactivated {subject}",
    "tenant.provisioned": "{actor} opened the agency",
    "tenant.active": "{actor} reactivated the agency",
    "tenant.suspended": "{actor} suspended the agency",
    "tenant.domain_added": "{actor} added the custom domain {after.domain}",
    "tenant.domain_verified": "{actor} verified the custom domain {after.domain}",
    "tenant.domain_removed": "{actor} removed the custom domain {before.domain}",
    "tenant.deletion_scheduled": "{actor} scheduled the agency for deletion",
    "tenant.deletion_undone": "{actor} undid the agency's deletion",
    "tenant.legal_hold_set": "{actor} put the agency under legal hold",
    "tenant.legal_hold_released": "{actor} released the agency's legal hold",
    "tenant.purge_step": "{actor} purged the agency's {after.step}",
    "tenant.purged": "{actor} finished purging the agency",
    # the platform console's operations (platform audit log)
    "platform.migration_started": "{actor} started migrating every agency",
    "platform.migration_finished": (
        "Migrating every agency finished: {after.upgraded} upgraded, "
        "{after.skipped} already at head, {after.failed} failed"
    ),
    "job.retried": "{actor} retried a failed {after.task} job",
    "job.deleted": "{actor} deleted a failed {after.task} job",
    "job.retried_agency": "{actor} retried {after.jobs} failed jobs of {subject}",
    "tenant.restored": "{actor} restored the agency from archive #{after.from_archive}",
    # billing (platform audit log)
    "plan.created": "{actor} created the plan {after.name}",
    "plan.updated": "{actor} changed the plan {after.name}",
    # Stripe's ids stay out of sentences: the platform log shows them beside, in small print.
    "plan.price_changed": (
        "{actor} changed the monthly price of {after.name} to {after.monthly_price_cents} "
        "(was {before.monthly_price_cents}) for agencies joining from now"
    ),
    "plan.texts_repriced": (
        "{actor} changed the included texts or per-text price of {after.name} "
        "for agencies joining from now"
    ),
    "billing.plan_chosen": "{actor} put the agency on the {after.plan} plan",
    # billing from the console and the lifecycle (both audit logs)
    "billing.trial_extended": "{actor} extended the agency's trial to {after.trial_ends}",
    "billing.comped": (
        "{actor} gave the agency {after.months} free months, until {after.comped_until}"
    ),
    "billing.canceled": "{actor} canceled the agency's subscription {after.when}: {after.reason}",
    "billing.reopened": "{actor} kept the agency's subscription running: the deletion was undone",
    "billing.ended_while_closed": (
        "The agency's subscription ended while it was closed: it needs a plan again"
    ),
    "billing.subscription_status": (
        "{actor} reported the agency's subscription as {after.status} (it was {before.status})"
    ),
    # the agency's subscription (the platform log and the agency's own)
    "billing.plan_changed": "{actor} moved the subscription from {before.plan} to {after.plan}",
    "billing.cancel_scheduled": "{actor} set the subscription to end when its period ends",
    "billing.cancel_undone": "{actor} kept the subscription: it renews as before",
    # online payments: the agency's Stripe account (docs/payments-connect.md)
    "merchant.connected": "{actor} connected the agency's Stripe account",
    "merchant.account_updated": "{actor} reported a change to the agency's Stripe account",
    "merchant.disconnected": "{actor} disconnected the agency's Stripe account: {after.reason}",
    "autopay.turned_off": "{actor} turned off autopay for {subject}",
    "merchant.payment_unconfirmed": (
        "{actor} left {subject} not confirmed in this restored copy: {after.reason}"
    ),
    "autopay.authorized": "{actor} agreed to the autopay authorization for {subject}",
    "autopay.turned_on": "{actor} turned on autopay for {subject} with {after.card}",
    "autopay.card_changed": "{actor} changed the autopay card for {subject} to {after.card}",
    # {before.fee} and {after.fee}: the platform log words the recorded bps and fixed_cents.
    "plan.fee_changed": (
        "{actor} changed the platform fee per payment of {subject} from {before.fee} to {after.fee}"
    ),
}

# Sentences that depend on a recorded value: (action, {field: value, …}, sentence), first match
# wins over ACTIONS. A refund enters the ledger as a payment, but it is money going back.
VARIANTS = (
    (
        "payment.recorded",
        {"kind": "refund", "method": "card_online"},
        "{actor} refunded {after.amount} to the card on bond {after.bond}",
    ),
    (
        "payment.recorded",
        {"kind": "refund"},
        "{actor} refunded {after.amount} on bond {after.bond}",
    ),
)


def template(action: str, after: dict | None) -> str | None:
    """The sentence for an entry: a variant its recorded values match, else the action's."""
    for code, wanted, sentence in VARIANTS:
        if code == action and all((after or {}).get(k) == v for k, v in wanted.items()):
            return sentence
    return ACTIONS.get(action)


# Values an action records that its changes leave out: row ids its sentence already stands for.
UNLISTED = {"bond.note_added": ("note",), "autopay.authorized": ("bond",)}

# The filter of the audit page: action prefixes in words.
AREAS = {
    "auth.": "Sign-ins and passwords",
    "admin.": "Platform admins",
    "bond.": "Bonds",
    "payment.": "Payments",
    "pay_link.": "Pay links",
    "refund.": "Refunds",
    "dispute.": "Disputes",
    "court_date.": "Court dates",
    "forfeiture.": "Forfeitures",
    "collateral.": "Collateral",
    "power.": "Powers",
    "surety.": "Sureties",
    "defendant.": "Defendants",
    "indemnitor.": "Cosigners",
    "signature.": "Signatures",
    "document": "Documents",
    "check_in": "Check-ins",
    "sms.": "Text opt-outs",
    "portal.": "Client portal",
    "staff.": "Team",
    "settings.": "Settings",
    "data.": "Imports and exports",
    "archive.": "Archives of all the data",
    "tenant.": "The agency",
    "support.": "Support access",
    "platform.": "Platform migrations",
    "job.": "Background jobs",
    "dunning.": "Billing standing",
    "plan.": "Plans",
    "billing.": "Billing",
    "merchant.": "Online payments",
    "autopay.": "Autopay",
}
# Areas only the platform audit log holds: an agency's own log offers the others (its
# subscription's changes, `billing.`, are in both).
PLATFORM_ONLY = ("platform.", "job.", "dunning.", "plan.")
AGENCY_AREAS = {prefix: label for prefix, label in AREAS.items() if prefix not in PLATFORM_ONLY}

# Who did it, when the log names no staff account.
ACTORS = {
    "system": "The system",
    "anonymous": "Someone",
    "sms": "Someone by text",
    "cli": "An operator",
    "restore": "Restoring from an archive",
    "defendant (check-in link)": "The defendant",
}


@dataclass(frozen=True)
class Field:
    """How a recorded field reads: its label, the shape of its values, what an id names."""

    label: str
    kind: str = "text"  # a key of bbp.audit.values.FORMATS, or datetime, secret, internal
    names: str | None = None  # the subject kind an id value names ("indemnitor", "user")


FIELDS = {
    # people
    "first_name": Field("First name"),
    "middle_name": Field("Middle name"),
    "last_name": Field("Last name"),
    "aliases": Field("Aliases"),
    "date_of_birth": Field("Date of birth", "date"),
    "language": Field("Language", "language"),
    "reminders_opt_out": Field("No court reminders", "bool"),
    "phone": Field("Phone", "phone"),
    "phone_alt": Field("Other phone", "phone"),
    "email": Field("Email"),
    "address_line1": Field("Address"),
    "address_line2": Field("Address line 2"),
    "city": Field("City"),
    "state": Field("State"),
    "postal_code": Field("ZIP code"),
    "license_number": Field("State license number"),
    "employer": Field("Employer"),
    "employer_phone": Field("Employer's phone", "phone"),
    "monthly_income": Field("Monthly income", "money"),
    "housing": Field("Housing", "code"),
    "height": Field("Height"),
    "weight": Field("Weight"),
    "hair": Field("Hair"),
    "eyes": Field("Eyes"),
    "marks": Field("Scars, marks, tattoos"),
    "booking_number": Field("Booking number"),
    "jail": Field("Jail"),
    "notes": Field("Notes"),
    "dl_state": Field("License state"),
    "ssn_last4": Field("Social Security number", "secret"),
    "dl_last4": Field("Driver's license number", "secret"),
    "photo": Field("Photo", "secret"),
    "person": Field("Person", "person"),
    "indemnitor": Field("Cosigner", "ref", "indemnitor"),
    "defendant": Field("Defendant", "ref", "defendant"),
    "relationship": Field("Relationship to the defendant"),
    # bonds, payments, plans
    "number": Field("Number"),
    "status": Field("Status", "status"),
    "reason": Field("Why"),
    "case_number": Field("Case number"),
    "court_name": Field("Court"),
    "county": Field("County"),
    "bail_amount": Field("Bail amount", "money"),
    "premium": Field("Premium", "money"),
    "fees": Field("Fees", "fees"),
    "plan_removed": Field("Payment plan removed", "bool"),
    "down_payment": Field("Down payment", "money"),
    "instalments": Field("Installments", "count"),
    "frequency": Field("Frequency", "code"),
    "bond": Field("Bond"),
    "bond_id": Field("Bond", "internal"),
    "note": Field("Note"),
    "receipt": Field("Receipt"),
    "kind": Field("Type", "code"),
    "method": Field("Method", "code"),
    "amount": Field("Amount", "money"),
    "voided": Field("Void", "bool"),
    # court and collateral
    "starts_at": Field("When", "datetime"),
    "courtroom": Field("Room"),
    "address": Field("Address"),
    "outcome": Field("Outcome", "code"),
    "notice_mailed_on": Field("Notice mailed on", "date"),
    "receipt_number": Field("Receipt"),
    "description": Field("Description"),
    "value": Field("Value", "money"),
    "pledged_by": Field("Pledged by"),
    "return_due_on": Field("Due back by", "date"),
    "returned_to": Field("Returned to"),
    # powers
    "agent_id": Field("Agent", "ref", "user"),
    "surety_id": Field("Surety", "ref", "surety"),
    "executed_at": Field("Executed", "datetime"),
    "voided_at": Field("Voided", "datetime"),
    "void_reason": Field("Why void"),
    "buf_amount": Field("Build-up fund", "money"),
    "buf_rate": Field("Build-up fund rate", "rate"),
    "prefix": Field("Prefix"),
    "first_serial": Field("First number", "count"),
    "last_serial": Field("Last number", "count"),
    "denomination": Field("Largest bond", "money"),
    "expires_on": Field("Expires on", "date"),
    "count": Field("Powers", "count"),
    "name": Field("Name"),
    "active": Field("Active", "bool"),
    # online payments: the agency's Stripe account and the platform's fee
    "stripe": Field("Stripe id"),  # of an online payment or refund (payments.record_confirmed)
    "stripe_account": Field("Stripe account"),
    "charges_enabled": Field("Card payments on", "bool"),
    "payouts_enabled": Field("Payouts on", "bool"),
    "details_submitted": Field("Details given to Stripe", "bool"),
    "disabled_reason": Field("Why Stripe paused payments", "code"),
    "currently_due": Field("Stripe needs now"),
    "past_due": Field("Stripe needed by now"),
    "eventually_due": Field("Stripe will need"),
    "current_deadline": Field("Stripe's deadline", "datetime"),
    "autopay_turned_off": Field("Autopays turned off", "count"),
    "autopay": Field("Autopay on", "bool"),
    "card": Field("Card", "card"),
    "payer": Field("Payer"),
    "by": Field("By"),
    "on": Field("On", "bool"),
    "bps": Field("Platform fee (basis points)", "count"),
    "fixed_cents": Field("Platform fee, fixed (cents)", "count"),
    "fee": Field("Platform fee per payment"),  # bps and fixed_cents in words (platform log)
    # billing plans (platform audit log)
    "plan": Field("Plan"),
    "monthly_price_cents": Field("Monthly price (cents)", "count"),
    "included_seats": Field("Staff seats included", "count"),
    "included_texts": Field("Texts included", "count"),
    "text_overage_cents": Field("Price per extra text (cents)"),
    "trial_days": Field("Trial days", "count"),
    "stripe_price_id": Field("Stripe price"),
    "error": Field("Stripe's answer"),  # why Stripe refused a refund
    "code": Field("Stripe's code"),  # Stripe's code for a refusal (refunds._refused)
    "trial_ends": Field("Trial ends", "date"),
    "comped_until": Field("Free until", "date"),
    "months": Field("Free months", "count"),
    "when": Field("When"),
    "ends": Field("Ends on", "date"),
    "ended": Field("Ended on", "date"),
    "subscription": Field("Stripe subscription"),
    "stripe_overage_price_id": Field("Stripe price for texts"),
    "cancel_at_period_end": Field("Ends when the period ends", "bool"),
    "source": Field("Changed from"),
    # check-ins
    "weekday": Field("Day of the week", "weekday"),
    "every_days": Field("Every (days)", "count"),
    "time_of_day": Field("Time of day", "time"),
    "location": Field("Location"),
    "due_at": Field("Due", "datetime"),
    "message_id": Field("Text", "internal"),
    # documents
    "doc_type": Field("Document", "code"),
    "filename": Field("File name"),
    "content_type": Field("File type"),
    "size_bytes": Field("Size", "size"),
    "sha256": Field("SHA-256 fingerprint"),
    "title": Field("Title"),
    "body": Field("Wording", "secret"),  # pages long: said to have changed, not shown
    "custom": Field("The agency's own wording", "bool"),
    "signer": Field("Signer"),
    "to": Field("Sent to"),
    # settings
    "premium_rate": Field("Premium rate", "rate"),
    "minimum_per_bond": Field("Minimum per bond", "money"),
    "minimum_per_charge": Field("Minimum per charge", "money"),
    "premium_term": Field("Premium term", "code"),
    "collateral_return_days": Field("Days to return collateral", "count"),
    "forfeiture_overrides": Field("Forfeiture day counts", "days_by_rule"),
    "enabled": Field("Court reminders on", "bool"),
    "offsets": Field("Reminders", "offsets"),
    "quiet": Field("Quiet hours", "hours"),
    "fta_text_cosigners": Field("Text cosigners after a missed court date", "bool"),
    "sender": Field("Texting number", "phone"),
    "account": Field("Texting account", "secret"),
    "sender_rate": Field("Texts a second the number carries"),
    "token_changed": Field("Texting token changed", "bool"),
    "en": Field("English wording"),
    "es": Field("Spanish wording"),
    "signature_expiry_days": Field("Signing links last (days)", "count"),
    "signature_reminder_hours": Field("Remind signers every (hours)", "count"),
    "signature_reminders_max": Field("Most reminders", "count"),
    "require_signed_indemnity": Field("Signed indemnity needed to write", "bool"),
    # staff, sign-in, data, the agency
    "role": Field("Role", "role"),
    "delivered": Field("Delivered", "code"),
    "because": Field("Because of"),
    "failed_logins": Field("Failed attempts", "count"),
    "recovery_codes_left": Field("Recovery codes left", "count"),
    "require_two_step": Field("Two-step sign-in for everyone", "bool"),
    "keyword": Field("Keyword"),
    "file": Field("File"),
    "done": Field("Rows saved", "count"),
    "total": Field("Rows", "count"),
    "bonds": Field("Bonds"),
    "slug": Field("Subdomain"),
    "owner": Field("Owner"),
    "domain": Field("Custom domain"),
    "purge_after": Field("Purge after", "datetime"),
    "legal_hold": Field("Legal hold", "bool"),
    "step": Field("Purge step"),
    "at": Field("On", "datetime"),
    "why": Field("Why"),
    "result": Field("Result"),
    # support access
    "admin": Field("Support admin"),
    "minutes": Field("Minutes asked", "count"),
    "expires_at": Field("Until", "datetime"),
    "page": Field("Page"),
    "grant": Field("Support request", "internal"),
    "support_without_approval": Field("Support may enter without approval", "bool"),
    # the platform console's operations
    "run": Field("Run", "internal"),
    "agencies": Field("Agencies", "count"),
    "upgraded": Field("Upgraded", "count"),
    "skipped": Field("Already at head", "count"),
    "failed": Field("Failed", "count"),
    "failed_agencies": Field("Agencies that failed"),
    "job": Field("Job"),
    "task": Field("Task"),
    "queue": Field("Queue"),
    "agency": Field("Agency"),
    "jobs": Field("Jobs", "count"),
    "archive": Field("Archive"),
    "bytes": Field("Size (bytes)", "count"),
    "from_agency": Field("Restored from agency"),
    "from_archive": Field("Restored from archive"),
    "revision": Field("Schema revision"),
}
