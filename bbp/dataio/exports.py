"""CSV exports of the agency's book: streamed in batches, audited, and safe to open in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from bbp.audit.services import record
from bbp.bonds.models import Bond, BondIndemnitor, Charge
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel.clock import agency_today, agency_zone
from bbp.kernel.phones import format_phone
from bbp.payments import entries
from bbp.payments.models import Payment
from bbp.payments.services import LABELS
from bbp.powers.models import Surety
from bbp.tenancy import TenantInfo, bound, require_tenant

BATCH = 500
BOM = "\ufeff"  # Excel reads the file as UTF-8 only when it starts with a byte order mark
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

BOND_HEADER = (
    "Bond number",
    "Status",
    "Defendant",
    "Date of birth",
    "Phone",
    "Case number",
    "Court",
    "County",
    "Bail",
    "Premium",
    "Fees",
    "Written",
    "Surety",
    "Power",
    "Charges",
    "Cosigners",
)
DEFENDANT_HEADER = (
    "First name",
    "Middle name",
    "Last name",
    "Aliases",
    "Date of birth",
    "SSN",
    "Driver license",
    "License state",
    "Phone",
    "Other phone",
    "Email",
    "Street address",
    "Apartment, suite",
    "City",
    "State",
    "ZIP",
    "Employer",
    "Booking number",
    "Jail",
)
PAYMENT_HEADER = (
    "Receipt",
    "Date",
    "Bond number",
    "Kind",
    "Method",
    "Amount",
    "Reference",
    "Payer",
    "Void",
    "Void reason",
)


@dataclass(frozen=True)
class Export:
    """A file to send: its name and its text, produced lazily in chunks."""

    filename: str
    chunks: Iterator[str]


def cell(value: object) -> str:
    """One cell: amounts and dates as plain text, and text that Excel would run as a formula
    (starting with = + - @, tab or carriage return) prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def stream(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text (BOM, header, rows) in chunks of BATCH rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([cell(value) for value in row])
        if n % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export(name: str) -> Export:
    """Audit the export of one file now, and hand back its rows to stream afterwards."""
    header, rows = EXPORTS[name]
    tenant = require_tenant()
    record("data.exported", after={"file": f"{name}.csv"})
    db.session.commit()
    filename = f"{tenant.slug}-{name}-{agency_today():%Y-%m-%d}.csv"
    return Export(filename, stream(header, _bound_rows(tenant, rows)))


def _bound_rows(tenant: TenantInfo, rows: Callable[[], Iterator[tuple]]) -> Iterator[tuple]:
    """The rows read for `tenant`: the body streams after the request has released its binding."""
    with bound(tenant, db.session):
        yield from rows()


def _local_date(moment: datetime | None, zone: ZoneInfo) -> date | None:
    return moment.astimezone(zone).date() if moment else None


def _charge(charge: Charge) -> str:
    details = ", ".join(part for part in (charge.statute, charge.degree) if part)
    return f"{charge.description} ({details})" if details else charge.description


def _cosigner(link: BondIndemnitor) -> str:
    name = link.indemnitor.full_name
    return f"{name} ({link.relationship_to_defendant})" if link.relationship_to_defendant else name


def bond_rows() -> Iterator[tuple]:
    """One row per bond, oldest first, read BATCH bonds at a time."""
    zone = agency_zone()
    query = (
        select(Bond, Surety.name)
        .outerjoin(Surety, Surety.id == Bond.surety_id)
        .options(selectinload(Bond.charges), selectinload(Bond.cosigners), joinedload(Bond.power))
        .order_by(Bond.id)
        .execution_options(yield_per=BATCH)
    )
    for bond, surety in db.session.execute(query):
        person = bond.defendant
        yield (
            bond.number,
            bond.status,
            person.full_name,
            person.date_of_birth,
            format_phone(person.phone),
            bond.case_number,
            bond.court_name,
            bond.county,
            bond.bail_amount,
            bond.premium,
            bond.fees,
            _local_date(bond.written_at, zone),
            surety,
            bond.power_number,
            "; ".join(_charge(charge) for charge in bond.charges),
            "; ".join(_cosigner(link) for link in bond.cosigners),
        )


def defendant_rows() -> Iterator[tuple]:
    """One row per defendant; the encrypted numbers are never read, only their last four."""
    d = Defendant
    query = (
        select(
            d.first_name,
            d.middle_name,
            d.last_name,
            d.aliases,
            d.date_of_birth,
            d.ssn_last4,
            d.dl_last4,
            d.dl_state,
            d.phone,
            d.phone_alt,
            d.email,
            d.address_line1,
            d.address_line2,
            d.city,
            d.state,
            d.postal_code,
            d.employer,
            d.booking_number,
            d.jail,
        )
        .order_by(d.id)
        .execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(query):
        yield (
            *row[:5],
            f"•••-••-{row.ssn_last4}" if row.ssn_last4 else "",
            f"••••{row.dl_last4}" if row.dl_last4 else "",
            row.dl_state,
            format_phone(row.phone),
            format_phone(row.phone_alt),
            *row[10:],
        )


def payment_rows() -> Iterator[tuple]:
    """One row per receipt, void ones included, with the time in the agency's time zone; an
    online entry's method in the staff's words, its Stripe id in the reference column."""
    zone = agency_zone()
    query = (
        select(Payment, Bond.number)
        .join(Bond, Bond.id == Payment.bond_id)
        .options(lazyload(Payment.bond))  # the number is all a row needs of its bond
        .order_by(Payment.id)
        .execution_options(yield_per=BATCH)
    )
    for batch in db.session.execute(query).partitions():
        facts = entries.online([payment for payment, _ in batch])
        for p, number in batch:
            yield (
                p.receipt_number,
                p.received_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                number,
                LABELS[p.kind],
                entries.how(p, facts),
                p.amount,
                p.reference,
                p.payer_name,
                "Yes" if p.voided_at else "No",
                p.void_reason,
            )


EXPORTS: dict[str, tuple[tuple[str, ...], Callable[[], Iterator[tuple]]]] = {
    "bonds": (BOND_HEADER, bond_rows),
    "defendants": (DEFENDANT_HEADER, defendant_rows),
    "payments": (PAYMENT_HEADER, payment_rows),
}
