"""Bond rules: quotes, charges and premium, cosigners, plans, writing and status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bbp.audit.services import changes, record
from bbp.bonds import lifecycle
from bbp.bonds.models import (
    MAX_AMOUNT,
    Bond,
    BondIndemnitor,
    BondNote,
    BondStatusChange,
    Charge,
)
from bbp.bonds.premium import PremiumError, quote
from bbp.bonds.queries import lock
from bbp.collateral import services as collateral
from bbp.courts import services as courts
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors import services as indemnitors
from bbp.indemnitors.models import Indemnitor
from bbp.kernel import wakeups
from bbp.kernel.clock import agency_today, utcnow
from bbp.kernel.errors import DomainError
from bbp.kernel.numbering import next_number
from bbp.kernel.transactions import atomic
from bbp.payments.models import Instalment, PaymentPlan
from bbp.payments.plans import PlanError, schedule
from bbp.powers.models import Power
from bbp.powers.services import execute
from bbp.settings import services as settings
from bbp.settings.services import current
from bbp.signatures.services import indemnity_signed

EDITABLE = lifecycle.TERMS_OPEN
AUDITED = ("status", "case_number", "court_name", "county", "bail_amount", "premium", "fees")


@dataclass(frozen=True)
class ChargeInput:
    """One charge as typed."""

    description: str
    statute: str
    degree: str
    bail_amount: Decimal


def _history(bond: Bond, before: str | None, reason: str, by) -> None:
    db.session.add(
        BondStatusChange(
            bond=bond,
            from_status=before,
            to_status=bond.status,
            reason=reason,
            changed_by_id=getattr(by, "id", None),
            changed_by_label=getattr(by, "email", str(by)),
        )
    )


@atomic
def start_quote(defendant: Defendant, by) -> Bond:
    """Open a quote for a defendant, with the next agency-wide bond number."""
    bond = Bond(
        number=f"B-{next_number('bond'):06d}",
        defendant=defendant,
        status="quote",
        premium_term=settings.current().premium_term,
        writing_agent_id=by.id,
    )
    db.session.add(bond)
    _history(bond, None, "Quote started", by)
    db.session.flush()
    record("bond.quoted", bond, after={"number": bond.number, "defendant": defendant.id})
    return bond


def _require_editable(bond: Bond) -> None:
    lock(bond)
    refusal = lifecycle.terms_lock(bond.status)
    if refusal:
        raise DomainError(refusal)


@atomic
def save_charges(
    bond: Bond,
    case: dict,
    charges: list[ChargeInput],
    override: Decimal | None = None,
    override_reason: str = "",
    years: int = 1,
) -> Bond:
    """Replace the charges, set the bail amount (their sum unless overridden) and reprice."""
    _require_editable(bond)
    if not charges:
        raise DomainError("Add at least one charge.")
    if override is not None and not override_reason.strip():
        raise DomainError("Say why the bail amount differs from the charges.", "override_reason")
    before = changes(bond, AUDITED)
    bond.case_number, bond.court_name, bond.county = (
        case.get("case_number") or "",
        case.get("court_name") or "",
        case.get("county") or "",
    )
    bond.charges = [
        Charge(
            position=n,
            description=c.description,
            statute=c.statute,
            degree=c.degree,
            bail_amount=c.bail_amount,
        )
        for n, c in enumerate(charges)
    ]
    total = sum((c.bail_amount for c in charges), Decimal("0"))
    if max(total, override or 0) > MAX_AMOUNT:
        raise DomainError("The bail amount is too large.")
    bond.bail_amount = override if override is not None else total
    bond.bail_override_reason = override_reason.strip() if override is not None else None
    _reprice(bond, [c.bail_amount for c in charges], override, years)
    dropped = _drop_stale_plan(bond)
    record(
        "bond.charges_saved",
        bond,
        before=before,
        after={**changes(bond, AUDITED), "plan_removed": dropped},
    )
    return bond


def _reprice(bond: Bond, amounts: list[Decimal], override: Decimal | None, years: int) -> None:
    try:
        result = quote(settings.premium_rule(), amounts, override, years)
    except PremiumError as exc:
        raise DomainError(str(exc)) from None
    if result.total > MAX_AMOUNT:
        raise DomainError("The premium is too large; check the bail amount and the years.")
    bond.premium, bond.fees = result.premium, result.fees
    bond.premium_term, bond.premium_years = settings.current().premium_term, years
    bond.premium_breakdown = [
        {"label": line.label, "amount": str(line.amount)} for line in result.lines
    ]


@atomic
def add_cosigner(bond: Bond, indemnitor: Indemnitor, relationship: str) -> Bond:
    """Tie a cosigner to the bond (once)."""
    _require_editable(bond)
    if any(link.indemnitor_id == indemnitor.id for link in bond.cosigners):
        raise DomainError(f"{indemnitor.full_name} already cosigns this bond.", "indemnitor")
    bond.cosigners.append(
        BondIndemnitor(indemnitor=indemnitor, relationship_to_defendant=relationship.strip())
    )
    wakeups.wake(wakeups.REMINDERS)  # the new cosigner is reminded of the bond's court dates
    record(
        "bond.cosigner_added",
        bond,
        after={"indemnitor": indemnitor.id, "relationship": relationship},
    )
    return bond


@atomic
def add_new_cosigner(bond: Bond, person: dict, relationship: str) -> Indemnitor:
    """Put a person typed in during intake into the book and on the bond, in one transaction."""
    _require_editable(bond)  # before typing a new person into the book
    indemnitor = indemnitors.save(None, person)
    add_cosigner(bond, indemnitor, relationship)
    return indemnitor


@atomic
def add_existing_cosigner(bond: Bond, indemnitor_id: int | None, relationship: str) -> Bond:
    """Tie a cosigner picked from the search to the bond."""
    indemnitor = db.session.get(Indemnitor, indemnitor_id) if indemnitor_id else None
    if indemnitor is None:
        raise DomainError("That cosigner no longer exists.")
    return add_cosigner(bond, indemnitor, relationship)


@atomic
def remove_cosigner(bond: Bond, indemnitor_id: int) -> Bond:
    """Untie a cosigner from a bond that is not written yet."""
    _require_editable(bond)
    bond.cosigners = [c for c in bond.cosigners if c.indemnitor_id != indemnitor_id]
    record("bond.cosigner_removed", bond, before={"indemnitor": indemnitor_id})
    return bond


def _drop_stale_plan(bond: Bond) -> bool:
    """A repriced bond's old plan no longer adds up: remove it (the agent sets a new one)."""
    plan = db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond.id))
    if plan is None:
        return False
    if plan.down_payment + sum(i.amount for i in plan.instalments) == bond.total_due:
        return False
    db.session.delete(plan)
    return True


def plan_schedule(
    bond: Bond, down_payment: Decimal, count: int, frequency: str, first_due: date
) -> list[tuple[date, Decimal]]:
    """Each installment's due date and amount for these plan terms (what save_plan would save)."""
    if bond.total_due <= 0:
        raise DomainError("Add the charges first: the plan splits the premium and fees.")
    try:
        return schedule(bond.total_due, down_payment, count, frequency, first_due)
    except PlanError as exc:
        raise DomainError(str(exc)) from None


@atomic
def save_plan(
    bond: Bond, down_payment: Decimal, count: int, frequency: str, first_due: date
) -> PaymentPlan:
    """Replace the bond's payment plan with a down payment and instalments."""
    lock(bond)
    refusal = lifecycle.plan_lock(bond.status)
    if refusal:
        raise DomainError(refusal)
    rows = plan_schedule(bond, down_payment, count, frequency, first_due)
    plan = db.session.scalar(select(PaymentPlan).where(PaymentPlan.bond_id == bond.id))
    if plan is None:
        plan = PaymentPlan(bond_id=bond.id, down_payment=down_payment)
        db.session.add(plan)
    plan.down_payment = down_payment
    plan.instalments = [Instalment(due_on=due, amount=amount) for due, amount in rows]
    record(
        "bond.plan_saved",
        bond,
        after={"down_payment": str(down_payment), "instalments": len(rows), "frequency": frequency},
    )
    return plan


@atomic
def write(bond: Bond, power_id: int, by) -> Bond:
    """Write (post) the bond: executes the power and records who wrote it, all or nothing."""

    _require_editable(bond)
    if not bond.charges:
        raise DomainError("Add the charges before writing the bond.")
    if bond.premium <= 0:
        raise DomainError("The premium has not been computed yet.")
    _require_signed_indemnity(bond)
    before = bond.status
    execute(power_id, bond, by)
    if bond.status == "quote":  # the intake steps are the application
        bond.status = "application"
        _history(bond, "quote", "Application completed", by)
    bond.status, bond.written_at, bond.writing_agent_id = "written", utcnow(), by.id
    _history(bond, "application", "Bond written", by)
    record("bond.written", bond, before={"status": before}, after=changes(bond, AUDITED))
    return bond


def _require_signed_indemnity(bond: Bond) -> None:
    """Where the agency asks for it, a cosigner must have signed the indemnity agreement first."""

    if current().require_signed_indemnity and not indemnity_signed(bond):
        raise DomainError(
            "This agency requires a cosigner's signed indemnity agreement before a bond is "
            "written. Send it from Documents and signatures on the bond page."
        )


@atomic
def change_status(bond: Bond, target: str, reason: str, by) -> Bond:
    """Move a bond along its lifecycle, with a reason where one is owed."""

    lock(bond)
    problem = lifecycle.refusal(bond.status, target, reason)
    if problem:
        raise DomainError(problem, "status")
    role = lifecycle.required_role(bond.status, target)
    if not by.has_role(role):
        raise DomainError(
            f"Only a {role} or above can make a bond {lifecycle.STATUS_LABELS[target].lower()}.",
            "status",
        )
    before = bond.status
    bond.status = target
    wakeups.wake(wakeups.REMINDERS)  # a closed bond's reminders stop, a reinstated one's resume
    if target in lifecycle.DISCHARGED:
        bond.discharged_on = agency_today()
        collateral.start_return_clock(bond)
    if before == "written" and target == "cancelled" and bond.power_id:
        release_power(bond, reason)
    if target == "forfeited":
        courts.open_forfeiture(bond, agency_today())
    if before == "forfeited":
        courts.resolve_forfeitures(bond, agency_today())
    _history(bond, before, reason.strip(), by)
    record(
        "bond.status_changed",
        bond,
        before={"status": before},
        after={"status": target, "reason": reason.strip()},
    )
    return bond


@atomic
def add_note(bond: Bond, body: str, by) -> BondNote:
    """Put a note on the bond's timeline."""
    body = body.strip()
    if not body:
        raise DomainError("Write the note first.", "body")
    note = BondNote(bond_id=bond.id, body=body, author_id=by.id, author_label=by.email)
    db.session.add(note)
    db.session.flush()
    record("bond.note_added", bond, after={"note": note.id})
    return note


def release_power(bond: Bond, reason: str) -> None:
    """A voided bond no longer uses its power: void the power too, naming the bond."""

    power = db.session.get(Power, bond.power_id)
    if power is not None and power.status == "executed":
        power.status, power.voided_at = "voided", utcnow()
        power.void_reason = f"Bond {bond.number} voided: {reason.strip()}"
        record("power.voided", power, after={"bond": bond.number, "reason": reason.strip()})
