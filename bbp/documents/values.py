"""The values of the template variables for one bond and signer, read from the agency's data."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from decimal import Decimal

from sqlalchemy import select

from bbp.bonds import queries as bonds
from bbp.bonds.models import Bond
from bbp.collateral import services as collateral
from bbp.courts.models import CourtDate
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.clock import agency_today, agency_zone, local, utcnow
from bbp.payments import services as payments
from bbp.settings import services as settings
from bbp.tenancy import require_tenant
from bbp.web.templating import format_money


def long_date(day: date) -> str:
    """E.g. March 3, 2026."""
    return f"{day:%B} {day.day}, {day.year}"


def _when(moment: datetime, zone: tzinfo) -> str:
    there = local(moment, zone)
    hour = there.hour % 12 or 12
    return f"{there:%A}, {long_date(there.date())} at {hour}:{there.minute:02d} {there:%p}"


def address_of(person) -> str:
    """Street, city, state and ZIP on one line; blank when none is on file."""
    street = ", ".join(p for p in (person.address_line1, person.address_line2) if p)
    place = " ".join(p for p in (person.state, person.postal_code) if p)
    town = ", ".join(p for p in (person.city, place) if p)
    return ", ".join(p for p in (street, town) if p)


def role_of(signer) -> str:
    """How the signer is named in the documents."""
    if isinstance(signer, Indemnitor):
        return "Cosigner and indemnitor"
    return "Defendant" if isinstance(signer, Defendant) else ""


def _next_court(bond: Bond, zone: tzinfo) -> str:
    court = db.session.scalar(
        select(CourtDate)
        .where(
            CourtDate.bond_id == bond.id,
            CourtDate.outcome.is_(None),
            CourtDate.starts_at >= utcnow(),
        )
        .order_by(CourtDate.starts_at)
        .limit(1)
    )
    if court is None:
        return ""
    room = f", Room {court.courtroom}" if court.courtroom else ""
    where = ", ".join(p for p in (court.court_name or bond.court_name, court.address) if p)
    return f"{_when(court.starts_at, zone)}{', ' + where if where else ''}{room}"


def _charges(bond: Bond) -> str:
    lines = [
        f"- {c.description}{f' ({c.statute})' if c.statute else ''}, {c.degree}: "
        f"bail {format_money(c.bail_amount)}"
        for c in bond.charges
    ]
    return "\n".join(lines)


def _plan(bond: Bond) -> str:
    plan = bonds.plan_of(bond)
    if plan is None:
        return ""
    lines = [f"- Down payment: {format_money(plan.down_payment)}, due when the bond is posted"]
    lines += [f"- {format_money(i.amount)} due {long_date(i.due_on)}" for i in plan.instalments]
    return "\n".join(lines)


def _collateral(bond: Bond) -> str:
    items = [c for c in collateral.of_bond(bond) if c.held]
    lines = [
        f"- {c.kind_label}: {' '.join(c.description.split())}"
        f" (value {format_money(c.value)}; receipt {c.receipt_number})"
        for c in items
    ]
    return "\n".join(lines)


def common(bond_today: date) -> dict[str, str]:
    """Values that do not depend on a bond."""
    details = settings.agency_details()
    return {
        "agency_name": require_tenant().name,
        "agency_address": details.address,
        "agency_phone": details.phone_display,
        "agency_license": details.license_number,
        "today": long_date(bond_today),
        "collateral_return_days": str(settings.current().collateral_return_days),
    }


def values_for(bond: Bond, signer=None) -> dict[str, str]:
    """Every variable's value for this bond, signed by `signer` (a Defendant or an Indemnitor).

    A detail that is not on file is blank: the template leaves out the [[ section ]] using it,
    or prints the variable's wording for a missing value (variables.IF_MISSING).
    """
    defendant, zone = bond.defendant, agency_zone()
    balance = bond.total_due - payments.paid_toward_premium(bond)
    dob = defendant.date_of_birth
    cosigners = [link.indemnitor for link in bond.cosigners]
    signer_id = signer.id if isinstance(signer, Indemnitor) else None
    others = [c for c in cosigners if c.id != signer_id]
    return {
        **common(agency_today()),
        "bond_number": bond.number,
        "bail_amount": format_money(bond.bail_amount),
        "premium": format_money(bond.premium),
        "fees": format_money(bond.fees),
        "total_due": format_money(bond.total_due),
        "defendant_name": defendant.full_name,
        "defendant_dob": long_date(dob) if dob else "",
        "defendant_address": address_of(defendant),
        "case_number": bond.case_number or "",
        "court_name": bond.court_name or "",
        "county": bond.county or "",
        "charges": _charges(bond),
        "next_court_date": _next_court(bond, zone),
        "cosigner_names": ", ".join(c.full_name for c in cosigners),
        "other_cosigner_names": ", ".join(c.full_name for c in others),
        "signer_name": signer.full_name if signer is not None else "",
        "signer_role": role_of(signer),
        "signer_address": address_of(signer) if signer is not None else "",
        "plan_summary": _plan(bond),
        "balance": format_money(max(balance, Decimal("0"))),
        "collateral": _collateral(bond),
    }


def sample_values() -> dict[str, str]:
    """Made-up values for previews when the agency has no bond yet."""
    return {
        **common(agency_today()),
        "bond_number": "B-0000-0000 (sample)",
        "bail_amount": "$25,000.00",
        "premium": "$2,500.00",
        "fees": "$125.00",
        "total_due": "$2,625.00",
        "defendant_name": "Sample Defendant",
        "defendant_dob": "January 2, 1990",
        "defendant_address": "100 Main Street, Apt 4, Springfield, FL 32000",
        "case_number": "2026-CF-000123",
        "court_name": "Circuit Court",
        "county": "Sample",
        "charges": "- Grand theft, felony: bail $20,000.00\n- Resisting arrest, misdemeanor: "
        "bail $5,000.00",
        "next_court_date": "Monday, June 1, 2026 at 9:00 AM, Circuit Court, Room 3B",
        "cosigner_names": "Sample Cosigner, Second Cosigner",
        "other_cosigner_names": "Second Cosigner",
        "signer_name": "Sample Cosigner",
        "signer_role": "Cosigner and indemnitor",
        "signer_address": "200 Oak Avenue, Springfield, FL 32000",
        "plan_summary": "- Down payment: $1,000.00, due when the bond is posted\n"
        "- $812.50 due July 1, 2026\n- $812.50 due August 1, 2026",
        "balance": "$1,625.00",
        "collateral": "- Vehicle: 2018 Honda Civic, VIN ending 4821 (value $9,000.00; "
        "receipt C-000001)",
    }
