"""Online payments tests read only the Stripe calls they made themselves, and sign platform
admins in with the console's own helpers."""

import pytest

from bbp.billing import stripe_api
from tests.platform.conftest import console_as  # noqa: F401  (a fixture, shared)


@pytest.fixture(autouse=True)
def fresh_stripe_log(app):
    """Empty the fake's request log, so a test counts its own calls only."""
    with app.app_context():
        stripe_api.fake().requests.clear()
