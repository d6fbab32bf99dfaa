"""The reminder policy page."""

from __future__ import annotations

from bbp.extensions import db
from bbp.reminders import services
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.support import add_user


def _policy(app, tenant):
    with app.app_context(), bound(tenant.info, db.session):
        row = settings.current()
        return row.reminders_enabled, row.reminder_offsets, row.quiet_start_hour, row.quiet_end_hour


def test_defaults_are_on_with_the_usual_schedule(app, owner, tenant):
    page = owner.get("/settings/reminders/").get_data(as_text=True)
    assert "Send court reminders" in page and "Responda STOP" in page and "Reply STOP" in page
    assert _policy(app, tenant) == (True, ["7d", "3d", "1d", "morning"], 21, 8)


def test_saving_the_policy(app, owner, tenant):
    response = owner.post(
        "/settings/reminders/",
        {"enabled": "y", "offsets": ["3d", "1d"], "quiet_start": "22", "quiet_end": "7"},
    )
    assert response.status_code == 302
    assert _policy(app, tenant) == (True, ["3d", "1d"], 22, 7)


def test_bad_policies_are_explained(owner):
    none = owner.post(
        "/settings/reminders/", {"enabled": "y", "quiet_start": "21", "quiet_end": "8"}
    )
    assert none.status_code == 422 and "Choose at least one time" in none.get_data(as_text=True)
    same = owner.post(
        "/settings/reminders/",
        {"enabled": "y", "offsets": ["1d"], "quiet_start": "8", "quiet_end": "8"},
    )
    assert "different times" in same.get_data(as_text=True)
    odd = owner.post("/settings/reminders/", {"offsets": ["1y"], "quiet_start": "x"})
    assert odd.status_code == 422


def test_only_admins_change_reminders(app, visit, tenant):
    manager = add_user(app, tenant.info, "manager")
    visitor = visit(tenant)
    visitor.login(manager.email)
    assert visitor.get("/settings/reminders/").status_code == 403


def test_an_agency_writes_its_own_wording(app, owner, tenant):

    bad = owner.post(
        "/settings/reminders/wording", {"template_en": "Hi {nmae}, court {when}", "template_es": ""}
    )
    assert bad.status_code == 422 and "Unknown placeholder {nmae}" in bad.get_data(as_text=True)
    assert "Hi {nmae}, court {when}" in bad.get_data(as_text=True)
    owner.post(
        "/settings/reminders/wording",
        {"template_en": "{agency}: {name}, court {when}.", "template_es": ""},
    )
    with app.app_context(), bound(tenant.info, db.session):
        text = services.sample("en")
    assert text.startswith(f"{tenant.name}: Marcus, court ") and text.endswith(
        "Reply STOP to opt out."
    )
