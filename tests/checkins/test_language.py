"""The texted check-in link speaks the person's language, like the portal."""

from __future__ import annotations

from tests.checkins.test_links import _due_today

SPANISH = {"Accept-Language": "es-US,es;q=0.9"}


def test_a_spanish_phone_checks_in_in_spanish(checkins_app, visit, tenant, clock):
    path = _due_today(checkins_app, tenant, clock)
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
