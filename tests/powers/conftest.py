"""Power factories: sureties, batches and bonds made inside one agency, with a frozen clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds.models import Bond
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.powers import services
from bbp.powers.models import Power, PowerBatch, Surety
from bbp.tenancy import bound
from tests.support import PASSWORD

# 02:00 UTC on Mar 10 is still the evening of Mar 9 in New York (the agencies' time zone).
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
TODAY = date(2025, 3, 9)
EXPIRES = date(2025, 12, 31)


@pytest.fixture
def clock(clock):
    """The app's one clock (tests/conftest.py), set to NOW for these tests."""
    clock.set(NOW)
    return clock


@pytest.fixture
def agency(app, tenant, clock):
    """Run the test body bound to `tenant`, as a service or job would be."""
    with app.app_context(), bound(tenant.info, db.session):
        yield tenant


def make_surety(name: str = "Lexington National", buf_rate: str = "0.10") -> Surety:
    return services.create_surety(name, Decimal(buf_rate))


def make_batch(
    surety: Surety,
    prefix: str = "S25",
    first: int = 1001,
    last: int = 1005,
    denomination: str = "25000",
    expires_on: date = EXPIRES,
) -> PowerBatch:
    return services.receive_batch(surety, prefix, first, last, Decimal(denomination), expires_on)


def make_user(role: str = "agent", name: str = "") -> User:
    user = User(email=f"{role}-{uuid.uuid4().hex[:8]}@powers.example", role=role, name=name or role)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    return user


def make_bond(number: str = "B-1001", bail: str = "20000", premium: str = "2000") -> Bond:
    defendant = Defendant(first_name="Marcus", last_name="Reyes")
    bond = Bond(
        number=number,
        defendant=defendant,
        status="application",
        bail_amount=Decimal(bail),
        premium=Decimal(premium),
    )
    db.session.add(bond)
    db.session.commit()
    return bond


def power(number: str) -> Power:
    return db.session.scalar(select(Power).where(Power.number == number))


def owner_user() -> User:
    return db.session.scalar(select(User).where(User.role == "owner"))
