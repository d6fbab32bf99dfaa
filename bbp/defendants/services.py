"""Defendant records: create and edit with audit, reveal secrets, attach a photo."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bbp.audit.services import changes, record

# A module import: bbp.bonds.models imports Defendant, so its names resolve at call time.
from bbp.bonds import models as bonds
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.kernel import storage, wakeups
from bbp.kernel.records import copy_fields, text_preferences
from bbp.kernel.search import matches
from bbp.kernel.transactions import atomic
from bbp.tenancy import require_tenant
from bbp.vault.services import decrypt, encrypt

PLAIN_FIELDS = (
    "language",
    "reminders_opt_out",
    "first_name",
    "middle_name",
    "last_name",
    "aliases",
    "date_of_birth",
    "dl_state",
    "phone",
    "phone_alt",
    "email",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "employer",
    "employer_phone",
    "height",
    "weight",
    "hair",
    "eyes",
    "marks",
    "booking_number",
    "jail",
    "notes",
)
AUDITED = (*PLAIN_FIELDS, "ssn_last4", "dl_last4")
SECRETS = {"ssn": "Social Security number", "dl": "driver license number"}


def _set_secret(defendant: Defendant, name: str, value: str) -> None:
    value = re.sub(r"[\s-]", "", value).upper()  # canonical: digits/letters only
    setattr(defendant, f"{name}_encrypted", encrypt(f"defendants.{name}", value))
    setattr(defendant, f"{name}_last4", value[-4:])


@atomic
def save(defendant: Defendant | None, data: dict[str, Any]) -> Defendant:
    """Create or update a defendant; blank secret fields keep what is stored."""
    created = defendant is None
    defendant = defendant or Defendant()
    before = None if created else changes(defendant, AUDITED)
    copy_fields(defendant, data, PLAIN_FIELDS, nullable=("date_of_birth",))
    text_preferences(defendant)
    if data.get("ssn"):
        _set_secret(defendant, "ssn", data["ssn"])
    if data.get("dl_number"):
        _set_secret(defendant, "dl", data["dl_number"])
    db.session.add(defendant)
    db.session.flush()
    if not created:
        wakeups.wake(wakeups.REMINDERS)  # a phone or opt-out may change who is reminded
    record(
        "defendant.created" if created else "defendant.updated",
        defendant,
        before=before,
        after=changes(defendant, AUDITED),
    )
    return defendant


def reveal(defendant: Defendant, name: str) -> str:
    """Decrypt one secret for a permitted user; every reveal is audited."""
    blob = getattr(defendant, f"{name}_encrypted")
    if blob is None:
        return ""
    value = decrypt(f"defendants.{name}", blob)
    record(f"defendant.{name}_revealed", defendant)
    db.session.commit()
    return value


def set_photo(defendant: Defendant, data: bytes) -> None:
    """Store a new photo (type sniffed, size-limited) and forget the old one."""
    content_type, extension = storage.check_upload(data, storage.IMAGE)
    backend = storage.storage_from_config(current_app.config)
    key = storage.new_key("photos", extension)
    backend.save(require_tenant().slug, key, data, content_type)
    old, defendant.photo_key = defendant.photo_key, key
    record("defendant.photo_changed", defendant, before={"photo": old}, after={"photo": key})
    db.session.commit()
    if old:
        backend.delete(require_tenant().slug, old)


def photo_bytes(defendant: Defendant) -> bytes:
    """The stored photo of a defendant of the bound agency."""
    backend = storage.storage_from_config(current_app.config)
    return backend.load(require_tenant().slug, defendant.photo_key)


def search(query: str):
    """Defendants whose name, phone, email or booking number matches, as a select."""
    stmt = select(Defendant).order_by(Defendant.last_name, Defendant.first_name, Defendant.id)
    condition = matches(
        query,
        Defendant.first_name,
        Defendant.last_name,
        prefix=(Defendant.email,),
        contains=(Defendant.booking_number,),
        phone=Defendant.phone,
    )
    return stmt if condition is None else stmt.where(condition)


def bonds_of(defendant: Defendant) -> list[bonds.Bond]:
    """The defendant's bonds, newest first, each with its cosigners."""
    stmt = (
        select(bonds.Bond)
        .where(bonds.Bond.defendant_id == defendant.id)
        .options(selectinload(bonds.Bond.cosigners))
        .order_by(bonds.Bond.created_at.desc(), bonds.Bond.id.desc())
    )
    return list(db.session.scalars(stmt))
