"""Refunds, disputes and payouts tests share a payment taken online and a signed-in manager."""

import pytest

from tests.factories import make_bond
from tests.merchant.refunds.support import paid_online, signed_in
from tests.merchant.support import connected


@pytest.fixture
def paid(app, tenant):
    """A $100.00 card payment (platform fee $3.20) on a $500 premium bond, and the bond's id."""
    account = connected(app, tenant)
    bond_id = make_bond(app, tenant, premium="500")
    return paid_online(app, tenant, account, bond_id, 10000, fee=320), bond_id


@pytest.fixture
def manager(app, visit, tenant):
    """A manager of the tenant, signed in."""
    return signed_in(app, visit, tenant, "manager")
