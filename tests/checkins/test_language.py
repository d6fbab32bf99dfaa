"""The texted check-in link speaks the person's language, like the portal: the language saved
on the defendant, or the one picked on the page's switch."""

from __future__ import annotations

from tests.checkins.conftest import inside, texts
from tests.checkins.test_links import _due_today

SPANISH = {"Accept-Language": "es-US,es;q=0.9"}
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def test_a_spanish_speaker_is_texted_and_checks_in_in_spanish(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock, language="es")
    with inside(checkins_app, tenant):
        [text] = texts()
    assert text.body.startswith("Alpha Bail Bonds: es hora de reportarse. Abra http")
    assert "y oprima Reportarse. El enlace funciona una vez, durante 24 horas." in text.body
    phone = visit(tenant)
    page = phone.get(path, headers=SPANISH).get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Reportarse con mi ubicación" in page and "martes 3 de marzo de 2026, 9:00" in page
    assert 'data-denied="Su teléfono no permitió compartir su ubicación."' in page  # checkin.js
    done = phone.post(path, {"method": "plain"}, headers=SPANISH).get_data(as_text=True)
    assert "Gracias, ya se reportó" in done and "Alpha Bail Bonds recibió su reporte" in done
    again = phone.get(path, headers=SPANISH)
    assert again.status_code == 410
    body = again.get_data(as_text=True)
    assert "Este enlace ya se usó." in body and "Pídale un enlace nuevo" in body


def test_the_language_switch_on_the_check_in_page_is_remembered(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
    phone = visit(tenant)
    assert "Check in with my location" in phone.get(path).get_data(as_text=True)
    switched = phone.post("/portal/language", {"language": "es", "next": path})
    assert switched.status_code == 302 and switched.location.endswith(path)
    refused = phone.post(path, {"method": "gps", "latitude": "north"})
    assert refused.status_code == 422
    assert "No pudimos leer su ubicación" in refused.get_data(as_text=True)


def test_the_saved_language_wins_over_the_phones(checkins_app, visit, tenant, clock):
    spanish = _due_today(checkins_app, tenant, clock, language="es")
    page = visit(tenant).get(spanish, headers=ENGLISH).get_data(as_text=True)
    assert '<html lang="es">' in page and "Reportarse con mi ubicación" in page


def test_an_english_speaker_is_texted_in_english(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
    with inside(checkins_app, tenant):
        [text] = texts()
    assert "time for your check-in. Open http" in text.body and "tap Check in" in text.body
    page = visit(tenant).get(path, headers=SPANISH).get_data(as_text=True)
    assert '<html lang="en">' in page and "Check in with my location" in page
