"""Every form, fed arbitrary input by Hypothesis: a clear 4xx at worst, never a 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_bond
from tests.routes import tenant_routes
from tests.support import add_user

ROOT = Path(__file__).resolve().parents[1]
FIELD = re.compile(r"^\s+(\w+) = \w*(?:Field|text|optional_email)\(", re.MULTILINE)
FIELDS = sorted(
    {name for path in (ROOT / "bbp").rglob("forms.py") for name in FIELD.findall(path.read_text())}
    | {
        "charges-0-description",
        "charges-0-bail_amount",
        "charges-1-bail_amount",
        "fees-0-name",
        "fees-0-amount",
        "defendant_id",
        "indemnitor_id",
        "more",
    }
)
VALUES = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="0123456789.,-$ ", max_size=14),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e309",
            "NaN",
            "9" * 30,
            "2026-02-30",
            "2026-12-03T09:30",
            "12/31/2026",
            "y",
            "on",
            "owner",
            "felony",
            "' OR 1=1 --",
            "<script>",
            "ü" * 300,
            "\U0001d518\U0001d52b",
        ]
    ),
)
FORMS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8)
POSTS = [
    r
    for r in tenant_routes()
    if r.method == "POST" and r.endpoint not in ("auth.logout", "auth.login_post")
]


@pytest.mark.parametrize("route", POSTS, ids=str)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=FORMS)
def test_no_form_answers_500(app, owner, tenant, route, data):
    ids = _ids(app, tenant)
    response = owner.post(route.path(**ids), data)
    assert response.status_code < 500, (route, data, response.get_data(as_text=True)[:500])


_cache: dict[str, dict] = {}


def _ids(app, tenant) -> dict:
    """Real rows for routes that name one (made once per agency)."""
    if tenant.slug not in _cache:
        agent = add_user(app, tenant.info, "agent")
        bond_id = make_bond(app, tenant, status="active")
        _cache[tenant.slug] = {
            "user_id": agent.id,
            "bond_id": bond_id,
            "defendant_id": 1,
            "indemnitor_id": 1,
            "court_date_id": 1,
            "payment_id": 1,
            "power_id": 1,
            "collateral_id": 1,
            "forfeiture_id": 1,
        }
    return _cache[tenant.slug]
