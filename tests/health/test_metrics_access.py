"""/metrics: off without METRICS_TOKEN, a bearer token on the platform host or an instance
address, and 404 on every agency host whoever asks (docs/security.md, "Metrics")."""

from __future__ import annotations

import pytest

from bbp.auth.models import ROLES
from tests.platform.test_platform import platform_admin  # noqa: F401 (fixture)
from tests.support import add_user

TOKEN = "metrics-token-for-tests-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    return TOKEN


def test_the_token_opens_metrics_on_the_platform_host(visit, metrics_token):
    response = visit("admin").get("/metrics", headers=BEARER)
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "bbp_http_request_duration_seconds" in response.get_data(as_text=True)


def test_the_token_opens_metrics_on_an_instance_address(app, metrics_token):
    for base in ("http://10.0.3.7:8000", "http://[fd00::7]:8000"):
        response = app.test_client().get("/metrics", base_url=base, headers=BEARER)
        assert response.status_code == 200, base


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}, {"Authorization": "Basic x"}],
)
def test_without_the_token_metrics_are_refused(visit, metrics_token, headers):
    response = visit("admin").get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "bbp_" not in response.get_data(as_text=True)


def test_a_signed_in_platform_admin_still_needs_the_token(visit, platform_admin, metrics_token):  # noqa: F811
    console = visit("admin")
    assert console.login(platform_admin, path="/platform/login").status_code == 302
    assert console.get("/metrics").status_code == 401
    assert console.get("/metrics", headers=BEARER).status_code == 200


def test_metrics_are_off_without_a_configured_token(app, visit, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "")
    assert visit("admin").get("/metrics").status_code == 404
    assert visit("admin").get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_agency_staff_of_every_role_get_404_on_their_host(app, visit, tenant, metrics_token, role):
    user = add_user(app, tenant.info, role=role)
    staff = visit(tenant)
    assert staff.login(user.email).status_code == 302
    for headers in ({}, BEARER):
        response = staff.get("/metrics", headers=headers)
        assert response.status_code == 404
        assert "bbp_" not in response.get_data(as_text=True)


def test_agency_custom_and_apex_hosts_get_404_even_with_the_token(app, tenant, metrics_token):
    client = app.test_client()
    for base in (f"http://{tenant.slug}.localhost", "http://bail.example.com", "http://localhost"):
        assert client.get("/metrics", base_url=base, headers=BEARER).status_code == 404, base
