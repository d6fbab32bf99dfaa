"""A batch of powers expiring in an absurd year is refused beside the field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bbp.extensions import db
from bbp.powers.models import Power
from bbp.tenancy import bound
from tests.powers.conftest import make_surety
from tests.powers.test_views import BATCH


@pytest.mark.parametrize("typed", ["9999-12-31", "0001-01-01"])
def test_an_absurd_expiry_is_refused_and_the_batch_kept(app, owner, tenant, clock, typed):
    with app.app_context(), bound(tenant.info, db.session):
        surety_id = make_surety().id
    response = owner.post(
        "/powers/batches/new", BATCH | {"surety_id": str(surety_id), "expires_on": typed}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="expires_on-error"' in body and "Enter an expiration date from " in body
    assert f'value="{typed}"' in body and 'value="$25,000"' in body
    with app.app_context(), bound(tenant.info, db.session):
        assert db.session.scalar(select(func.count(Power.id))) == 0
