"""What the fake's invoice page and PDF show, read from a Stripe-shaped invoice."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bbp.billing.stripe_api import moment
from bbp.pdf import render

DRAW = "bbp.billing.invoice_pdf.render_invoice"
STATUS_LABELS = {"draft": "Draft", "open": "Open (unpaid)", "paid": "Paid", "void": "Void"}


@dataclass(frozen=True)
class Line:
    description: str
    period: str
    amount: str


@dataclass(frozen=True)
class InvoicePage:
    id: str
    number: str
    status: str
    period: str
    issued: str
    lines: tuple[Line, ...]
    total: str
    paid: str
    remaining: str


def dollars(cents: int) -> str:
    """Integer cents as $1,234.56."""
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def _day(stamp: int | None) -> str:
    return moment(stamp).strftime("%b %-d, %Y") if stamp else ""


def _span(start: int | None, end: int | None) -> str:
    return f"{_day(start)} to {_day(end)}"


def page(invoice: dict) -> InvoicePage:
    """The invoice as the page shows it (dates are UTC days, as Stripe's pages show them)."""
    return InvoicePage(
        id=invoice["id"],
        number=invoice.get("number") or invoice["id"],
        status=STATUS_LABELS.get(invoice["status"], invoice["status"]),
        period=_span(invoice.get("period_start"), invoice.get("period_end")),
        issued=_day((invoice.get("status_transitions") or {}).get("finalized_at")),
        lines=tuple(
            Line(
                line.get("description") or "",
                _span(line["period"]["start"], line["period"]["end"]),
                dollars(line["amount"]),
            )
            for line in invoice["lines"]["data"]
        ),
        total=dollars(invoice["total"]),
        paid=dollars(invoice["amount_paid"]),
        remaining=dollars(invoice["amount_remaining"]),
    )


def pdf(shown: InvoicePage) -> bytes:
    """The page drawn as a PDF by a worker (bbp.pdf.render), from plain data."""
    return render.draw(DRAW, asdict(shown))
