"""Court dates: scheduling, outcomes, failures to appear, calendar and .ics export."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bbp.auth.models import User
from bbp.bonds.models import Bond, BondIndemnitor
from bbp.courts.models import CourtDate, Forfeiture
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.kernel.mail import outbox_key
from bbp.messaging.models import Message
from bbp.tenancy import bound
from tests.factories import make_bond
from tests.support import PASSWORD, Visitor


@pytest.fixture
def florida(make_agency, app):
    agency = make_agency("fl", name="Sunshine Bail", state="FL", timezone="America/New_York")
    visitor = Visitor(app.test_client(), f"{agency.slug}.localhost")
    visitor.login(agency.owner_email, PASSWORD)
    return agency, visitor


def _dates(app, agency, bond_id):
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.scalars(
            select(CourtDate).where(CourtDate.bond_id == bond_id).order_by(CourtDate.starts_at)
        ).all()
        db.session.expunge_all()
        return rows


def _bond(app, agency, bond_id):
    with app.app_context(), bound(agency.info, db.session):
        bond = db.session.get(Bond, bond_id)
        db.session.expunge_all()
        return bond


def test_court_date_is_stored_in_the_agency_zone(app, florida):
    agency, owner = florida
    bond_id = make_bond(app, agency)
    response = owner.post(
        f"/court/bonds/{bond_id}/new",
        {
            "starts_at": "2026-12-03T09:30",
            "kind": "arraignment",
            "court_name": "Dade Circuit",
            "courtroom": "4-2",
        },
    )
    assert response.status_code == 302
    stored = _dates(app, agency, bond_id)[0]
    assert stored.starts_at.astimezone(ZoneInfo("America/New_York")).hour == 9
    assert stored.starts_at.utcoffset() is not None
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Thu Dec 3, 2026 · 9:30 AM" in page and "Room 4-2" in page


def test_missing_date_keeps_what_was_typed(app, florida):
    agency, owner = florida
    bond_id = make_bond(app, agency)
    response = owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "", "courtroom": "7B"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Enter the date and time." in body and 'value="7B"' in body


def test_continued_creates_the_next_date(app, florida):
    agency, owner = florida
    bond_id = make_bond(app, agency)
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-12-03T09:30", "kind": "hearing"})
    first = _dates(app, agency, bond_id)[0]
    refused = owner.post(f"/court/{first.id}/outcome", {"outcome": "continued"})
    assert refused.status_code == 422 and "Enter the new court date." in refused.get_data(
        as_text=True
    )
    owner.post(
        f"/court/{first.id}/outcome", {"outcome": "continued", "continued_to": "2027-01-14T13:00"}
    )
    dates = _dates(app, agency, bond_id)
    assert [d.outcome for d in dates] == ["continued", None]
    assert dates[0].continued_to_id == dates[1].id


def test_failure_to_appear_needs_confirmation_then_forfeits_with_florida_deadlines(app, florida):
    agency, owner = florida
    bond_id = make_bond(app, agency, status="active")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-11-02T09:00", "kind": "trial"})
    court_date = _dates(app, agency, bond_id)[0]
    unconfirmed = owner.post(f"/court/{court_date.id}/outcome", {"outcome": "failed_to_appear"})
    assert unconfirmed.status_code == 422
    assert "Confirm the failure to appear" in unconfirmed.get_data(as_text=True)
    assert _bond(app, agency, bond_id).status == "active"
    owner.post(
        f"/court/{court_date.id}/outcome",
        {"outcome": "failed_to_appear", "confirm": "y", "notice_mailed_on": "2026-11-04"},
    )
    assert _bond(app, agency, bond_id).status == "forfeited"
    page = owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    assert "Forfeited Nov 2, 2026" in page
    assert "Jan 3, 2027" in page  # Florida: payment due 60 days after the notice was mailed
    assert "Failed to appear on Nov 2, 2026" in page


def test_notice_date_can_be_recorded_later(app, florida):
    agency, owner = florida
    bond_id = make_bond(app, agency)
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-11-02T09:00", "kind": "trial"})
    court_date = _dates(app, agency, bond_id)[0]
    owner.post(f"/court/{court_date.id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"})
    assert "deadlines are estimates" in owner.get(f"/bonds/{bond_id}").get_data(as_text=True)
    with app.app_context(), bound(agency.info, db.session):
        forfeiture_id = db.session.scalar(select(Forfeiture.id))
    early = owner.post(
        f"/court/forfeitures/{forfeiture_id}/notice", {"notice_mailed_on": "2026-10-01"}
    )
    assert "cannot be mailed before" in owner.get(early.headers["Location"]).get_data(as_text=True)
    owner.post(f"/court/forfeitures/{forfeiture_id}/notice", {"notice_mailed_on": "2026-11-06"})
    assert "Notice mailed Nov 6, 2026" in owner.get(f"/bonds/{bond_id}").get_data(as_text=True)


def test_calendar_days_ahead_and_day(app, florida):
    agency, owner = florida
    bond_id = make_bond(app, agency, first_name="Cal", last_name="Endar")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-12-03T09:30", "kind": "hearing"})
    ahead = owner.get("/court/calendar?date=2026-12-02").get_data(as_text=True)
    assert "Wed Dec 2 to Wed Dec 9, 2026" in ahead
    assert "Endar, Cal" in ahead and "Thursday Dec 3" in ahead
    day = owner.get("/court/calendar?view=day&date=2026-12-04").get_data(as_text=True)
    assert "No court dates in this period." in day
    assert owner.get("/court/calendar?date=not-a-date").status_code == 200


def test_ics_export_lists_upcoming_dates(app, florida):
    agency, owner = florida
    bond_id = make_bond(app, agency, first_name="Ida", last_name="Cal")
    soon = (datetime.now(ZoneInfo("America/New_York")) + timedelta(days=10)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    owner.post(
        f"/court/bonds/{bond_id}/new",
        {"starts_at": soon, "kind": "hearing", "court_name": "Dade, Circuit; Civil"},
    )
    response = owner.client.get(f"/court/bonds/{bond_id}/court-dates.ics", base_url=owner.base_url)
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in body and "Ida Cal" in body and "Dade\\, Circuit\\; Civil" in body


def test_a_failure_to_appear_tells_the_agent_and_texts_the_cosigners(app, redis, florida):

    agency, owner = florida
    bond_id = _omar_with_cosigner(app, agency, "3055550188")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-11-02T09:00", "kind": "trial"})
    court_date = _dates(app, agency, bond_id)[0]
    owner.post(f"/court/{court_date.id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"})
    mails = [json.loads(m) for m in redis.lrange(outbox_key(agency.slug), 0, -1)]
    assert mails[0]["subject"].startswith("Failure to appear: Omar Price")
    with app.app_context(), bound(agency.info, db.session):
        texts = db.session.scalars(
            select(Message).where(Message.purpose == "failure_to_appear")
        ).all()
        assert [(t.phone, t.status) for t in texts] == [("+13055550188", "queued")]
        assert "Omar missed court on Nov 2 at 9:00 AM" in texts[0].body


def test_a_spanish_speaking_cosigner_is_told_in_spanish_with_the_day_in_words(app, florida):
    agency, owner = florida
    bond_id = _omar_with_cosigner(app, agency, "3055550188", language="es")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-11-02T09:00", "kind": "trial"})
    court_date = _dates(app, agency, bond_id)[0]
    owner.post(f"/court/{court_date.id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"})
    with app.app_context(), bound(agency.info, db.session):
        [text] = db.session.scalars(
            select(Message).where(Message.purpose == "failure_to_appear")
        ).all()
    assert text.body.endswith(
        ": Omar faltó a la corte el 2 de noviembre a las 9:00. Llámenos hoy mismo. "
        "Responda STOP para no recibir mensajes."
    )


def test_a_refused_failure_to_appear_emails_nobody(app, florida, redis):
    """The agent's email goes out only once the forfeiture it reports is saved."""
    agency, owner = florida
    # a number no text can go to: the cosigner's notice is refused
    bond_id = _omar_with_cosigner(app, agency, "555")
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-11-02T09:00", "kind": "trial"})
    court_date = _dates(app, agency, bond_id)[0]
    refused = owner.post(
        f"/court/{court_date.id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"}
    )
    assert refused.status_code == 422
    assert _bond(app, agency, bond_id).status == "active"
    assert redis.lrange(outbox_key(agency.slug), 0, -1) == []


def test_the_agent_gets_a_text_when_they_have_a_phone(app, florida):

    agency, owner = florida
    bond_id = make_bond(app, agency, status="active", first_name="Ivy", last_name="Stone")
    with app.app_context(), bound(agency.info, db.session):
        agent = db.session.scalars(select(User)).first()
        agent.phone = "3055550100"
        db.session.get(Bond, bond_id).writing_agent_id = agent.id
        db.session.commit()
    owner.post(f"/court/bonds/{bond_id}/new", {"starts_at": "2026-11-02T09:00", "kind": "trial"})
    court_date = _dates(app, agency, bond_id)[0]
    owner.post(f"/court/{court_date.id}/outcome", {"outcome": "failed_to_appear", "confirm": "y"})
    with app.app_context(), bound(agency.info, db.session):
        texts = db.session.scalars(
            select(Message.phone).where(Message.purpose == "failure_to_appear")
        ).all()
    assert texts == ["+13055550100"]


def _omar_with_cosigner(app, agency, phone: str, language: str = "en") -> int:
    """An active bond for Omar Price, written by the first user, with Rosa as cosigner."""
    bond_id = make_bond(app, agency, status="active", first_name="Omar", last_name="Price")
    with app.app_context(), bound(agency.info, db.session):
        bond = db.session.get(Bond, bond_id)
        bond.writing_agent_id = db.session.scalars(select(User.id)).first()
        rosa = Indemnitor(first_name="Rosa", last_name="Price", phone=phone, language=language)
        bond.cosigners.append(BondIndemnitor(indemnitor=rosa))
        db.session.commit()
    return bond_id
