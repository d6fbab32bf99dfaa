"""The platform audit log on the console: filters by actor, action, agency and days (bad days
refused beside their field, never a 500), paginated, live through htmx."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from bbp.extensions import db
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import set_status

PAGE = "/platform/operations/audit"


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _entry(app, actor: str, action: str, at: datetime, **after) -> None:
    with app.app_context():
        db.session.add(
            PlatformAuditEntry(actor_label=actor, action=action, occurred_at=at, after=after)
        )
        db.session.commit()


def test_entries_read_as_sentences_with_their_agency_and_filter_by_it(app, console_as, tenant):
    with app.app_context():
        set_status(tenant.slug, "suspended", "unpaid", actor="ops@bbp.example")
    console = console_as("superadmin")
    rows = console.get(f"{PAGE}?agency={tenant.slug}", htmx=True)
    assert rows.status_code == 200
    text = rows.get_data(as_text=True)
    assert "<html" not in text
    words = _words(text)
    assert "ops@bbp.example suspended the agency" in words
    assert tenant.name in words and "Why: unpaid" in words and "Status: Active → Suspended" in words
    assert "An operator opened the agency" in words
    other = console.get(f"{PAGE}?agency=no-such-agency", htmx=True).get_data(as_text=True)
    assert "No entries match." in other


def test_filters_by_actor_action_and_days(app, console_as):
    actor = f"ops-{uuid.uuid4().hex[:8]}@bbp.example"
    _entry(app, actor, "job.retried", datetime(2026, 3, 2, 15, tzinfo=UTC), task="t.one", job="1")
    _entry(app, actor, "job.deleted", datetime(2026, 3, 9, 15, tzinfo=UTC), task="t.two", job="2")
    console = console_as("support")
    both = _words(console.get(f"{PAGE}?actor={actor.upper()}", htmx=True).get_data(as_text=True))
    assert "retried a failed t.one job" in both and "deleted a failed t.two job" in both
    deleted = console.get(f"{PAGE}?actor={actor}&action=job.deleted", htmx=True)
    assert "t.two" in deleted.get_data(as_text=True)
    assert "t.one" not in deleted.get_data(as_text=True)
    march = f"{PAGE}?actor={actor}&since=2026-03-01&until=2026-03-05"
    early = console.get(march, htmx=True).get_data(as_text=True)
    assert "t.one" in early and "t.two" not in early
    page = console.get(f"{PAGE}?actor={actor}").get_data(as_text=True)
    assert '<option value="job.deleted">Background jobs: deleted</option>' in page


def test_bad_days_get_a_message_beside_their_field_and_no_500(app, console_as):
    console = console_as("superadmin")
    response = console.get(f"{PAGE}?since=2026-02-31&until=soon")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="since-error" class="field-error">Not a valid date value', page)
    assert re.search(r'id="until-error" class="field-error">Not a valid date value', page)
    assert 'value="2026-02-31"' in page  # what was typed stays
    backwards = console.get(f"{PAGE}?since=2026-03-09&until=2026-03-02", htmx=True)
    assert backwards.status_code == 422
    fragment = backwards.get_data(as_text=True)
    assert '<small id="until-error" class="field-error" hx-swap-oob="true">' in fragment
    assert "Enter a day on or after the From day." in fragment
    future = console.get(f"{PAGE}?since=2999-01-01").get_data(as_text=True)
    assert "Enter a date in the past from Jan 1, 1900 to today." in future


def test_the_log_paginates(app, console_as):
    actor = f"many-{uuid.uuid4().hex[:8]}@bbp.example"
    for n in range(30):
        _entry(app, actor, "job.retried", datetime(2026, 1, 1, tzinfo=UTC), task=f"t{n}", job=n)
    console = console_as("superadmin")
    first = _words(console.get(f"{PAGE}?actor={actor}").get_data(as_text=True))
    assert "Page 1 of 2 · 30 in all" in first
    second = console.get(f"{PAGE}?actor={actor}&page=2", htmx=True).get_data(as_text=True)
    assert second.count("<tr>") == 5 + 1  # five entries and the header


def test_finance_cannot_read_the_platform_log(console_as):
    assert console_as("finance").get(PAGE).status_code == 403
