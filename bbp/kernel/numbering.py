"""Gapless per-agency counters (bond numbers, receipts): a row locked for the transaction."""

from __future__ import annotations

from sqlalchemy import String, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from bbp.extensions import db


class Counter(db.Model):
    """The last number issued for one sequence of one agency."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def next_number(name: str) -> int:
    """Issue the next number; the row stays locked until commit, so a rollback leaves no gap."""
    db.session.execute(insert(Counter).values(name=name, value=0).on_conflict_do_nothing())
    return db.session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    ).scalar_one()
