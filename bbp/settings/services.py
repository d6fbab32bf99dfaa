"""Read and change the agency settings (one row, created with defaults on first use)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from bbp.audit.services import record
from bbp.bonds.premium import CENT, Fee, PremiumError, PremiumQuote, PremiumRule, quote
from bbp.courts.forfeiture import rules_for
from bbp.extensions import db
from bbp.kernel.errors import DomainError
from bbp.kernel.transactions import atomic
from bbp.settings import agency
from bbp.settings.agency import AgencyDetails
from bbp.settings.models import AgencySettings
from bbp.tenancy import require_tenant

if TYPE_CHECKING:
    from bbp.courts.forfeiture import StateRules

EXAMPLE_CHARGES = (Decimal("500"), Decimal("2000"))
MAX_FEES = 10
MAX_RETURN_DAYS = 365
MAX_OVERRIDE_DAYS = 3650
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class SettingsInput:
    """The settings as typed: premium rule, collateral and forfeiture days, agency details."""

    rule: PremiumRule
    collateral_return_days: int
    forfeiture_overrides: dict[str, int]
    details: AgencyDetails | None = None  # None leaves the saved details as they are


def current() -> AgencySettings:
    """The agency's settings row."""
    settings = db.session.get(AgencySettings, 1)
    if settings is None:
        settings = AgencySettings(id=1, fees=[], forfeiture_overrides={})
        db.session.add(settings)
        db.session.flush()
    return settings


def agency_details() -> AgencyDetails:
    """The agency's address, phone and license number, as receipts and documents print them."""
    return agency.of(current())


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


def forfeiture_rules() -> StateRules | None:
    """The statutory forfeiture rules of the agency's state, or None if none ship for it."""
    # Imported here: bbp.courts imports bonds, which imports collateral, which imports us.

    return rules_for(require_tenant().state)


def example(rule: PremiumRule) -> PremiumQuote:
    """What a $2,500 bond with charges of $500 and $2,000 costs under the rule."""
    try:
        return quote(rule, list(EXAMPLE_CHARGES))
    except PremiumError as exc:
        raise DomainError(str(exc)) from None


@atomic
def save(data: SettingsInput, by) -> AgencySettings:
    """Change every setting at once; bonds already priced keep their premium."""
    _check_rule(data.rule)
    _check_days(data)
    details = agency.checked(data.details) if data.details is not None else None
    settings = current()
    before = snapshot(settings)
    rule = data.rule
    settings.premium_rate = rule.rate.quantize(RATE_PLACES)
    settings.minimum_per_bond = rule.minimum_per_bond.quantize(CENT)
    settings.minimum_per_charge = rule.minimum_per_charge.quantize(CENT)
    settings.premium_term = rule.term
    settings.fees = [{"name": f.name, "amount": str(f.amount.quantize(CENT))} for f in rule.fees]
    settings.collateral_return_days = data.collateral_return_days
    settings.forfeiture_overrides = dict(data.forfeiture_overrides)
    if details is not None:
        agency.apply(settings, details)
    record("settings.changed", settings, before=before, after=snapshot(settings), actor=by)
    return settings


def snapshot(settings: AgencySettings) -> dict:
    """Every setting as plain JSON values, for the audit log."""
    return {
        "premium_rate": f"{Decimal(settings.premium_rate):.4f}",
        "minimum_per_bond": f"{Decimal(settings.minimum_per_bond):.2f}",
        "minimum_per_charge": f"{Decimal(settings.minimum_per_charge):.2f}",
        "premium_term": settings.premium_term,
        "fees": [dict(fee) for fee in settings.fees or []],
        "collateral_return_days": settings.collateral_return_days,
        "forfeiture_overrides": dict(settings.forfeiture_overrides or {}),
    } | agency_snapshot(agency.of(settings))


def agency_snapshot(details: agency.AgencyDetails) -> dict:
    """The agency's address, phone and license, named one by one for the audit log."""
    return {
        "address_line1": details.address_line1,
        "address_line2": details.address_line2,
        "city": details.city,
        "state": details.state,
        "postal_code": details.postal_code,
        "phone": details.phone,
        "license_number": details.license_number,
    }


def _check_rule(rule: PremiumRule) -> None:
    rate = rule.rate
    if not isinstance(rate, Decimal) or not 0 < rate <= 1 or rate != rate.quantize(RATE_PLACES):
        raise DomainError("The rate must be more than 0% and at most 100%, to 2 decimals.", "rate")
    if len(rule.fees) > MAX_FEES:
        raise DomainError(f"Add at most {MAX_FEES} fees.")
    example(rule)  # the calculator's own checks: minimums, fee names and amounts, term


def _check_days(data: SettingsInput) -> None:
    if not _whole(data.collateral_return_days, 0, MAX_RETURN_DAYS):
        raise DomainError("Use 0 to 365 days.", "collateral_return_days")
    rules = forfeiture_rules()
    known = {rule.key for rule in rules.rules} if rules else set()
    unknown = sorted(set(data.forfeiture_overrides) - known)
    if unknown:
        raise DomainError(f"No forfeiture rule called {', '.join(unknown)} applies to this agency.")
    for key, days in data.forfeiture_overrides.items():
        if not _whole(days, 1, MAX_OVERRIDE_DAYS):
            raise DomainError(f"Days for {key} must be 1 to {MAX_OVERRIDE_DAYS}.")


def _whole(value: object, low: int, high: int) -> bool:
    """An int (not a bool) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
