"""Portal access: one-time codes, staff-sent sign-in links and portal sessions.

Answers never reveal whether a number or email is on file: an unknown contact gets the same
"we sent a code" page and the same "that code is not right" refusal as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from bbp.audit import services as audit
from bbp.extensions import db
from bbp.kernel import links, mail, ratelimit
from bbp.kernel.clock import utcnow
from bbp.kernel.errors import AccessRefused
from bbp.kernel.links import tenant_url
from bbp.messaging import services as messaging
from bbp.portal import people
from bbp.portal.models import PortalCode, PortalSession
from bbp.tenancy import require_tenant
from bbp.tenancy.jobs import enqueue

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
LINK_HOURS = 72
SESSION_HOURS = 12
IDLE_MINUTES = 120
CODES_PER_CONTACT_HOUR = 5
CODES_PER_IP_HOUR = 20
CHECKS_PER_IP_HOUR = 30
FAILURES_PER_CONTACT_DAY = 15
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# Staff-sent sign-in links: stored hashed as portal codes of purpose "link".
LINKS = links.StoredLinks(PortalCode, ("portal", "link"))
LINK_REFUSALS = links.Refusals()  # "This link has expired or was already used." (410)


def normalise(raw: str | None) -> str | None:
    """+1 and ten digits for a phone number, a lower-cased address for an email, else None."""
    raw = (raw or "").strip()
    if "@" in raw:
        return raw.lower() if EMAIL.fullmatch(raw) and len(raw) <= 254 else None
    try:
        return messaging.e164(raw)
    except messaging.MessagingError:
        return None


def _digest(secret: str, contact: str) -> str:
    return links.digest(secret, "portal", contact)


def _limited(scope: str, key: str, limit: int) -> None:
    if not ratelimit.allow(scope, key, limit, 3600):
        raise AccessRefused(gettext("Too many tries. Wait a few minutes, then try again."), 429)


def describe(contact: str) -> str:
    """How a contact is shown back: the email, or the phone's last four digits."""
    return contact if "@" in contact else f"(•••) •••-{contact[-4:]}"


def _language(refs: list[people.Ref]) -> str:
    rows = people.load(refs[:1])
    return rows[0].language if rows else "en"


def deliver(
    contact: str,
    text: str,
    subject: str,
    refs: list[people.Ref],
    purpose: str = "portal_code",
    by=None,
) -> None:
    """Text the phone (through the messaging layer) or email the address; the caller commits.

    A text sent `by` a staff member counts against the staff limits of the messaging layer.
    """
    if "@" in contact:
        mail.send(contact, subject, text)
        return
    first = refs[0] if refs else {}
    messaging.queue(
        contact,
        text,
        purpose,
        defendant_id=first.get("id") if first.get("kind") == "defendant" else None,
        indemnitor_id=first.get("id") if first.get("kind") == "cosigner" else None,
        # a code still waiting for the sender when it expires is not worth sending
        useful_until=utcnow() + timedelta(minutes=CODE_MINUTES)
        if purpose == "portal_code"
        else None,
        by=by,
        commit=False,
    )


def _code_expiry():
    """A code text still waiting for the sender when the code expires is not worth sending."""
    return utcnow() + timedelta(minutes=CODE_MINUTES)


def issue_code(
    contact: str, purpose: str, refs: list[people.Ref], request_id=None, ip: str | None = None
) -> None:
    """Store a fresh six-digit code (older ones for the same purpose stop working) and send it."""
    now = utcnow()
    db.session.execute(
        update(PortalCode)
        .where(PortalCode.contact == contact, PortalCode.purpose == purpose)
        .where(PortalCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(10**6):06d}"
    db.session.add(
        PortalCode(
            contact=contact,
            purpose=purpose,
            secret_hash=_digest(code, contact),
            signature_request_id=request_id,
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            ip=ip or _ip(),
        )
    )
    agency = require_tenant().name
    with force_locale(_language(refs)):
        text = gettext(
            "%(agency)s code: %(code)s. It expires in %(minutes)s minutes. "
            "Do not share it with anyone.",
            agency=agency,
            code=code,
            minutes=CODE_MINUTES,
        )
        subject = gettext("Your %(agency)s code", agency=agency)
    deliver(contact, text, subject, refs)


def limit_codes(contact: str) -> None:
    """Count one code sent to contact from this IP; AccessRefused (429) past either limit."""
    _limited("portal-code-ip", _ip() or "", CODES_PER_IP_HOUR)
    _limited("portal-code-to", contact, CODES_PER_CONTACT_HOUR)


def request_code(raw: str | None) -> str:
    """Queue a sign-in code for the contact; returns the normalised contact.

    Whether or not the contact is on file, the request does the same work (one job queued) and
    gives the same answer, so neither its content nor its timing tells a stranger who is a client.
    """
    contact = normalise(raw)
    if contact is None:
        raise AccessRefused(gettext("Enter your mobile number or your email address."))
    limit_codes(contact)
    enqueue(send_sign_in_code, contact, _ip())
    return contact


def send_sign_in_code(contact: str, ip: str | None) -> None:
    """Job: send a sign-in code when the contact is on file; send nothing when it is not."""
    refs = people.people_for(contact)
    if not refs:
        return
    issue_code(contact, "sign-in", refs, ip=ip)
    db.session.commit()
    messaging.dispatch()


def check_code(contact: str, purpose: str, code: str | None, request_id=None) -> PortalCode:
    """Consume the contact's current code if `code` matches it; else AccessRefused (generic)."""
    _limited("portal-check-ip", _ip() or "", CHECKS_PER_IP_HOUR)
    if ratelimit.exhausted("portal-fails", contact, FAILURES_PER_CONTACT_DAY):
        raise AccessRefused(gettext("Too many tries. Wait a few minutes, then try again."), 429)
    refused = AccessRefused(
        gettext("That code is not right, or it has expired. Ask for a new one.")
    )
    row = db.session.scalar(
        select(PortalCode)
        .where(PortalCode.contact == contact, PortalCode.purpose == purpose)
        .where(PortalCode.used_at.is_(None), PortalCode.expires_at > utcnow())
        .where(PortalCode.signature_request_id.is_not_distinct_from(request_id))
        .order_by(PortalCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None or row.attempts >= MAX_ATTEMPTS:
        # Counted like a wrong code, so the daily cap answers the same whether or not the
        # contact is anyone's on file.
        ratelimit.allow("portal-fails", contact, FAILURES_PER_CONTACT_DAY, 86400)
        db.session.rollback()
        raise refused
    row.attempts += 1
    typed = re.sub(r"\D", "", code or "")
    if not hmac.compare_digest(row.secret_hash, _digest(typed, contact)):
        # Across codes too: fresh codes and rotating IPs still get few guesses a day per person.
        ratelimit.allow("portal-fails", contact, FAILURES_PER_CONTACT_DAY, 86400)
        if row.attempts >= MAX_ATTEMPTS:
            row.used_at = utcnow()  # burnt: a new code must be asked for
        db.session.commit()
        raise refused
    row.used_at = utcnow()
    return row


def sign_in_with_code(contact: str, code: str | None) -> str:
    """Check a sign-in code and open a portal session; returns the session token."""
    check_code(contact, "sign-in", code)
    refs = people.people_for(contact)
    if not refs:  # the contact was removed from every record since the code was sent
        db.session.rollback()
        raise AccessRefused(
            gettext("That code is not right, or it has expired. Ask for a new one.")
        )
    how = "email" if "@" in contact else "text message"
    return open_session(contact, f"code sent by {how} to {contact}", refs)


def open_session(contact: str, method: str, refs: list[people.Ref]) -> str:
    """Start a portal session for these people and commit; returns the cookie token."""
    token = secrets.token_urlsafe(32)
    ip, user_agent = audit.request_origin()
    now = utcnow()
    session = PortalSession(
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        contact=contact,
        method=method[:60],
        people=refs,
        ip=ip,
        user_agent=(user_agent or "")[:400] or None,
        last_seen_at=now,  # the app's clock, which session_for reads it against
        expires_at=now + timedelta(hours=SESSION_HOURS),
    )
    db.session.add(session)
    db.session.commit()
    return token


def session_for(token: str | None) -> PortalSession | None:
    """The live portal session behind a cookie token (idle or expired sessions are ended)."""
    if not token:
        return None
    row = db.session.scalar(
        select(PortalSession).where(
            PortalSession.token_hash == hashlib.sha256(token.encode()).hexdigest(),
            PortalSession.ended_at.is_(None),
        )
    )
    now = utcnow()
    if row is None:
        return None
    if row.expires_at <= now or row.last_seen_at <= now - timedelta(minutes=IDLE_MINUTES):
        row.ended_at = now
        db.session.commit()
        return None
    if row.last_seen_at <= now - timedelta(minutes=1):  # at most one write a minute
        row.last_seen_at = now
        db.session.commit()
    return row


def end_session(row: PortalSession) -> None:
    """Sign the portal session out for good."""
    row.ended_at = utcnow()
    db.session.commit()


def send_link(person, by) -> str:
    """Text (or email) a person a single-use sign-in link; returns where it went."""
    ref = people.ref(person)
    contact = normalise(person.phone) or normalise(person.email)
    if contact is None:
        raise AccessRefused("Add a mobile number or an email address for this person first.")
    token, stored = LINKS.issue(timedelta(hours=LINK_HOURS))
    db.session.add(PortalCode(contact=contact, purpose="link", person=ref, ip=_ip(), **stored))
    url = tenant_url(require_tenant(), f"/portal/in/{token}")
    agency = require_tenant().name
    with force_locale(person.language):
        text = gettext(
            "%(agency)s: sign in to your client portal: %(url)s (this link works once, "
            "for %(hours)s hours)",
            agency=agency,
            url=url,
            hours=LINK_HOURS,
        )
        subject = gettext("Your %(agency)s client portal", agency=agency)
    deliver(contact, text, subject, [ref], "portal_link", by)
    audit.record("portal.link_sent", person, after={"to": describe(contact)}, actor=by)
    db.session.commit()
    messaging.dispatch()
    return describe(contact)


def redeem_link(token: str) -> str:
    """Use a sign-in link once; returns a portal session token (InvalidLink when it cannot be)."""
    row = LINKS.spend(token, LINK_REFUSALS, PortalCode.purpose == "link")
    person = people.load([row.person])
    current = [normalise(person[0].phone), normalise(person[0].email)] if person else []
    if row.contact not in current:  # the person's number changed since the link was sent
        db.session.rollback()  # unspent, though it stays refused while the number differs
        raise LINK_REFUSALS.refuse("expired")
    how = "email" if "@" in row.contact else "text message"
    refs = people.people_for(row.contact)
    return open_session(row.contact, f"link sent by {how} to {row.contact}", refs)


def _ip() -> str | None:
    return audit.request_origin()[0]
