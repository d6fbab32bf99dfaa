"""Billing tests sign platform admins in with the console's own helpers, and each test reads
only the Stripe calls it made itself."""

import pytest

from bbp.billing import stripe_api
from tests.platform.conftest import console_as  # noqa: F401  (a fixture, shared)


@pytest.fixture(autouse=True)
def fresh_stripe_log(app):
    """Empty the fake's request log: it keeps the last 500 calls, so a count taken before and
    after a call would come out short once earlier tests filled it."""
    with app.app_context():
        stripe_api.fake().requests.clear()
