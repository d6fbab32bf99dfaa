"""The usage snapshot: each agency's own counts, months in its zone, refreshed hourly and on demand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bbp.extensions import db
from bbp.jobs import periodic
from bbp.kernel import storage, wakeups
from bbp.messaging.models import Message
from bbp.tenancy import bound
from bbp.tenancy.models import TenantUsage, TenantWakeup
from bbp.usage.services import measure, month_starts
from tests.factories import make_bond
from tests.support import add_user

DEC_1_CHICAGO = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # midnight in Chicago (CST, UTC-6)


def _text(app, agency, sent_at: datetime | None, segments: int = 1, direction: str = "out"):
    with app.app_context(), bound(agency.info, db.session):
        db.session.add(
            Message(
                direction=direction,
                phone="+13055550100",
                body="Court reminder",
                status="sent" if sent_at else "queued",
                segments=segments,
                sent_at=sent_at,
            )
        )
        db.session.commit()


def _measure(app, agency) -> TenantUsage:
    with app.app_context():
        with bound(agency.info, db.session):
            measure()
        return _snapshot(app, agency)


def _snapshot(app, agency) -> TenantUsage | None:
    with app.app_context():
        row = db.session.get(TenantUsage, agency.info.id)
        if row is not None:
            db.session.expunge(row)
        return row


def test_months_start_at_midnight_on_the_agency_wall_clock():
    zone = ZoneInfo("America/Chicago")
    last, this, following = month_starts(DEC_1_CHICAGO - timedelta(seconds=1), zone)
    assert (last.month, this.month, following.month) == (10, 11, 12)
    assert this.astimezone(UTC) == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # CDT, UTC-5
    last, this, following = month_starts(datetime(2027, 1, 15, tzinfo=UTC), zone)
    assert (last.year, last.month) == (2026, 12)
    assert (following.year, following.month) == (2027, 2)


def test_each_snapshot_counts_only_its_own_agency(app, clock, make_agency):
    clock.set(datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
    mine, theirs = make_agency("usage"), make_agency("other")
    for status in ("active", "written", "quote"):
        make_bond(app, mine, status=status)
    add_user(app, mine.info, "agent")
    add_user(app, mine.info, "owner")
    _text(app, mine, datetime(2026, 12, 2, 15, 0, tzinfo=UTC), segments=2)
    _text(app, mine, datetime(2026, 12, 14, 15, 0, tzinfo=UTC))
    _text(app, mine, datetime(2026, 11, 20, 15, 0, tzinfo=UTC), segments=3)
    _text(app, mine, datetime(2026, 10, 20, 15, 0, tzinfo=UTC))  # before last month
    _text(app, mine, None)  # queued, not sent yet
    _text(app, mine, datetime(2026, 12, 3, tzinfo=UTC), direction="in")  # a reply, not ours
    make_bond(app, theirs)
    for day in range(1, 6):
        _text(app, theirs, datetime(2026, 12, day, 15, 0, tzinfo=UTC), segments=4)

    usage = _measure(app, mine)
    assert (usage.bonds_total, usage.bonds_active) == (3, 2)
    assert (usage.owners, usage.staff) == (2, 3)
    assert (usage.texts_this_month, usage.segments_this_month) == (2, 3)
    assert (usage.texts_last_month, usage.segments_last_month) == (1, 3)
    assert usage.measured_at == clock.now
    other = _measure(app, theirs)
    assert (other.bonds_total, other.staff) == (1, 1)
    assert (other.texts_this_month, other.segments_this_month, other.texts_last_month) == (5, 20, 0)


def test_the_month_boundary_is_midnight_in_the_agency_zone(app, clock, make_agency):
    clock.set(DEC_1_CHICAGO + timedelta(minutes=30))
    chicago = make_agency("chicago", timezone="America/Chicago")
    new_york = make_agency("newyork", timezone="America/New_York")
    for agency in (chicago, new_york):
        _text(app, agency, DEC_1_CHICAGO - timedelta(minutes=1))  # Nov 30, 11:59 pm in Chicago
        _text(app, agency, DEC_1_CHICAGO)  # Dec 1, 12:00 am in Chicago, 1:00 am in New York
    in_chicago, in_new_york = _measure(app, chicago), _measure(app, new_york)
    assert (in_chicago.texts_this_month, in_chicago.texts_last_month) == (1, 1)
    assert (in_new_york.texts_this_month, in_new_york.texts_last_month) == (2, 0)


def test_storage_and_sign_ins_are_measured_per_agency(app, make_agency, visit):
    mine, theirs = make_agency("files"), make_agency("nofiles")
    backend = storage.storage_from_config(app.config)
    backend.save(mine.slug, "photos/a.jpg", b"x" * 1000, "image/jpeg")
    backend.save(mine.slug, "documents/b.pdf", b"y" * 2345, "application/pdf")
    assert visit(mine).login(mine.owner_email).status_code == 302
    usage, other = _measure(app, mine), _measure(app, theirs)
    assert usage.storage_bytes == 3345 and other.storage_bytes == 0
    assert usage.database_bytes > 0
    assert usage.last_sign_in_at is not None and other.last_sign_in_at is None
    assert usage.last_activity_at >= usage.last_sign_in_at


def test_a_new_agency_is_due_for_its_snapshot_and_the_task_reschedules_hourly(app, clock, tenant):
    with app.app_context():
        due = db.session.scalar(
            select(TenantWakeup.due_at).where(
                TenantWakeup.tenant_id == tenant.info.id, TenantWakeup.task == wakeups.USAGE
            )
        )
        assert due <= clock.now  # enrolled at creation: measured at the next tick
        lease = clock.now + periodic.LEASE
        db.session.execute(
            update(TenantWakeup)
            .where(TenantWakeup.tenant_id == tenant.info.id, TenantWakeup.task == wakeups.USAGE)
            .values(due_at=lease)
        )
        db.session.commit()
        counts = periodic.run_batch(wakeups.USAGE, [tenant.slug], lease.isoformat())
        assert counts["ran"] == 1
        due = db.session.scalar(
            select(TenantWakeup.due_at).where(
                TenantWakeup.tenant_id == tenant.info.id, TenantWakeup.task == wakeups.USAGE
            )
        )
        assert clock.now < due <= clock.now + timedelta(hours=1)  # hourly, spread by agency
        db.session.rollback()
    assert _snapshot(app, tenant).owners == 1


def test_refresh_now_measures_at_once(app, clock, console_as, tenant):
    assert _snapshot(app, tenant) is None
    make_bond(app, tenant)
    console = console_as("support")
    console.get(f"/platform/agencies/{tenant.slug}")
    response = console.post(f"/platform/agencies/{tenant.slug}/usage")
    assert response.status_code == 302
    usage = _snapshot(app, tenant)
    assert (usage.bonds_total, usage.measured_at) == (1, clock.now)
    page = console.get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
    assert "Usage measured just now." in page
    assert "time zone (Eastern (New York))" in page  # the tenant fixture's zone, in words
    assert console.post("/platform/agencies/no-such-agency/usage").status_code == 404


def test_the_agency_page_shows_counts_never_people(app, console_as, tenant, other_tenant):
    make_bond(app, tenant, first_name="Zebulon", last_name="Quackenbush")
    agent = add_user(app, tenant.info, "agent", name="Persephone Staffington")
    _measure(app, tenant)
    for role in ("superadmin", "support", "finance"):
        page = console_as(role).get(f"/platform/agencies/{tenant.slug}").get_data(as_text=True)
        assert tenant.name in page and other_tenant.name not in page
        for private in ("Zebulon", "Quackenbush", "Persephone", agent.email, tenant.owner_email):
            assert private not in page, f"{role} sees {private}"
        assert 'class="stat-label">Owners</p><p class="stat-value">1<' in page
        assert 'class="stat-label">Staff accounts</p><p class="stat-value">2<' in page
        assert "Refresh now" in page if role != "finance" else "Refresh now" not in page
    assert console_as("finance").get("/platform/agencies/no-such-agency").status_code == 404
