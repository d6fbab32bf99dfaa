"""Template globals: the site being served and static asset names."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask, g
from markupsafe import Markup, escape

from bbp.kernel.clock import local, utcnow
from bbp.kernel.phones import format_phone
from bbp.kernel.sizes import format_size

# Stripe's card brand codes as the card says them (the rest are capitalized: "visa" -> "Visa").
BRANDS = {
    "amex": "American Express",
    "diners": "Diners Club",
    "jcb": "JCB",
    "mastercard": "Mastercard",
    "unionpay": "UnionPay",
}
HTMX_JS = "js/htmx-2.0.11.min.js"
PICO_CSS = "css/pico-2.1.1.blue.min.css"


def _globals() -> dict:
    return {
        "site": g.get("site"),
        "tenant": g.get("tenant"),
        "HTMX_JS": HTMX_JS,
        "PICO_CSS": PICO_CSS,
        "now": utcnow,
    }


def _localtime(value, fmt: str = "%b %-d, %Y %-I:%M %p"):
    """Show a timestamp in the agency's time zone (UTC elsewhere)."""
    if value is None:
        return ""
    return local(value).strftime(fmt)


def format_money(value) -> str:
    """$1,234.56 for a Decimal (a dash for None)."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def format_card(brand: str | None, last4: str | None) -> str:
    """ "Visa ending in 4242" for Stripe's ("visa", "4242"); "ending in 4242" with no brand."""
    name = BRANDS.get((brand or "").lower(), (brand or "").title())
    return f"{name} ending in {last4}" if name else f"ending in {last4}"


def money_figure(value) -> Markup:
    """A money amount as one figure that CSS never breaks across lines (the `money` filter)."""
    # An f-string over the escaped text: Markup.format costs a Formatter pass per call, which
    # was a third of the bond list's time (a figure per row).
    return Markup(f'<span class="money">{escape(format_money(value))}</span>')  # noqa: S704


def focus_field(form, default: str) -> str:
    """The field a form page puts the cursor in: the first one in error, else `default`."""
    # Only one field may have autofocus; after a failed submit it belongs to the field to fix,
    # or the browser's late autofocus moves the cursor away while the person is typing.
    return next((f.name for f in form if f.errors and f.type != "CSRFTokenField"), default)


def init_app(app: Flask) -> None:
    """Expose globals and filters to every template."""
    app.context_processor(_globals)
    app.add_template_filter(_localtime, "localtime")
    app.add_template_filter(format_phone, "phone")
    app.add_template_filter(format_size, "filesize")
    app.add_template_filter(money_figure, "money")
    app.add_template_global(format_card, "format_card")
    app.add_template_global(focus_field, "focus_field")
