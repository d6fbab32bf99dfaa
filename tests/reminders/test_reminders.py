"""Court reminders: planned from the database, sent once, never lost, in the right words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from bbp.bonds.models import Bond, BondIndemnitor
from bbp.courts.models import CourtDate
from bbp.defendants.models import Defendant
from bbp.extensions import db
from bbp.indemnitors.models import Indemnitor
from bbp.messaging import upkeep
from bbp.messaging.models import Message, OptOut
from bbp.reminders import services, texts
from bbp.reminders.models import Reminder
from bbp.tenancy import bound
from tests.factories import make_bond

# Thursday Dec 3, 2026, 9:30 AM in New York (14:30 UTC).
COURT = datetime(2026, 12, 3, 14, 30, tzinfo=UTC)


@pytest.fixture
def book(app, make_agency):
    """An agency in New York with one active bond: defendant and one cosigner with phones."""
    agency = make_agency("ny", state="FL", timezone="America/New_York")
    bond_id = make_bond(app, agency, status="active", first_name="Marcus", last_name="Reyes")
    with app.app_context(), bound(agency.info, db.session):
        bond = db.session.get(Bond, bond_id)
        bond.defendant.phone = "3055550142"
        lena = Indemnitor(first_name="Lena", last_name="Reyes", phone="3055550199", language="es")
        bond.cosigners.append(BondIndemnitor(indemnitor=lena, relationship_to_defendant="Mother"))
        court = CourtDate(
            bond_id=bond_id,
            starts_at=COURT,
            court_name="Dade Circuit",
            courtroom="4-2",
            kind="hearing",
        )
        db.session.add(court)
        db.session.commit()
        return agency, bond_id, court.id


def _in(app, agency, func, *args):
    with app.app_context(), bound(agency.info, db.session):
        return func(*args)


def _messages(app, agency):
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.scalars(select(Message).order_by(Message.id)).all()
        db.session.expunge_all()
        return rows


def _work(app, redis):
    with app.app_context():
        SimpleWorker([Queue("default", connection=redis)], connection=redis).work(burst=True)


def test_default_schedule_for_defendant_and_cosigner(app, book):
    agency, _, _ = book
    now = COURT - timedelta(days=8)
    _in(app, agency, services.plan, now)
    _in(app, agency, services.plan, now)  # idempotent
    with app.app_context(), bound(agency.info, db.session):
        rows = db.session.scalars(select(Reminder).order_by(Reminder.due_at)).all()
        assert len(rows) == 8  # 2 people x (7d, 3d, 1d, morning)
        keys = [(r.offset_key, r.due_at.astimezone(UTC)) for r in rows if r.language == "en"]
        assert keys == [
            ("7d", COURT - timedelta(days=7)),
            ("3d", COURT - timedelta(days=3)),
            ("1d", COURT - timedelta(days=1)),
            ("morning", datetime(2026, 12, 3, 13, 0, tzinfo=UTC)),
        ]


def test_due_reminders_go_out_once_even_with_two_schedulers(app, redis, clock, book):
    agency, _, _ = book
    now = COURT - timedelta(days=1) + timedelta(minutes=1)
    clock.set(now)  # the worker sends them while they are still useful

    def scheduler_tick():
        services.plan(now)
        return services.send_due(now)

    first = _in(app, agency, scheduler_tick)
    second = _in(app, agency, scheduler_tick)  # a second scheduler in the same minute
    assert first["sent"] == 2 and second["sent"] == 0
    _work(app, redis)
    sent = [m for m in _messages(app, agency) if m.status == "sent"]
    assert len(sent) == 2
    english = next(m for m in sent if m.phone == "+13055550142").body
    spanish = next(m for m in sent if m.phone == "+13055550199").body
    assert "Thursday, December 3 at 9:30 AM" in english and "Room 4-2" in english
    assert "jueves 3 de diciembre a las 9:30" in spanish and "sala 4-2" in spanish
    assert "Reply STOP" in english and "Responda STOP" in spanish


def test_late_reminders_are_skipped_not_sent(app, book):
    agency, _, _ = book
    _in(app, agency, services.plan, COURT - timedelta(days=8))
    counts = _in(app, agency, services.send_due, COURT - timedelta(hours=20))
    assert counts["sent"] == 2 and counts["skipped"] == 4  # 7d and 3d are stale; 1d still useful
    with app.app_context(), bound(agency.info, db.session):
        skipped = db.session.scalars(
            select(Reminder.offset_key).where(Reminder.status == "skipped")
        ).all()
        assert sorted(set(skipped)) == ["3d", "7d"]


def test_quiet_hours_hold_a_reminder_until_morning(app, book):
    agency, _, _ = book
    _in(app, agency, services.plan, COURT - timedelta(days=8))
    late_evening = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # 10:30 PM Nov 26 in New York
    counts = _in(app, agency, services.send_due, late_evening)
    assert counts["postponed"] == 2 and counts["sent"] == 0
    with app.app_context(), bound(agency.info, db.session):
        due = db.session.scalars(select(Reminder.due_at).where(Reminder.offset_key == "7d")).all()
        assert {d.astimezone(UTC) for d in due} == {datetime(2026, 11, 27, 13, 0, tzinfo=UTC)}


def test_rescheduling_cancels_and_replans(app, book):
    agency, _, court_id = book
    now = COURT - timedelta(days=6, hours=12)  # the 7d reminders are already past due
    _in(app, agency, services.plan, now)
    with app.app_context(), bound(agency.info, db.session):
        db.session.get(CourtDate, court_id).starts_at = COURT + timedelta(days=1)
        db.session.commit()
    _in(app, agency, services.plan, now)
    with app.app_context(), bound(agency.info, db.session):
        counts = dict(
            db.session.execute(
                select(Reminder.status, func.count()).group_by(Reminder.status)
            ).all()
        )
    # Pending ones for the old time are cancelled; the new time gets a full set (its 7d one falls
    # after now, so it is still owed).
    assert counts == {"cancelled": 8, "pending": 8}


def test_exonerating_the_bond_cancels_its_reminders(app, book):
    agency, bond_id, _ = book
    _in(app, agency, services.plan, COURT - timedelta(days=8))
    with app.app_context(), bound(agency.info, db.session):
        db.session.get(Bond, bond_id).status = "exonerated"
        db.session.commit()
    _in(app, agency, services.plan, COURT - timedelta(days=8))
    assert _in(app, agency, services.send_due, COURT - timedelta(hours=1))["sent"] == 0


def test_nothing_is_lost_when_redis_is_flushed(app, redis, clock, book):
    agency, _, _ = book
    now = COURT - timedelta(days=1) + timedelta(minutes=1)
    clock.set(now)
    _in(app, agency, services.plan, now)
    _in(app, agency, services.send_due, now)
    redis.flushdb()  # the send jobs are gone
    assert _in(app, agency, upkeep.recover, now + timedelta(minutes=3))["requeued"] == 2
    _work(app, redis)
    assert [m.status for m in _messages(app, agency)] == ["sent", "sent"]


def test_a_text_interrupted_mid_send_is_flagged_not_resent(app, redis, book):
    agency, _, _ = book
    now = COURT - timedelta(days=1) + timedelta(minutes=1)
    _in(app, agency, services.plan, now)
    _in(app, agency, services.send_due, now)
    with app.app_context(), bound(agency.info, db.session):
        for message in db.session.scalars(select(Message)):
            message.status = "sending"  # a worker was killed after claiming them
        db.session.commit()
    redis.flushdb()
    counts = _in(app, agency, upkeep.recover, datetime.now(UTC) + timedelta(minutes=11))
    assert counts == {"requeued": 0, "interrupted": 2}
    assert {m.status for m in _messages(app, agency)} == {"failed"}


def test_opted_out_numbers_are_recorded_not_texted(app, redis, clock, book):
    agency, _, _ = book
    with app.app_context(), bound(agency.info, db.session):
        db.session.add(OptOut(phone="+13055550199", keyword="STOP"))
        db.session.commit()
    now = COURT - timedelta(days=1) + timedelta(minutes=1)
    clock.set(now)
    _in(app, agency, services.plan, now)
    _in(app, agency, services.send_due, now)
    _work(app, redis)
    statuses = {m.phone: m.status for m in _messages(app, agency)}
    assert statuses == {"+13055550142": "sent", "+13055550199": "opted_out"}


@pytest.mark.parametrize(
    ("starts_at", "language", "expected"),
    [
        (datetime(2026, 3, 9, 13, 30, tzinfo=UTC), "en", "Monday, March 9 at 9:30 AM"),  # EDT
        (datetime(2026, 3, 6, 14, 30, tzinfo=UTC), "en", "Friday, March 6 at 9:30 AM"),  # EST
        (datetime(2026, 11, 2, 14, 30, tzinfo=UTC), "es", "lunes 2 de noviembre a las 9:30"),
    ],
)
def test_court_times_in_the_agency_zone_across_daylight_saving(starts_at, language, expected):
    assert texts.when(starts_at, "America/New_York", language) == expected


def test_the_language_chosen_on_the_form_is_used_for_reminders(app, owner, tenant):
    response = owner.post(
        "/defendants/new",
        {"first_name": "Ana", "last_name": "Luz", "phone": "3055550177", "language": "es"},
    )
    assert response.status_code == 302
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalars(select(Defendant.language)).one() == "es"


def test_an_hour_with_the_workers_down_loses_nothing_still_useful(app, redis, book):
    agency, _, _ = book
    morning = datetime(2026, 12, 3, 13, 0, tzinfo=UTC)  # 8:00 AM local, court at 9:30
    _in(app, agency, services.plan, COURT - timedelta(days=8))
    _in(app, agency, services.send_due, morning - timedelta(hours=20))  # the 1d ones went out
    # Workers and scheduler down from 8:00 to 9:00: the morning reminders are still useful.
    counts = _in(app, agency, services.send_due, morning + timedelta(hours=1))
    assert counts == {"sent": 2, "skipped": 0, "postponed": 0}


def test_reminders_whose_court_has_started_are_skipped_after_an_outage(app, book):
    agency, _, _ = book
    _in(app, agency, services.plan, COURT - timedelta(days=8))
    counts = _in(app, agency, services.send_due, COURT + timedelta(minutes=15))
    assert counts["sent"] == 0 and counts["skipped"] == 8


def test_a_person_can_be_left_out_of_reminders(app, book):
    agency, bond_id, _ = book
    with app.app_context(), bound(agency.info, db.session):
        db.session.get(Bond, bond_id).cosigners[0].indemnitor.reminders_opt_out = True
        db.session.commit()
    _in(app, agency, services.plan, COURT - timedelta(days=8))
    with app.app_context(), bound(agency.info, db.session):
        phones = set(db.session.scalars(select(Reminder.phone)))
    assert phones == {"3055550142"}
