"""Host to tenant: unknown hosts, suspended agencies, custom domains, site separation."""

from __future__ import annotations

import pytest

from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.platform.provisioning import set_status
from bbp.tenancy.models import TenantDomain
from bbp.tenancy.resolver import forget_tenants


def test_unknown_subdomain_gets_a_friendly_404(visit, tenant):
    response = visit("no-such-agency").get("/login")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "No agency at this address" in body
    assert "<html" in body


def test_unknown_custom_domain_gets_404(app):
    response = app.test_client().get("/", base_url="http://bonds.unknown-agency.example")
    assert response.status_code == 404


def test_suspended_agency_shows_account_suspended(app, visit, tenant):
    with app.app_context():
        set_status(tenant.slug, "suspended", "unpaid invoices")
    response = visit(tenant).get("/login")
    body = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "This account is suspended" in body
    assert tenant.name in body


def test_suspension_takes_effect_for_signed_in_staff(app, owner, tenant):
    assert owner.get("/dashboard/").status_code == 200
    with app.app_context():
        set_status(tenant.slug, "suspended")
    assert owner.get("/dashboard/").status_code == 403
    with app.app_context():
        set_status(tenant.slug, "active")
    assert owner.get("/dashboard/").status_code == 200


@pytest.mark.parametrize("verified", [True, False], ids=["verified", "pending"])
def test_a_custom_domain_resolves_to_its_tenant_only_once_verified(app, tenant, verified):
    with app.app_context():
        db.session.add(
            TenantDomain(
                tenant_id=tenant.info.id,
                kind="custom",
                hostname="bonds.alpha-bail.example",
                verify_token="t" * 32,
                verified_at=utcnow() if verified else None,
            )
        )
        db.session.commit()
    forget_tenants()
    response = app.test_client().get("/login", base_url="http://bonds.alpha-bail.example")
    if verified:
        assert response.status_code == 200
        assert tenant.name in response.get_data(as_text=True)
    else:  # anyone can type a hostname into the console; only its owner can publish the token
        assert response.status_code == 404
        assert tenant.name not in response.get_data(as_text=True)


def test_staff_pages_do_not_exist_on_the_platform_host(visit):
    assert visit("admin").get("/login").status_code == 404
    assert visit("admin").get("/dashboard/").status_code == 404


def test_platform_console_does_not_exist_on_a_tenant_host(visit, tenant):
    assert visit(tenant).get("/platform/login").status_code == 404


def test_apex_shows_the_landing_page(app):
    response = app.test_client().get("/", base_url="http://localhost")
    assert response.status_code == 200
    assert "Your agency has its own address" in response.get_data(as_text=True)


def test_platform_root_redirects_to_the_console(visit):
    response = visit("admin").get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/platform/")
