"""Wrapped data keys, one table per tenant schema."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db


class DataKey(db.Model):
    """A tenant's data key, encrypted under the master key named by master_key_id."""

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    master_key_id: Mapped[str] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    rotated_at: Mapped[datetime | None]
