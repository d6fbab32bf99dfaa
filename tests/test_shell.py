"""The htmx shell: security headers, no inline script, error pages, health."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from bbp.web.security import CONTENT_SECURITY_POLICY
from tests.conftest import dispose, make_app
from tests.support import add_user


class ScriptAudit(HTMLParser):
    """Collects inline scripts and inline event handlers (the CSP would block them)."""

    def __init__(self):
        super().__init__()
        self.inline: list[str] = []
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        self.inline += [f"{tag}[{n}]" for n in names if n.startswith("on")]
        if tag == "script":
            self._in_script_without_src = "src" not in names
        if tag == "style" or "style" in names:
            self.inline.append(f"{tag} style")

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline.append("inline <script>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script_without_src = False


PAGES = [
    ("/login", False),
    ("/forgot-password", False),
    ("/dashboard/", True),
    ("/staff/", True),
    ("/staff/invite", True),
    ("/audit/", True),
]


@pytest.mark.parametrize(("path", "signed_in"), PAGES)
def test_pages_carry_security_headers_and_no_inline_script(visit, tenant, owner, path, signed_in):
    response = (owner if signed_in else visit(tenant)).get(path)
    assert response.status_code == 200
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert (
        "script-src 'self'" in CONTENT_SECURITY_POLICY
        and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    )
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers
    audit = ScriptAudit()
    audit.feed(response.get_data(as_text=True))
    assert audit.inline == []


def test_signed_in_pages_are_never_cached(owner):
    assert owner.get("/dashboard/").headers["Cache-Control"] == "no-store"


def test_hsts_over_https(app, tenant):
    response = app.test_client().get("/login", base_url=f"https://{tenant.slug}.localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_shell_vendors_htmx_and_css_with_csrf_header(owner):
    page = owner.get("/dashboard/").get_data(as_text=True)
    assert re.search(r'src="/static/js/htmx-2\.0\.\d+\.min\.js"', page)
    assert 'hx-boost="true"' in page
    assert '"X-CSRFToken": "' in page
    assert re.findall(r'(?:src|href)="(?:https?:)?//', page) == []  # nothing from another host
    assert owner.get("/static/js/htmx-2.0.11.min.js").status_code == 200


def test_htmx_never_settles_a_style_attribute_the_csp_would_refuse(owner):
    page = owner.get("/dashboard/").get_data(as_text=True)
    config = json.loads(re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page).group(1))
    assert config["includeIndicatorStyles"] is False
    assert config["attributesToSettle"] == ["class", "width", "height"]  # htmx's default adds style


@pytest.mark.parametrize("site", ["agency", "unknown agency", "platform", "apex"])
def test_favicon_is_served_on_every_host(app, tenant, site):
    host = {
        "agency": f"{tenant.slug}.localhost",
        "unknown agency": "no-such-agency.localhost",
        "platform": "admin.localhost",
        "apex": "localhost",
    }[site]
    response = app.test_client().get("/favicon.ico", base_url=f"http://{host}")
    icon = response.data
    response.close()  # a static file: release its handle
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert icon.startswith(b"\x00\x00\x01\x00")  # an ICO file


def test_pages_link_their_icon(visit, tenant, owner):
    for page in (owner.get("/dashboard/"), visit(tenant).get("/portal/login")):
        assert '<link rel="icon" href="/favicon.ico"' in page.get_data(as_text=True)


def test_404_is_a_full_page_or_an_htmx_fragment(owner):
    full = owner.get("/no-such-page")
    assert full.status_code == 404 and "<html" in full.get_data(as_text=True)
    fragment = owner.get("/no-such-page", htmx=True)
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 404 and "<html" not in body and "Page not found" in body
    assert fragment.headers["HX-Retarget"] == "#flash"


def test_403_explains_the_missing_role(app, visit, tenant):

    agent = add_user(app, tenant.info, "agent")
    visitor = visit(tenant)
    visitor.login(agent.email)
    response = visitor.get("/staff/")
    assert response.status_code == 403
    assert "needs the admin role" in response.get_data(as_text=True)


def test_500_is_a_friendly_page(database_url, redis_url, tenant):
    app = make_app(database_url, redis_url, PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    app.extensions["bbp_sites"][""] = "any"
    response = app.test_client().get("/boom", base_url=f"http://{tenant.slug}.localhost")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and "kaput" not in body
    dispose(app)


def test_405_is_friendly(visit, tenant):
    response = visit(tenant).client.put("/login", base_url=f"http://{tenant.slug}.localhost")
    assert response.status_code == 405


def test_healthz_reports_database_and_redis(app):
    response = app.test_client().get("/healthz", base_url="http://anything.example")
    assert response.status_code == 200
    assert response.json["database"] == "ok" and response.json["redis"] == "ok"


def test_healthz_is_503_when_redis_is_down(database_url):
    app = make_app(database_url, "redis://127.0.0.1:1/0")
    response = app.test_client().get("/healthz", base_url="http://localhost")
    assert response.status_code == 503
    assert response.json["redis"].startswith("error")
    assert response.json["database"] == "ok"
    dispose(app)
