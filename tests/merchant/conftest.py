"""Online payments fixtures: each test reads only the Stripe calls it made itself."""

import pytest

from bbp.billing import stripe_api


@pytest.fixture(autouse=True)
def fresh_stripe_log(app):
    with app.app_context():
        stripe_api.fake().requests.clear()
        stripe_api.fake().take_pending()
