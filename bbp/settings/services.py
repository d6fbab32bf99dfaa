"""Read and change the agency settings (one row, created with defaults on first use)."""

from __future__ import annotations

from decimal import Decimal

from bbp.bonds.premium import Fee, PremiumRule
from bbp.extensions import db
from bbp.settings.models import AgencySettings


def current() -> AgencySettings:
    """The agency's settings row."""
    settings = db.session.get(AgencySettings, 1)
    if settings is None:
        settings = AgencySettings(id=1, fees=[], forfeiture_overrides={})
        db.session.add(settings)
        db.session.flush()
    return settings


def premium_rule() -> PremiumRule:
    """The agency's premium rule as the calculator wants it."""
    s = current()
    return PremiumRule(
        rate=s.premium_rate,
        minimum_per_bond=s.minimum_per_bond,
        minimum_per_charge=s.minimum_per_charge,
        fees=tuple(Fee(f["name"], Decimal(f["amount"])) for f in s.fees),
        term=s.premium_term,
    )
