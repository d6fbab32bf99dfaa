"""Portal access: one-time codes and sign-in links (stored hashed), and portal sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db

PURPOSES = ("sign-in", "link", "signing", "confirm")


class PortalCode(db.Model):
    """A one-time code (or a staff-sent sign-in link) for one phone number or email address."""

    __tablename__ = "portal_codes"
    __table_args__ = (
        CheckConstraint("purpose IN (" + ", ".join(f"'{p}'" for p in PURPOSES) + ")", "purpose"),
        Index("ix_portal_codes_contact", "contact", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact: Mapped[str] = mapped_column(String(254))  # +1XXXXXXXXXX or a lower-cased email
    purpose: Mapped[str] = mapped_column(String(10))
    # HMAC of the code with the app secret: six digits alone would fall to an offline search.
    secret_hash: Mapped[str] = mapped_column(String(64), index=True)
    # For links and signing codes: whom exactly it admits, e.g. {"kind": "cosigner", "id": 4}.
    person: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    signature_request_id: Mapped[int | None]
    attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PortalSession(db.Model):
    """A signed-in defendant or cosigner: the verified contact and the people it stands for."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact: Mapped[str] = mapped_column(String(254))
    method: Mapped[str] = mapped_column(String(60))  # e.g. "code texted to +13055550123"
    # [{"kind": "defendant", "id": 3}, {"kind": "cosigner", "id": 7}]
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
