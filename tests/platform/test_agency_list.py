"""The agency list: search as you type, filters by status and state, sorts by usage, pages."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.platform.provisioning import set_status
from bbp.platform.views import agencies as views
from bbp.tenancy.models import Tenant, TenantUsage

NAME_LINK = re.compile(r'href="/platform/agencies/([a-z0-9-]+)"')


@pytest.fixture
def four(app, make_agency):
    """Four agencies sharing a unique word in their names, with usage snapshots of their own."""
    word = uuid.uuid4().hex[:6]
    made = [
        make_agency(prefix, name=f"{word} {prefix.title()} Bail", state=state)
        for prefix, state in (("ada", "FL"), ("bea", "TX"), ("cal", "FL"), ("dee", "CA"))
    ]
    now = utcnow()
    # bonds_active, texts_this_month, last activity (hours ago), created (days ago)
    figures = {"ada": (5, 10, 3, 4), "bea": (9, 1, 1, 3), "cal": (1, 50, 9, 2), "dee": (0, 0, 2, 1)}
    with app.app_context():
        for agency in made:
            bonds, texts, active, created = figures[agency.slug.split("-")[0]]
            db.session.add(
                TenantUsage(
                    tenant_id=agency.info.id,
                    bonds_active=bonds,
                    bonds_total=bonds,
                    owners=1,
                    staff=1,
                    texts_this_month=texts,
                    segments_this_month=texts,
                    texts_last_month=0,
                    segments_last_month=0,
                    storage_bytes=0,
                    database_bytes=0,
                    last_activity_at=now - timedelta(hours=active),
                    measured_at=now,
                )
            )
            db.session.execute(
                update(Tenant)
                .where(Tenant.id == agency.info.id)
                .values(created_at=now - timedelta(days=created))
            )
        db.session.commit()
        set_status(made[3].slug, "suspended", "unpaid", actor="test")
    return word, {a.slug.split("-")[0]: a.slug for a in made}


def _order(console, word: str, query: str = "") -> list[str]:
    response = console.get(f"/platform/?q={word}{query}", htmx=True)
    assert response.status_code == 200
    return [slug.split("-")[0] for slug in NAME_LINK.findall(response.get_data(as_text=True))]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["ada", "bea", "cal", "dee"]),
        ("&sort=created", ["dee", "cal", "bea", "ada"]),
        ("&sort=activity", ["bea", "dee", "ada", "cal"]),
        ("&sort=bonds", ["bea", "ada", "cal", "dee"]),
        ("&sort=texts", ["cal", "ada", "bea", "dee"]),
        ("&sort=nonsense", ["ada", "bea", "cal", "dee"]),
        ("&state=FL", ["ada", "cal"]),
        ("&state=FL&sort=texts", ["cal", "ada"]),
        ("&status=suspended", ["dee"]),
        ("&status=active&state=CA", []),
        ("&status=bogus", ["ada", "bea", "cal", "dee"]),
    ],
)
def test_filters_and_sorts(console_as, four, query, expected):
    word, _ = four
    assert _order(console_as("finance"), word, query) == expected


def test_the_search_answers_with_the_rows_fragment_and_the_page_with_the_form(console_as, four):
    word, slugs = four
    console = console_as("support")
    fragment = console.get(f"/platform/?q={slugs['bea']}", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and "<form" not in fragment
    assert NAME_LINK.findall(fragment) == [slugs["bea"]]
    page = console.get(f"/platform/?q={word}&state=TX").get_data(as_text=True)
    assert "<html" in page and '<option value="TX" selected>' in page
    assert "New agency" not in page  # only superadmins create agencies


def test_the_list_pages(console_as, four, monkeypatch):
    word, _ = four
    monkeypatch.setattr(views, "PER_PAGE", 3)
    console = console_as("superadmin")
    first = console.get(f"/platform/?q={word}&sort=bonds", htmx=True).get_data(as_text=True)
    assert [s.split("-")[0] for s in NAME_LINK.findall(first)] == ["bea", "ada", "cal"]
    assert "Page 1 of 2 · 4 in all" in first and "page=2" in first
    second = console.get(f"/platform/?q={word}&sort=bonds&page=2", htmx=True)
    assert [s.split("-")[0] for s in NAME_LINK.findall(second.get_data(as_text=True))] == ["dee"]
    beyond = console.get(f"/platform/?q={word}&page=9", htmx=True).get_data(as_text=True)
    assert "No agencies match." in beyond


def test_console_times_say_utc_and_the_bond_count_says_what_it_counts(console_as, four):
    word, slugs = four
    rows = console_as("support").get(f"/platform/?q={word}", htmx=True).get_data(as_text=True)
    assert "Open bonds" in rows and "Active bonds" not in rows
    last = re.findall(r'data-label="Last activity">([^<]+)</td>', rows)
    assert len(last) == 4 and all(
        re.fullmatch(r"\w{3} \d+, \d{4} \d+:\d\d [AP]M UTC", t) for t in last
    )
    page = console_as("support").get(f"/platform/agencies/{slugs['ada']}").get_data(as_text=True)
    assert "Open bonds" in page and "written, active, forfeited or reinstated" in page
    assert re.search(r"Measured \w{3} \d+, \d{4} \d+:\d\d [AP]M UTC", page)
