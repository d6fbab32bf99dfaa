"""Online payment tests read only the Stripe calls and events they made themselves."""

import pytest

from bbp.billing import stripe_api
from tests.platform.conftest import console_as  # noqa: F401  (a fixture, shared)


@pytest.fixture(autouse=True)
def fresh_stripe(app):
    """Empty the fake's request log and its queue of undelivered events."""
    with app.app_context():
        fake = stripe_api.fake()
        fake.requests.clear()
        fake.take_pending()
