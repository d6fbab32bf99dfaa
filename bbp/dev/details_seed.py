"""The demo agencies' address, phone and license number (`make run`): printed on receipts and
documents, and shown at the foot of the portal and the pay pages. Filled only where none is on
file, so an address typed in Settings is kept."""

from __future__ import annotations

from bbp.extensions import db
from bbp.settings import agency
from bbp.settings import services as settings
from bbp.settings.agency import AgencyDetails
from bbp.tenancy import bound, tenant_by_slug

# Fictional: 555-01xx numbers are set aside for fiction; the streets are near each county's jail.
DEMO_DETAILS = {
    "demo": AgencyDetails(
        address_line1="1250 NW 14th Street",
        address_line2="Suite 2",
        city="Miami",
        state="FL",
        postal_code="33125",
        phone="3055550190",
        license_number="P123456",
    ),
    "acme": AgencyDetails(
        address_line1="429 Bauchet Street",
        city="Los Angeles",
        state="CA",
        postal_code="90012",
        phone="2135550147",
        license_number="BA-1894725",
    ),
}


def seed_details() -> list[str]:
    """Give each demo agency its details where it has no address or phone yet; returns the
    agencies given them."""
    given = []
    for slug, details in DEMO_DETAILS.items():
        tenant = tenant_by_slug(slug)
        if tenant is None:
            continue
        with bound(tenant, db.session):
            row = settings.current()
            if row.address_line1 or row.phone:
                db.session.rollback()
                continue
            agency.apply(row, agency.checked(details))
            db.session.commit()
            given.append(slug)
    return given
