"""Per-agency settings: premium rules, forfeiture overrides, collateral days, agency details."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, LargeBinary, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db


class AgencySettings(db.Model):
    """The one settings row of an agency."""

    __tablename__ = "agency_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("premium_term IN ('full_term', 'annual')", name="premium_term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    premium_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0.10"))
    minimum_per_bond: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    minimum_per_charge: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    premium_term: Mapped[str] = mapped_column(String(12), default="full_term")
    # [{"name": "Filing fee", "amount": "25.00"}]
    fees: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    # {"payment_due": 45}: the agency's own day counts for bbp.courts.forfeiture rules
    forfeiture_overrides: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    collateral_return_days: Mapped[int] = mapped_column(default=21)
    # Court reminders: on by default (opt-in programs reach few people), never in quiet hours.
    reminders_enabled: Mapped[bool] = mapped_column(default=True, server_default="true")
    reminder_offsets: Mapped[list[str]] = mapped_column(
        JSONB,
        default=lambda: ["7d", "3d", "1d", "morning"],
        server_default='["7d", "3d", "1d", "morning"]',
    )
    quiet_start_hour: Mapped[int] = mapped_column(default=21, server_default="21")
    quiet_end_hour: Mapped[int] = mapped_column(default=8, server_default="8")
    # After a failure to appear, text the cosigners too (the writing agent is always told).
    fta_text_cosigners: Mapped[bool] = mapped_column(default=True, server_default="true")
    # The agency's own reminder wording ("" = the standard text); see bbp.reminders.texts.
    reminder_template_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    reminder_template_es: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The agency's own Twilio sender (+1 number or MG… service) and, optionally, its own account;
    # the auth token is encrypted with the agency's data key. Blank: the platform's.
    sms_sender: Mapped[str] = mapped_column(String(40), default="", server_default="")
    twilio_account_sid: Mapped[str] = mapped_column(String(40), default="", server_default="")
    twilio_auth_token_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    # What the agency's own sender carries, in segments per second (blank: by its kind).
    sms_sender_rate: Mapped[float | None]
    # Signature requests: how long a link stays open, and reminders while it is unsigned.
    signature_expiry_days: Mapped[int] = mapped_column(default=7, server_default="7")
    signature_reminder_hours: Mapped[int] = mapped_column(default=24, server_default="24")
    signature_reminders_max: Mapped[int] = mapped_column(default=2, server_default="2")
    # Refuse to mark a bond written until a cosigner has signed the indemnity agreement.
    require_signed_indemnity: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Everyone signs in with a second step (the owner's choice; bbp.kernel.twostep).
    require_two_step: Mapped[bool] = mapped_column(default=False, server_default="false")
    # The agency's own details, printed on receipts, documents and the portal (bbp.settings.agency).
    address_line1: Mapped[str] = mapped_column(String(120), default="", server_default="")
    address_line2: Mapped[str] = mapped_column(String(120), default="", server_default="")
    city: Mapped[str] = mapped_column(String(80), default="", server_default="")
    state: Mapped[str] = mapped_column(String(2), default="", server_default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(10), default="", server_default="")  # ten digits
    license_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
