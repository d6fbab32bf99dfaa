"""The agency's address, phone and state license number: checked, and shown to its clients."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from bbp.kernel import phones
from bbp.kernel.errors import DomainError
from bbp.kernel.phones import format_phone
from bbp.settings.models import AgencySettings

ZIP = re.compile(r"\d{5}(-\d{4})?")
STATE = re.compile(r"[A-Z]{2}")
LICENSE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .#/-]*")
LIMITS = {"address_line1": 120, "address_line2": 120, "city": 80, "license_number": 40}
ADDRESS_PARTS = ("address_line1", "city", "state", "postal_code")


@dataclass(frozen=True)
class AgencyDetails:
    """What receipts, documents and the portal print about the agency; blank when not on file."""

    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""  # ten digits
    license_number: str = ""

    @property
    def address_lines(self) -> list[str]:
        """The street lines, then "City, ST 12345"; nothing when no address is on file."""
        if not self.address_line1:
            return []
        town = f"{self.city}, {self.state} {self.postal_code}"
        return [line for line in (self.address_line1, self.address_line2, town) if line]

    @property
    def address(self) -> str:
        """The address on one line."""
        return ", ".join(self.address_lines)

    @property
    def phone_display(self) -> str:
        """(305) 555-0100, or blank."""
        return format_phone(self.phone)

    @property
    def tel(self) -> str:
        """The phone for a tel: link, or blank."""
        return phones.e164(self.phone) or ""

    @property
    def license_line(self) -> str:
        """E.g. "License No. P123456", or blank."""
        return f"License No. {self.license_number}" if self.license_number else ""

    @property
    def print_lines(self) -> list[str]:
        """The address, then phone and license number, for the head of a PDF."""
        phone = f"Phone {self.phone_display}" if self.phone else ""
        reach = " · ".join(part for part in (phone, self.license_line) if part)
        return [line for line in (self.address, reach) if line]


def of(settings: AgencySettings) -> AgencyDetails:
    """The details saved on the settings row."""
    return AgencyDetails(**{f.name: getattr(settings, f.name) or "" for f in fields(AgencyDetails)})


def checked(details: AgencyDetails) -> AgencyDetails:
    """The details tidied (spaces, case), or DomainError naming the field that cannot be used."""
    tidy = {f.name: " ".join((getattr(details, f.name) or "").split()) for f in fields(details)}
    tidy["state"] = tidy["state"].upper()
    for name, limit in LIMITS.items():
        if len(tidy[name]) > limit:
            raise DomainError(f"Keep this to {limit} characters.", name)
    if any(tidy[name] for name in (*ADDRESS_PARTS, "address_line2")):
        missing = next((name for name in ADDRESS_PARTS if not tidy[name]), None)
        if missing:
            raise DomainError("Enter the street, city, state and ZIP, or leave all blank.", missing)
    if tidy["state"] and not STATE.fullmatch(tidy["state"]):
        raise DomainError("Use the two-letter state code, e.g. FL.", "state")
    if tidy["postal_code"] and not ZIP.fullmatch(tidy["postal_code"]):
        raise DomainError("Enter a 5-digit ZIP code, e.g. 33101 or 33101-1234.", "postal_code")
    if tidy["phone"] and not re.fullmatch(r"\d{10}", tidy["phone"]):
        raise DomainError("Enter a 10-digit phone number, e.g. (305) 555-0100.", "phone")
    if tidy["license_number"] and not LICENSE.fullmatch(tidy["license_number"]):
        raise DomainError(
            "Use letters, digits, spaces and . # / - only, as printed on the license.",
            "license_number",
        )
    return AgencyDetails(**tidy)


def apply(settings: AgencySettings, details: AgencyDetails) -> None:
    """Copy checked details onto the settings row (the caller commits)."""
    for field in fields(details):
        setattr(settings, field.name, getattr(details, field.name))
