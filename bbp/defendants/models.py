"""Defendants: identity (sensitive numbers encrypted), contact, description, custody."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db, trigram_indexes


class Defendant(db.Model):
    """A person bailed out by the agency."""

    __tablename__ = "defendants"
    __table_args__ = (
        Index("ix_defendants_name", "last_name", "first_name"),
        *trigram_indexes("defendants", "first_name", "last_name", "phone", "booking_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    middle_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80))
    aliases: Mapped[str] = mapped_column(Text, default="")
    date_of_birth: Mapped[date | None]
    # Encrypted with the agency's data key (bbp.vault); only the last four are kept in clear.
    ssn_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    ssn_last4: Mapped[str | None] = mapped_column(String(4))
    dl_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    dl_last4: Mapped[str | None] = mapped_column(String(4))
    dl_state: Mapped[str] = mapped_column(String(2), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")  # digits only
    phone_alt: Mapped[str] = mapped_column(String(20), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    address_line1: Mapped[str] = mapped_column(String(120), default="")
    address_line2: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(80), default="")
    state: Mapped[str] = mapped_column(String(2), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    employer: Mapped[str] = mapped_column(String(120), default="")
    employer_phone: Mapped[str] = mapped_column(String(20), default="")
    height: Mapped[str] = mapped_column(String(16), default="")
    weight: Mapped[str] = mapped_column(String(16), default="")
    hair: Mapped[str] = mapped_column(String(32), default="")
    eyes: Mapped[str] = mapped_column(String(32), default="")
    marks: Mapped[str] = mapped_column(Text, default="")
    booking_number: Mapped[str] = mapped_column(String(40), default="", index=True)
    jail: Mapped[str] = mapped_column(String(120), default="")
    photo_key: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="en", server_default="en")
    reminders_opt_out: Mapped[bool] = mapped_column(default=False, server_default="false")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"
