"""Bond book imports: read and check a CSV (pure), store it, and say what it would add."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from bbp.bonds.models import DEGREES, STATUSES, Bond
from bbp.bonds.premium import PremiumError, PremiumRule, quote
from bbp.extensions import db
from bbp.kernel import storage
from bbp.kernel.dates import BIRTH_DATE, PAST_RECORD, DateRange
from bbp.kernel.errors import DomainError
from bbp.kernel.phones import digits
from bbp.tenancy import require_tenant

COLUMNS = tuple(
    "bond_number status defendant_first_name defendant_last_name defendant_dob defendant_phone "
    "case_number court county charge statute degree bail_amount premium written_on "
    "cosigner_first_name cosigner_last_name cosigner_phone cosigner_relationship".split()
)
REQUIRED = ("defendant_first_name", "defendant_last_name", "charge", "bail_amount")
LENGTHS = {"bond_number": 24, "case_number": 60, "statute": 60, "cosigner_relationship": 60}
LENGTHS |= dict.fromkeys(("defendant_first_name", "defendant_last_name", "county"), 80)
LENGTHS |= dict.fromkeys(("cosigner_first_name", "cosigner_last_name"), 80)
LENGTHS |= {"court": 120, "charge": 200}
COSIGNER = ("cosigner_first_name", "cosigner_last_name", "cosigner_phone", "cosigner_relationship")
MAX_BYTES = 10 * storage.MEGABYTE
TOKEN = re.compile(r"[0-9a-f]{32}")
ROW_NUMBER = re.compile(r"Row (\d+)")
NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]*")
MONEY = re.compile(r"\$?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?")
MAX_MONEY = Decimal("10000000000")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx (zip) and .xls (OLE)
DEGREE_WORDS = {"m": "misdemeanor", "f": "felony", **{d: d for d in DEGREES}}
STATUS_WORDS = {"canceled": "cancelled"}  # the US spelling of the stored value


class ImportFileError(DomainError):
    """The file as a whole cannot be imported; the message says what to fix."""

    def __init__(self, message: str):
        super().__init__(message, "file")


@dataclass(frozen=True)
class Cosigner:
    """The cosigner named on one row."""

    first_name: str
    last_name: str
    phone: str
    relationship: str


@dataclass(frozen=True)
class BondRow:
    """One row, checked and converted: exactly what will be imported."""

    row: int
    bond_number: str
    status: str
    first_name: str
    last_name: str
    dob: date | None
    phone: str
    case_number: str
    court: str
    county: str
    charge: str
    statute: str
    degree: str
    bail_amount: Decimal
    premium: Decimal | None
    written_on: date | None
    cosigner: Cosigner | None


@dataclass
class Sheet:
    """A whole file: its good rows, every row error, and columns it has that we do not use."""

    total: int = 0
    rows: list[BondRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pricing:
    """Premium, fees and breakdown lines for one imported bond."""

    premium: Decimal
    fees: Decimal
    breakdown: list[dict]


# Reading (pure) --------------------------------------------------------------


def decode(data: bytes) -> str:
    """The file's text; refuses empty, oversized, binary and spreadsheet files."""
    if len(data) > MAX_BYTES:
        raise ImportFileError("The file is larger than 10 MB: split it into smaller files.")
    if data.startswith(WORKBOOKS):
        raise ImportFileError(
            "This is an Excel workbook, not a CSV file. In Excel choose Save As > "
            "CSV UTF-8 (Comma delimited) and upload that file."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # older Excel "CSV (Comma delimited)"
        except UnicodeDecodeError:
            text = "\x00"
    if CONTROL.search(text):
        raise ImportFileError(
            "This is not a text CSV file. Upload a .csv saved from a spreadsheet."
        )
    if not text.strip():
        raise ImportFileError("The file is empty.")
    return text


def read(data: bytes, today: date) -> Sheet:
    """Check a file: file-level problems raise ImportFileError, row problems are listed."""
    records = csv.reader(io.StringIO(decode(data), newline=""))
    sheet = Sheet()
    try:
        header = _header(next(records, None))
        sheet.unused = [name for name in header if name and name not in COLUMNS]
        for number, cells in enumerate(records, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            sheet.total += 1
            _add_row(sheet, number, header, cells, today)
    except csv.Error as exc:
        raise ImportFileError(f"Line {records.line_num} can't be read as CSV ({exc}).") from None
    if not sheet.total:
        raise ImportFileError("The file has a header row but no bonds in it.")
    sheet.errors += repeated_numbers(sheet.rows)
    return sheet


def _header(cells: list[str] | None) -> list[str]:
    names = [cell.strip().lower() for cell in cells or []]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ImportFileError(
            "The first row must name the columns; it is missing "
            f"{', '.join(missing)}. See the import format for every column."
        )
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ImportFileError(f"The header names {', '.join(repeated)} more than once.")
    return names


def _add_row(sheet: Sheet, number: int, header: list[str], cells: list[str], today: date) -> None:
    if len(cells) > len(header):
        sheet.errors.append(
            f"Row {number} has {len(cells)} cells but the header names {len(header)} columns."
        )
        return
    row, errors = parse_row(number, dict(zip(header, cells, strict=False)), today)
    sheet.errors += errors
    if row is not None:
        sheet.rows.append(row)


def parse_row(number: int, values: dict[str, str], today: date) -> tuple[BondRow | None, list]:
    """One row as a BondRow, or None and its errors ("Row 7: bail_amount '12,5x' is …")."""
    errors: list[str] = []

    def take(column: str, parse: Callable = _text, *args):
        raw = (values.get(column) or "").strip()
        try:
            return parse(column, raw, *args)
        except ValueError as exc:
            errors.append(f"Row {number}: {exc}")
            return None

    row = dict(
        row=number,
        bond_number=take("bond_number", _bond_number),
        status=take("status", _status),
        first_name=take("defendant_first_name", _required),
        last_name=take("defendant_last_name", _required),
        dob=take("defendant_dob", _date, today, BIRTH_DATE),
        phone=take("defendant_phone", _phone),
        case_number=take("case_number"),
        court=take("court"),
        county=take("county"),
        charge=take("charge", _required),
        statute=take("statute"),
        degree=take("degree", _degree),
        bail_amount=take("bail_amount", _money, True),
        premium=take("premium", _money, False),
        written_on=take("written_on", _date, today, PAST_RECORD),
        cosigner=_cosigner(take) if any((values.get(c) or "").strip() for c in COSIGNER) else None,
    )
    return (None, errors) if errors else (BondRow(**row), [])


def _cosigner(take: Callable) -> Cosigner:
    return Cosigner(
        take("cosigner_first_name", _required),
        take("cosigner_last_name", _required),
        take("cosigner_phone", _phone),
        take("cosigner_relationship"),
    )


def _text(column: str, raw: str) -> str:
    if len(raw) > LENGTHS.get(column, 120):
        raise ValueError(f"{column} is longer than {LENGTHS.get(column, 120)} characters")
    return raw


def _required(column: str, raw: str) -> str:
    if not raw:
        raise ValueError(f"{column} is required")
    return _text(column, raw)


def _bond_number(column: str, raw: str) -> str:
    if raw and not NUMBER.fullmatch(raw):
        raise ValueError(f"{column} '{raw}' may only use letters, digits and - / .")
    return _text(column, raw)


def _status(column: str, raw: str) -> str:
    status = raw.lower().replace(" ", "_") or "active"
    status = STATUS_WORDS.get(status, status)
    if status not in STATUSES:
        raise ValueError(f"{column} '{raw}' is not one of {', '.join(STATUSES)}")
    return status


def _degree(column: str, raw: str) -> str:
    degree = DEGREE_WORDS.get(raw.lower() or "misdemeanor")
    if degree is None:
        raise ValueError(f"{column} '{raw}' must be misdemeanor or felony")
    return degree


def _phone(column: str, raw: str) -> str:
    phone = digits(raw)
    if raw and len(phone) != 10:
        raise ValueError(f"{column} '{raw}' is not a 10-digit phone number")
    return phone


def _money(column: str, raw: str, required: bool) -> Decimal | None:
    if not raw:
        if required:
            raise ValueError(f"{column} is required")
        return None
    if not MONEY.fullmatch(raw):
        raise ValueError(f"{column} '{raw}' is not an amount (write it like 1500 or $1,500.00)")
    amount = Decimal(raw.replace("$", "").replace(",", "")).quantize(Decimal("0.01"))
    if amount >= MAX_MONEY:
        raise ValueError(f"{column} '{raw}' is too large")
    if required and not amount:
        raise ValueError(f"{column} must be more than $0.00")
    return amount


def _date(column: str, raw: str, today: date, within: DateRange) -> date | None:
    if not raw:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            value = date.fromisoformat(raw)
        elif match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw):
            value = date(int(match[3]), int(match[1]), int(match[2]))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"{column} '{raw}' is not a date (use YYYY-MM-DD or MM/DD/YYYY)") from None
    if within.refusal(value, today):
        raise ValueError(f"{column} '{raw}' is not a date in the past")
    return value


def repeated_numbers(rows: list[BondRow]) -> list[str]:
    """An error for each bond number that an earlier row of the file already uses."""
    first: dict[str, int] = {}
    errors = []
    for row in rows:
        number = row.bond_number
        if number in first:
            errors.append(f"Row {row.row}: bond_number '{number}' repeats row {first[number]}")
        elif number:
            first[number] = row.row
    return errors


def taken_errors(rows: list[BondRow], taken: set[str]) -> list[str]:
    """An error for each row whose bond number the agency already has."""
    return [
        f"Row {row.row}: bond_number '{row.bond_number}' already exists"
        for row in rows
        if row.bond_number in taken
    ]


def price(row: BondRow, rule: PremiumRule) -> Pricing:
    """The row's own premium (no fees added), or the agency's rule applied to its bail."""
    if row.premium is not None:
        line = {"label": "Premium as imported", "amount": str(row.premium)}
        return Pricing(row.premium, Decimal("0.00"), [line])
    result = quote(rule, [row.bail_amount])
    lines = [{"label": line.label, "amount": str(line.amount)} for line in result.lines]
    return Pricing(result.premium, result.fees, lines)


# Stored files and what was already imported ----------------------------------


@dataclass
class Preview:
    """A stored file checked against the agency's data as it is now."""

    token: str
    sheet: Sheet
    done: int
    pricing: dict[int, Pricing]

    @property
    def errors(self) -> list[str]:
        return self.sheet.errors


def storage_key(token: str) -> str:
    """The storage key of an upload token; FileNotFoundError for anything but 32 hex digits."""
    if not isinstance(token, str) or not TOKEN.fullmatch(token):
        raise FileNotFoundError(token)
    return f"imports/{token}.csv"


def store(data: bytes, today: date) -> str:
    """Keep an upload whose header is usable; returns its token. Row errors show on preview."""
    read(data, today)
    key = storage.new_key("imports", "csv")
    backend = storage.storage_from_config(current_app.config)
    backend.save(require_tenant().slug, key, data, "text/csv")
    return key.removeprefix("imports/").removesuffix(".csv")


def load(token: str) -> bytes:
    """The stored upload of the bound agency; FileNotFoundError if it has none by that token."""
    backend = storage.storage_from_config(current_app.config)
    return backend.load(require_tenant().slug, storage_key(token))


def inspect(token: str, rule: PremiumRule, today: date, done: int) -> Preview:
    """Read a stored upload; check the rows not yet imported against bond numbers on file."""
    sheet = read(load(token), today)
    remaining = sheet.rows[done:]
    sheet.errors += taken_errors(remaining, taken_numbers([r.bond_number for r in remaining]))
    pricing = {}
    for row in sheet.rows:
        try:
            pricing[row.row] = price(row, rule)
        except PremiumError as exc:
            sheet.errors.append(f"Row {row.row}: premium can't be worked out ({exc})")
    sheet.errors.sort(key=lambda message: int(ROW_NUMBER.match(message)[1]))
    return Preview(token, sheet, done, pricing)


def taken_numbers(numbers: list[str]) -> set[str]:
    """Which of these bond numbers the agency already has."""
    wanted = sorted({n for n in numbers if n})
    taken: set[str] = set()
    for start in range(0, len(wanted), 1000):
        chunk = wanted[start : start + 1000]
        taken.update(db.session.scalars(select(Bond.number).where(Bond.number.in_(chunk))))
    return taken
