"""Agency reminder wording: {name} placeholders filled by substitution, never by str.format."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bbp.extensions import db
from bbp.messaging.models import Message
from bbp.reminders import services, texts
from bbp.settings import services as settings
from bbp.tenancy import bound
from tests.reminders.test_reminders import COURT
from tests.reminders.test_reminders import book as book  # the fixture

HOSTILE = ["{name:>4000000000000000000}", "{name.__class__.__mro__}"]


def _saved(app, agency) -> tuple[str, str]:
    with app.app_context(), bound(agency.info, db.session):
        row = settings.current()
        return row.reminder_template_en, row.reminder_template_es


def _store_raw(wording: str) -> None:
    """Write wording straight into the table, as saved before the checks existed."""
    settings.current()
    updated = db.session.execute(
        text("UPDATE agency_settings SET reminder_template_en = :wording"), {"wording": wording}
    ).rowcount
    assert updated == 1
    db.session.commit()


def _render(template: str, name: str = "Marcus", agency: str = "Liberty Bail") -> str:
    return texts.render(
        "en",
        agency=agency,
        name=name,
        starts_at=COURT,
        zone="America/New_York",
        court_name="Dade Circuit",
        courtroom="4-2",
        address="",
        template=template,
    )


@pytest.mark.parametrize("hostile", HOSTILE)
def test_format_tricks_are_refused_beside_the_field_and_not_saved(app, owner, tenant, hostile):
    wording = f"Hi {hostile}, court {{when}}"
    response = owner.post(
        "/settings/reminders/wording", {"template_en": wording, "template_es": ""}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="template_en-error"' in page and "is not a placeholder" in page
    assert "&lt;class" not in page  # nothing was evaluated and echoed
    assert _saved(app, tenant) == ("", "")


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        ("Hi {name!r}", "is not a placeholder"),
        ("Hi {name[0]}", "is not a placeholder"),
        ("Hi {0}", "is not a placeholder"),
        ("Hi {}", "is not a placeholder"),
        ("Hi {name", "is not a placeholder"),
        ("Hi name}", "Braces must wrap a placeholder"),
        ("Hi {nmae} and {Name}", "Unknown placeholders {nmae}, {Name}"),
    ],
)
def test_anything_but_a_known_name_in_braces_is_refused(wording, message):
    with pytest.raises(texts.TemplateError) as refused:
        texts.check(wording)
    assert message in str(refused.value)


def test_saved_wording_with_placeholders_keeps_working():
    wording = "{agency}: {name}, court {when} at {place}. Reply STOP to opt out."
    texts.check(wording)
    assert _render(wording) == (
        "Liberty Bail: Marcus, court Thursday, December 3 at 9:30 AM at Dade Circuit, Room 4-2. "
        "Reply STOP to opt out."
    )


def test_doubled_braces_are_a_brace_itself():
    wording = "{{Case}} {name} {{{name}}} }} {{name}}"
    texts.check(wording)
    assert _render(wording).startswith("{Case} Marcus {Marcus} } {name}")


def test_values_are_inserted_verbatim_and_never_read_again():
    rendered = _render("{agency}: {name}", name="{agency} {when:>99}", agency="{name}")
    assert rendered.startswith("{name}: {agency} {when:>99}")


@pytest.mark.parametrize("language", sorted(texts.TEMPLATES))
def test_the_standard_wording_passes_its_own_check(language):
    texts.check(texts.TEMPLATES[language])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_wording_saved_before_the_checks_cannot_break_sending(app, book, hostile):
    agency, _, _ = book
    with app.app_context(), bound(agency.info, db.session):
        _store_raw(f"{hostile} court {{when}}")
        now = COURT - timedelta(days=1) + timedelta(minutes=1)
        services.plan(now)
        assert services.send_due(now)["sent"] == 2
        bodies = db.session.scalars(select(Message.body).where(Message.phone == "+13055550142"))
        [body] = bodies.all()
    assert body.startswith(f"{agency.info.name}: Marcus, reminder: you have court Thursday")
    assert "class" not in body and hostile not in body


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_wording_saved_before_the_checks_shows_on_the_settings_page(
    app, owner, tenant, hostile
):
    with app.app_context(), bound(tenant.info, db.session):
        _store_raw(hostile)
    response = owner.get("/settings/reminders/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "is not a placeholder" in page and "reminders use the standard wording" in page
    assert "&lt;class" not in page and "reminder: you have court" in page  # the standard sample
