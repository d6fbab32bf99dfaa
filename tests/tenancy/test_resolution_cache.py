"""Each worker remembers agencies for a few seconds; a suspension still stops them promptly."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from bbp.extensions import db
from bbp.platform.provisioning import set_status
from bbp.tenancy.resolver import forget_tenants

BOUND = 0.3  # seconds, for the test; production uses TENANT_CACHE_SECONDS (5)


@pytest.fixture
def bound_of(app):
    """Set the bound; entries made before (under the old bound) are forgotten."""
    before = app.config["TENANT_CACHE_SECONDS"]

    def set_(seconds: float) -> None:
        app.config["TENANT_CACHE_SECONDS"] = seconds
        forget_tenants()

    yield set_
    app.config["TENANT_CACHE_SECONDS"] = before


@pytest.fixture
def short_bound(bound_of):
    bound_of(BOUND)


def _write_behind_the_cache(app, sql: str, **params) -> None:
    """A change another process made: this process is not told."""
    with app.app_context():
        db.session.execute(text(sql), params)
        db.session.commit()


def test_suspension_made_elsewhere_is_served_at_most_the_bound(app, owner, tenant, short_bound):
    assert owner.get("/dashboard/").status_code == 200
    _write_behind_the_cache(
        app, "UPDATE public.tenants SET status = 'suspended' WHERE slug = :s", s=tenant.slug
    )
    try:
        assert owner.get("/dashboard/").status_code == 200  # remembered, within the bound
        time.sleep(BOUND + 0.05)
        assert owner.get("/dashboard/").status_code == 403
    finally:
        with app.app_context():
            set_status(tenant.slug, "active")
    assert owner.get("/dashboard/").status_code == 200


def test_rename_made_elsewhere_shows_after_the_bound(app, owner, tenant, short_bound):
    owner.get("/dashboard/")
    _write_behind_the_cache(
        app, "UPDATE public.tenants SET name = 'Renamed Bail' WHERE slug = :s", s=tenant.slug
    )
    time.sleep(BOUND + 0.05)
    assert "Renamed Bail" in owner.get("/dashboard/").get_data(as_text=True)


def test_suspension_here_is_immediate_even_with_a_long_bound(app, owner, tenant, bound_of):
    bound_of(3600)
    try:
        assert owner.get("/dashboard/").status_code == 200
        with app.app_context():
            set_status(tenant.slug, "suspended")
        assert owner.get("/dashboard/").status_code == 403
    finally:
        with app.app_context():
            set_status(tenant.slug, "active")


def test_each_host_keeps_its_own_agency(owner, visit, tenant, other_tenant):
    """The cache is keyed by hostname: one agency's entry never answers for another's host."""
    assert tenant.name in owner.get("/dashboard/").get_data(as_text=True)
    page = visit(other_tenant).get("/login").get_data(as_text=True)
    assert other_tenant.name in page
    assert tenant.name not in page
