"""Creating an agency from the console: the CLI's rules, the owner's invitation, errors in place."""

from __future__ import annotations

import html
import json
import re
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bbp.extensions import db
from bbp.kernel.mail import outbox_key
from bbp.platform.models import PlatformAuditEntry
from bbp.platform.provisioning import drop_tenant
from bbp.platform.zones import STATES, US_ZONES
from bbp.tenancy.models import Tenant, TenantUsage
from bbp.tenancy.resolver import forget_tenants
from tests.support import host_of

FIELDS = {
    "slug": "",
    "name": "Harbor Bail Bonds",
    "state": "FL",
    "timezone": "America/Chicago",
    "owner_email": "dana@harbor.example",
    "owner_name": "Dana Harbor",
}


@pytest.fixture
def new_slug(app):
    """A fresh slug, and the agency it names dropped after the test."""
    slug = f"harbor-{uuid.uuid4().hex[:8]}"
    yield slug
    with app.app_context():
        drop_tenant(slug)


def _create(console, **changes):
    console.get("/platform/new-agency")
    return console.post("/platform/new-agency", FIELDS | changes)


def test_a_superadmin_creates_an_agency_and_its_owner_is_invited(
    app, console_as, visit, redis, new_slug
):
    console = console_as("superadmin")
    response = _create(console, slug=new_slug)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/platform/agencies/{new_slug}")
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == new_slug))
        assert (tenant.name, tenant.state, tenant.timezone) == (
            "Harbor Bail Bonds",
            "FL",
            "America/Chicago",
        )
        entry = db.session.scalar(
            select(PlatformAuditEntry).where(
                PlatformAuditEntry.action == "tenant.provisioned",
                PlatformAuditEntry.target_id == str(tenant.id),
            )
        )
        assert entry.actor_label == console.email and entry.actor_id is not None
        assert db.session.get(TenantUsage, tenant.id).owners == 1  # measured at creation
    [mail] = [json.loads(m) for m in redis.lrange(outbox_key(new_slug), 0, -1)]
    assert mail["to"] == "dana@harbor.example"
    link = re.search(r"https?://\S+/set-password/\S+", mail["body"]).group(0)
    agency = visit(new_slug)
    path = link.split(host_of(new_slug), 1)[1]
    assert agency.get(path).status_code == 200
    chosen = agency.post(
        path, {"password": "a brand new password", "confirm": "a brand new password"}
    )
    assert chosen.status_code == 302
    assert agency.login("dana@harbor.example", "a brand new password").status_code == 302
    page = console.get(f"/platform/agencies/{new_slug}").get_data(as_text=True)
    assert "Harbor Bail Bonds" in page and "dana@harbor.example" not in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("slug", "", "The subdomain is required."),
        ("slug", "-bad-", "only lowercase letters, digits and hyphens"),
        ("slug", "x" * 41, "at most 40 characters"),
        ("slug", "admin", "is reserved; choose another subdomain"),
        ("name", "", "Enter the agency's name."),
        ("state", "", "Choose the state"),
        ("state", "ZZ", "Not a valid choice"),
        ("timezone", "Mars/Olympus", "Choose one of the US time zones listed."),
        ("timezone", "Europe/London", "Choose one of the US time zones listed."),
        ("timezone", "US/Eastern", "Choose one of the US time zones listed."),
        ("timezone", "Factory", "Choose one of the US time zones listed."),
        ("owner_email", "", "Enter the owner's email."),
        ("owner_email", "not-an-email", "Enter a valid email address."),
    ],
)
def test_each_bad_field_is_refused_beside_it_and_the_input_is_kept(
    app, console_as, field, value, message
):
    console = console_as("superadmin")
    name = f"Kept Input {uuid.uuid4().hex[:6]}"
    fields = {"slug": f"kept-{uuid.uuid4().hex[:8]}", "name": name} | {field: value}
    response = _create(console, **fields)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    error_id = "slug-check" if field == "slug" else f"{field}-error"
    assert re.search(rf'id="{error_id}"[^>]*>[^<]*{re.escape(message)}', page), page
    if field != "name":
        assert f'value="{name}"' in page  # what was typed is still there
    assert 'value="dana@harbor.example"' in page or field == "owner_email"
    # The cursor goes to the field to fix, and only there.
    [focused] = re.findall(r"<(?:input|select)[^>]*\bautofocus\b[^>]*>", page)
    assert f'id="{field}"' in focused
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).where(Tenant.name == name)) is None


def test_the_time_zone_offers_the_us_zones_by_name_and_nothing_else(console_as):
    page = console_as("superadmin").get("/platform/new-agency").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*id="timezone".*?</select>', page, re.S).group(0)
    offered = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select_html)
    assert [value for value, _ in offered] == list(US_ZONES)
    labels = dict(offered)
    assert labels["America/New_York"] == "Eastern (New York)"
    assert "Puerto Rico, U.S. Virgin Islands" in labels["America/Puerto_Rico"]
    assert "Guam, Northern Mariana Islands" in labels["Pacific/Guam"]
    assert labels["Pacific/Pago_Pago"] == "Samoa (American Samoa)"
    assert re.search(
        r'<option[^>]*selected[^>]*value="America/New_York"', select_html
    ) or re.search(r'<option[^>]*value="America/New_York"[^>]*selected', select_html)


def test_every_state_and_territory_has_its_zone_offered():
    # A zone whose clock matches each place: links such as America/St_Thomas and Pacific/Saipan
    # keep the time of the zone offered for them.
    here = datetime(2026, 7, 1, 12, tzinfo=UTC)
    for place, offered in {
        "America/St_Thomas": "America/Puerto_Rico",
        "Pacific/Saipan": "Pacific/Guam",
        "America/Boise": "America/Denver",
        "America/Indiana/Indianapolis": "America/New_York",
    }.items():
        assert offered in US_ZONES
        assert (
            here.astimezone(ZoneInfo(place)).utcoffset()
            == here.astimezone(ZoneInfo(offered)).utcoffset()
        )
    assert set(STATES) >= {"PR", "VI", "GU", "MP", "AS"}


def test_an_agency_holding_an_older_zone_still_shows_it(app, console_as, make_agency):
    agency = make_agency("oddzone")
    with app.app_context():
        db.session.execute(
            update(Tenant).where(Tenant.slug == agency.slug).values(timezone="America/Indianapolis")
        )
        db.session.commit()
    forget_tenants()
    console = console_as("superadmin")
    response = console.get(f"/platform/agencies/{agency.slug}")
    assert response.status_code == 200
    assert "<dt>Time zone</dt><dd>America/Indianapolis</dd>" in response.get_data(as_text=True)
    us = make_agency("uszone", timezone="America/Chicago")
    page = console.get(f"/platform/agencies/{us.slug}").get_data(as_text=True)
    assert "<dt>Time zone</dt><dd>Central (Chicago)</dd>" in page


def test_a_taken_subdomain_is_refused_beside_the_field(console_as, tenant):
    response = _create(console_as("superadmin"), slug=tenant.slug)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(r'id="slug-check"[^>]*>[^<]*is already taken', page)
    assert 'value="Harbor Bail Bonds"' in page


def test_the_live_check_answers_as_the_subdomain_is_typed(console_as, tenant):
    console = console_as("superadmin")
    free = console.get("/platform/new-agency/slug?slug=fresh-agency-name", htmx=True)
    assert free.status_code == 200
    text = free.get_data(as_text=True)
    assert "fresh-agency-name.localhost is available" in text and "<html" not in text
    assert "already taken" in console.get(f"/platform/new-agency/slug?slug={tenant.slug}").text
    assert "is reserved" in console.get("/platform/new-agency/slug?slug=www").text
    assert "only lowercase" in console.get("/platform/new-agency/slug?slug=Bad_Name").text


@pytest.mark.parametrize("role", ["support", "finance"])
def test_support_and_finance_cannot_create_agencies(app, console_as, role, new_slug):
    console = console_as(role)
    assert console.get("/platform/new-agency").status_code == 403
    console.get("/platform/")
    assert console.post("/platform/new-agency", FIELDS | {"slug": new_slug}).status_code == 403
    assert "New agency" not in console.get("/platform/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).where(Tenant.slug == new_slug)) is None


def test_the_agency_pages_history_reads_as_the_audit_log_does(console_as, new_slug):
    console = console_as("superadmin")
    assert _create(console, slug=new_slug).status_code == 302
    page = console.get(f"/platform/agencies/{new_slug}").get_data(as_text=True)
    history = html.unescape(re.sub(r"\s+", " ", page.split('id="history"', 1)[1]))
    assert f"{console.email} opened the agency" in history
    assert "Harbor Bail Bonds" in history and new_slug in history  # the changes: name, subdomain
    assert "Provisioned" not in history and "slug:" not in history
