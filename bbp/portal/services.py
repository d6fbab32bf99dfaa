"""What the portal shows a person, and the contact changes they make themselves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bbp.audit import services as audit
from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.bonds.queries import plan_of
from bbp.checkins.models import CheckIn
from bbp.checkins.services import make_token
from bbp.courts.models import CourtDate
from bbp.extensions import db
from bbp.kernel import mail, phones
from bbp.kernel.clock import agency_today, utcnow
from bbp.kernel.records import copy_fields
from bbp.kernel.transactions import atomic
from bbp.messaging import services as messaging
from bbp.payments import entries
from bbp.payments import services as payments
from bbp.payments.models import Payment, PaymentPlan
from bbp.portal import access, people
from bbp.portal.models import PortalSession

CONTACT_FIELDS = (
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
)


@dataclass(frozen=True)
class PortalActor:
    """A portal visitor as the audit log names them."""

    email: str
    id: None = None


@dataclass(frozen=True)
class Account:
    """One bond's premium account as the person sees it."""

    bond: Bond
    plan: PaymentPlan | None
    standing: payments.Standing
    payments: list
    plan_lines: list[payments.PlanLine]
    online: dict[int, entries.Online]  # what each online entry stands for, by payment id

    @property
    def money_back(self) -> bool:
        """Whether any entry is money that went back to the person (a refund, a lost dispute)."""
        return any(p.kind == "refund" for p in self.payments)


def actor(row: PortalSession) -> PortalActor:
    """The audit actor for a portal session: who, and how they proved it."""
    names = ", ".join(p.full_name for p in people.load(row.people)) or row.contact
    return PortalActor(email=f"portal: {names}"[:254])


def upcoming_court_dates(bonds: list[Bond]) -> list[CourtDate]:
    """Court dates still ahead on these bonds, soonest first."""
    if not bonds:
        return []
    query = (
        select(CourtDate)
        .where(CourtDate.bond_id.in_([b.id for b in bonds]))
        .where(CourtDate.outcome.is_(None), CourtDate.starts_at >= utcnow())
        .order_by(CourtDate.starts_at)
    )
    return list(db.session.scalars(query))


def court_date_for(refs: list[people.Ref], court_date_id: int) -> CourtDate | None:
    """One court date on one of the person's bonds (None for anyone else's)."""
    court_date = db.session.get(CourtDate, court_date_id)
    if court_date is None:
        return None
    visible = db.session.scalar(people.bonds_query(refs).where(Bond.id == court_date.bond_id))
    return court_date if visible is not None else None


def account(bond: Bond) -> Account:
    """Balance, plan schedule with what is paid of each amount, and payment history of one bond."""
    plan, today = plan_of(bond), agency_today()
    standing = payments.standing(bond, plan, today)
    history = [p for p in payments.ledger(bond) if p.voided_at is None]
    lines = payments.plan_lines(bond, plan, today) if plan is not None else []
    return Account(bond, plan, standing, history, lines, entries.online(history))


def payment_for(refs: list[people.Ref], payment_id: int) -> Payment | None:
    """One payment on one of the person's bonds (None for anyone else's, and for voided ones)."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.voided_at is not None:
        return None
    visible = db.session.scalar(people.bonds_query(refs).where(Bond.id == payment.bond_id))
    return payment if visible is not None else None


def open_checkins(refs: list[people.Ref]) -> list[tuple[CheckIn, str]]:
    """The person's check-ins open right now, each with a fresh check-in link token."""
    ids = people.ids_of(refs, "defendant")
    if not ids:
        return []
    query = (
        select(CheckIn)
        .where(CheckIn.defendant_id.in_(ids), CheckIn.status == "pending")
        .where(CheckIn.token_nonce.is_not(None), CheckIn.due_at <= utcnow())
        .order_by(CheckIn.due_at)
    )
    return [(checkin, make_token(checkin)) for checkin in db.session.scalars(query)]


def same_person(rows: list) -> list:
    """The records among rows that name the same person as the first one."""
    if not rows:
        return []
    name = (rows[0].first_name.casefold(), rows[0].last_name.casefold())
    return [p for p in rows if (p.first_name.casefold(), p.last_name.casefold()) == name]


def update_contact(row: PortalSession, data: dict) -> list[str]:
    """Save the person's own contact details on each of their records; returns changed fields.

    A phone shared by two people (a mother and her son) must not carry one's address onto the
    other, so only the records with the same name as the page's person change.
    """
    rows = same_person(people.load(row.people))
    before = {id(p): audit.changes(p, CONTACT_FIELDS) for p in rows}
    changed: set[str] = set()
    for person in rows:
        copy_fields(person, data, CONTACT_FIELDS)
        after = audit.changes(person, CONTACT_FIELDS)
        fields = [f for f in CONTACT_FIELDS if before[id(person)][f] != after[f]]
        if fields:
            changed.update(fields)
            audit.record(
                "portal.contact_updated",
                person,
                before={f: before[id(person)][f] for f in fields},
                after={f: after[f] for f in fields},
                actor=actor(row),
            )
    _follow_contact(row, rows[0] if rows else None, before.get(id(rows[0])) if rows else None)
    db.session.commit()
    if changed:
        _tell_agents(row, sorted(changed, key=CONTACT_FIELDS.index))
    return sorted(changed, key=CONTACT_FIELDS.index)


@atomic
def set_language(row: PortalSession | None, language: str) -> None:
    """Save the language a signed-in person picked on each of their records, with an audit entry
    for each record it changes (a visitor not signed in keeps it in their browser session only).
    """
    for person in people.load(row.people) if row else []:
        if person.language == language:
            continue
        before = person.language
        person.language = language
        audit.record(
            "portal.language_changed",
            person,
            before={"language": before},
            after={"language": language},
            actor=actor(row),
        )


def contact_to_confirm(row: PortalSession, details: dict) -> str | None:
    """The new phone (or else email) these details bring, which must be confirmed; None if none."""
    person = same_person(people.load(row.people))[0]
    if details["phone"] and details["phone"] != person.phone:
        return phones.e164(details["phone"])
    email = (details["email"] or "").lower()
    if email and email != person.email.lower():
        return email
    return None


def send_confirmation(row: PortalSession, contact: str) -> None:
    """Send a code to a new phone or email before it replaces the one on file."""
    access.limit_codes(contact)
    access.issue_code(contact, "confirm", row.people[:1])
    db.session.commit()
    messaging.dispatch()


def _follow_contact(row: PortalSession, person, before: dict | None) -> None:
    """The session follows its own verified phone or email when the person changes it."""
    if person is None or before is None:
        return
    if "@" in row.contact and before["email"].lower() == row.contact and person.email:
        row.contact = person.email.lower()
    elif "@" not in row.contact and phones.e164(before["phone"]) == row.contact and person.phone:
        row.contact = phones.e164(person.phone)


def _agents_of(refs: list[people.Ref]) -> list[User]:
    """The writing agents of the person's bonds, or the agency's owners when there are none."""
    ids = {b.writing_agent_id for b in people.bonds(refs) if b.writing_agent_id}
    query = select(User).where(User.active.is_(True))
    agents = list(db.session.scalars(query.where(User.id.in_(ids)))) if ids else []
    return agents or list(db.session.scalars(query.where(User.role == "owner")))


def _tell_agents(row: PortalSession, fields: list[str]) -> None:
    names = ", ".join(p.full_name for p in people.load(row.people))
    labels = ", ".join(f.replace("_", " ") for f in fields)
    body = (
        f"{names} updated their contact details in the client portal ({labels}).\n"
        "The new details are on their record; the audit log keeps the old ones."
    )
    for agent in _agents_of(row.people):
        mail.send(agent.email, f"Contact details changed: {names}", body)
