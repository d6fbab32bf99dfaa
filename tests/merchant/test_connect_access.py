"""Settings → Payments and the development onboarding page: owners of the agency only; the
other agency's owner reaches nothing of it; the stand-in is gone with a real key."""

from __future__ import annotations

import pytest

from tests.merchant.support import connect, fake, merchant_row, onboarding_path
from tests.support import add_user

ROUTES = [
    ("GET", "/settings/payments"),
    ("POST", "/settings/payments/connect"),
    ("POST", "/settings/payments/continue"),
    ("GET", "/settings/payments/refresh"),
    ("GET", "/settings/payments/return"),
    ("GET", "/settings/payments/disconnect"),
    ("POST", "/settings/payments/disconnect"),
    ("GET", "/dev/stripe/connect/onboarding/{account}"),
    ("POST", "/dev/stripe/connect/onboarding/{account}"),
]


@pytest.fixture
def onboarding(app, owner, tenant) -> tuple[str, str]:
    """The tenant connected, with an unused onboarding link: (path, token)."""
    return onboarding_path(connect(owner))


def _send(visitor, method: str, path: str, data: dict | None = None):
    return visitor.get(path) if method == "GET" else visitor.post(path, data or {})


@pytest.mark.parametrize("role", ["admin", "manager", "agent", "viewer"])
@pytest.mark.parametrize(("method", "rule"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_only_owners_reach_payments(app, visit, tenant, onboarding, role, method, rule):
    account = merchant_row(app, tenant).stripe_account_id
    staff = visit(tenant)
    staff.login(add_user(app, tenant.info, role).email)
    staff.get("/dashboard/")
    path = rule.format(account=account)
    response = _send(staff, method, path, {"confirm": "DISCONNECT", "outcome": "submit"})
    assert response.status_code == 403
    assert "needs the owner role" in response.get_data(as_text=True)
    row = merchant_row(app, tenant)
    assert row.disconnected_at is None and not row.charges_enabled


@pytest.mark.parametrize(("method", "rule"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_the_other_agencys_owner_reaches_nothing_of_it(
    app, visit, tenant, other_tenant, onboarding, method, rule
):
    _path, token = onboarding
    account = merchant_row(app, tenant).stripe_account_id
    other = visit(other_tenant)
    other.login(other_tenant.owner_email)
    other.get("/dashboard/")
    target = rule.format(account=account)
    response = _send(
        other, method, target, {"confirm": "DISCONNECT", "outcome": "submit", "link": token}
    )
    if "/dev/stripe/" in rule:
        assert response.status_code == 404  # A's account, as if it did not exist
    else:
        assert response.status_code in (200, 303, 404)
        assert account not in response.get_data(as_text=True)
    row = merchant_row(app, tenant)
    assert row.disconnected_at is None and not row.charges_enabled
    assert fake(app).account_link(token) is not None  # A's link is still unused
    assert merchant_row(app, other_tenant) is None or (
        merchant_row(app, other_tenant).stripe_account_id != account
    )


def test_a_session_from_one_agency_is_worthless_on_the_other(app, owner, other_tenant, visit):
    elsewhere = visit(other_tenant, client=owner.client)
    response = elsewhere.get("/settings/payments")
    assert response.status_code == 302 and "/login" in response.location


def test_the_onboarding_stand_in_is_gone_with_a_real_key(app, owner, onboarding, monkeypatch):
    path, token = onboarding
    monkeypatch.delitem(app.extensions, "stripe_fake")  # what a configured key leaves
    assert owner.get(f"{path}?link={token}").status_code == 404
    assert owner.post(path, {"outcome": "submit", "link": token}).status_code == 404


def test_the_onboarding_stand_in_is_gone_in_production(app, owner, onboarding, monkeypatch):
    path, token = onboarding
    monkeypatch.setitem(app.config, "BBP_ENV", "production")
    assert owner.get(f"{path}?link={token}").status_code == 404
