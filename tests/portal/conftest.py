"""Portal fixtures: a bond with a defendant and a cosigner on file, and a signed-in visitor."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from rq import Queue, SimpleWorker
from sqlalchemy import select

from bbp.bonds.models import Bond, BondIndemnitor, Charge
from bbp.courts.models import CourtDate
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.clock import utcnow
from bbp.messaging.models import Message
from bbp.tenancy import bound

DEFENDANT_PHONE = "3055550142"
COSIGNER_PHONE = "3055550177"
COSIGNER_EMAIL = "rosa.reyes@example.com"
CODE = re.compile(r"\b(\d{6})\b")


@dataclass
class Book:
    """Ids of one agency's portal test data."""

    bond_id: int
    defendant_id: int
    cosigner_id: int
    court_date_id: int
    bond_number: str


@contextmanager
def inside(app, agency):
    """Run a block bound to one agency."""
    with app.app_context(), bound(agency.info, db.session):
        yield
        db.session.rollback()


def make_book(
    app,
    agency,
    *,
    defendant_phone: str = DEFENDANT_PHONE,
    cosigner_phone: str = COSIGNER_PHONE,
    cosigner_email: str = COSIGNER_EMAIL,
    last_name: str = "Reyes",
    number: str = "B-2026-0101",
    writing_agent_id: int | None = None,
) -> Book:
    """A written bond for a defendant, with one cosigner and one court date next week."""
    with inside(app, agency):
        defendant = Defendant(first_name="Marcus", last_name=last_name, phone=defendant_phone)
        cosigner = Indemnitor(
            first_name="Rosa", last_name=last_name, phone=cosigner_phone, email=cosigner_email
        )
        bond = Bond(
            number=number,
            defendant=defendant,
            status="active",
            bail_amount=Decimal("5000.00"),
            premium=Decimal("500.00"),
            case_number="2026-CF-0420",
            court_name="Miami-Dade County Court",
            written_at=utcnow(),
            writing_agent_id=writing_agent_id,
        )
        bond.charges = [
            Charge(description="Grand theft", degree="felony", bail_amount=Decimal("5000"))
        ]
        db.session.add_all([defendant, cosigner, bond])
        db.session.flush()
        db.session.add(BondIndemnitor(bond_id=bond.id, indemnitor_id=cosigner.id))
        court_date = CourtDate(
            bond_id=bond.id,
            starts_at=utcnow().replace(microsecond=0) + timedelta(days=7),
            court_name="Richard E. Gerstein Justice Building",
            courtroom="4-2",
            address="1351 NW 12th St, Miami, FL 33125",
        )
        db.session.add(court_date)
        db.session.commit()
        return Book(bond.id, defendant.id, cosigner.id, court_date.id, bond.number)


def texts_to(app, agency, phone: str) -> list[Message]:
    """Texts queued to a 10-digit phone, oldest first."""
    with inside(app, agency):
        query = select(Message).where(Message.phone == f"+1{phone}").order_by(Message.id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def last_code(app, agency, phone: str) -> str:
    """The code in the latest text to this phone."""
    return CODE.search(texts_to(app, agency, phone)[-1].body).group(1)


def run_jobs(app) -> None:
    """Run every queued job (sign-in codes, texts) with a real RQ worker, in this process."""
    redis = app.extensions["redis"]
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def ask_code(visitor, contact: str):
    """Ask for a sign-in code on the portal, and let the worker send it; returns the response."""
    visitor.get("/portal/login")
    response = visitor.post("/portal/login", {"contact": contact})
    run_jobs(visitor.client.application)
    return response


def sign_in(visitor, app, agency, phone: str = COSIGNER_PHONE):
    """Sign a visitor in to the portal with a code texted to phone; returns the last response."""
    response = ask_code(visitor, phone)
    assert response.status_code == 302, response.get_data(as_text=True)
    return visitor.post("/portal/code", {"code": last_code(app, agency, phone)})


@pytest.fixture
def book(app, tenant) -> Book:
    return make_book(app, tenant)


@pytest.fixture
def cosigner(visit, app, tenant, book):
    """The cosigner, signed in to the portal."""
    visitor = visit(tenant)
    response = sign_in(visitor, app, tenant)
    assert response.status_code == 302 and response.headers["Location"] == "/portal/"
    return visitor


def sign_in_to_portal(app, page, agency, base: str) -> None:
    """Sign the cosigner in to `agency`'s portal at `base` in the browser, with the texted code,
    and open their bond's court dates and payments."""
    page.goto(f"{base}/portal/login")
    page.get_by_label("Mobile number").fill("(305) 555-0177")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    run_jobs(app)
    page.get_by_label("Code").fill(last_code(app, agency, COSIGNER_PHONE))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Court dates and payments").first.click()
