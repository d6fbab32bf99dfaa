"""Support access inside an unpaid agency: it reads (to help sort the bill out), changes nothing,
and every request, refused ones included, stays in both audit logs."""

from __future__ import annotations

from tests.billing.sweep import put_in
from tests.platform.support_access import agency_log, platform_log
from tests.platform.test_support_refusals import support  # noqa: F401


def test_support_reads_a_billing_suspended_agency_and_is_audited(app, support, tenant):  # noqa: F811
    put_in(app, tenant, "billing_suspended")
    assert support.get("/bonds/").status_code == 200
    refused = support.post("/bonds/new", {"first_name": "Dana"})
    assert refused.status_code == 403  # the support session's own refusal, audited
    pages = [e.after.get("page") for e in platform_log(app, tenant) if e.after]
    assert "/bonds/" in pages and "POST /bonds/new" in pages
    assert "POST /bonds/new" in [e.after.get("page") for e in agency_log(app, tenant) if e.after]


def test_support_in_a_read_only_agency_is_refused_by_its_own_guard(app, support, tenant):  # noqa: F811
    put_in(app, tenant, "read_only")
    response = support.post("/settings/", {"name": "Changed"})
    assert response.status_code == 403
    assert "Support access is read-only" in response.get_data(as_text=True)
