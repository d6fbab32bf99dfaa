"""Invoices in the fake Stripe: issued for a subscription's period, listed, paid or failed.

Stripe issues a subscription's invoice itself at each period's end; the fake has no clock of its
own, so development and tests call `issue_invoice` to run one billing cycle: the invoice is
finalized, its payment attempted (succeeding or failing as asked), and the subscription moves to
its next period (a trial ends; a failed payment leaves it `past_due`, as Stripe's default
settings do). A failed invoice is paid later through `POST /v1/invoices/{id}/pay` or `settle`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from bbp.billing.fake_resources import ID, StripeFault, add_month, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

LIST_LIMIT = 100  # Stripe's most per page
RETRY_DAYS = 3  # when Stripe's Smart Retries would try a failed invoice again (an estimate)
OUTCOMES = ("paid", "failed", "open")


class Invoices:
    """Invoice objects: retrieve, list by customer and status, pay; a billing cycle for tests."""

    KINDS = {"invoices": ("in", "invoice")}
    ROUTES = [
        ("get", "/v1/invoices", "_list_invoices"),
        ("get", f"/v1/invoices/{ID}", "_retrieve_invoice"),
        ("post", f"/v1/invoices/{ID}/pay", "_pay_invoice"),
    ]

    # The API --------------------------------------------------------------------------------
    def _retrieve_invoice(self, params: dict, id: str) -> dict:
        return self.get("invoices", id)

    def _list_invoices(self, params: dict) -> dict:
        customer = params.get("customer")
        if not customer:
            raise StripeFault(
                400, "The fake lists invoices of one customer only.", param="customer"
            )
        limit = int(params.get("limit") or 10)
        if not 1 <= limit <= LIST_LIMIT:
            raise StripeFault(400, "Invalid limit: must be between 1 and 100.", param="limit")
        ids = self.redis.zrevrange(self._invoice_index(customer), 0, -1)
        invoices = [self.get("invoices", i.decode() if isinstance(i, bytes) else i) for i in ids]
        if params.get("status"):
            invoices = [inv for inv in invoices if inv["status"] == params["status"]]
        if params.get("subscription"):
            invoices = [inv for inv in invoices if _subscription_of(inv) == params["subscription"]]
        if params.get("starting_after"):
            after = [inv["id"] for inv in invoices].index(params["starting_after"]) + 1
            invoices = invoices[after:]
        return {
            "object": "list",
            "url": "/v1/invoices",
            "has_more": len(invoices) > limit,
            "data": invoices[:limit],
        }

    def _pay_invoice(self, params: dict, id: str) -> dict:
        invoice = self.get("invoices", id)
        if invoice["status"] != "open":
            raise StripeFault(400, "Invoice is already paid.", code="invoice_not_open")
        return self._settle(invoice)

    # The billing cycle ----------------------------------------------------------------------
    def issue_invoice(self, subscription_id: str, outcome: str = "paid") -> dict:
        """Bill the subscription's current period and move it on (what Stripe does at its end).

        Run before the period's end (development's simulated payments), the period ends now,
        as a trial ended early does: the next one starts now, never in the future."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome is one of {OUTCOMES}")
        sub = self.get("subscriptions", subscription_id)
        if sub["status"] == "canceled":
            raise ValueError("a canceled subscription is not billed")
        item = sub["items"]["data"][0]
        start = item["current_period_start"]
        end = min(item["current_period_end"], max(start, stamp(utcnow())))
        trialing = sub["status"] == "trialing"
        lines = [] if trialing else self._invoice_lines(sub, start, end)
        lines += self.take_pending_items(sub)  # a plan change's prorations (fake_previews.py)
        invoice = self._new_invoice(sub, lines, start, end, "subscription_cycle")
        self._advance_period(sub, end)
        if outcome == "paid" or invoice["amount_due"] == 0:
            return self._settle(invoice)
        if outcome == "failed":
            return self._fail(invoice)
        return invoice

    def first_invoice(self, sub: dict) -> dict:
        """The invoice a subscription without a trial opens with: its first period, unpaid."""
        item = sub["items"]["data"][0]
        start, end = item["current_period_start"], item["current_period_end"]
        lines = self._invoice_lines(sub, start, end)
        return self._new_invoice(sub, lines, start, end, "subscription_create")

    def settle(self, invoice_id: str) -> dict:
        """Pay an open invoice (the card was fixed, or a retry went through)."""
        return self._pay_invoice({}, invoice_id)

    def _invoice_lines(self, sub: dict, start: int, end: int) -> list[dict]:
        """One line per licensed item for the period (the meter mixin adds usage lines)."""
        return [
            _line(item, item["price"]["unit_amount"] * item.get("quantity", 1), start, end)
            for item in sub["items"]["data"]
            if item["price"].get("recurring", {}).get("usage_type", "licensed") == "licensed"
        ]

    def _new_invoice(self, sub: dict, lines: list, start: int, end: int, reason: str) -> dict:
        total = sum(line["amount"] for line in lines)
        now = stamp(utcnow())
        invoice = self._new(
            "invoices",
            customer=sub["customer"],
            currency=sub["currency"],
            status="open",
            number=self._invoice_number(sub["customer"], count := self._count(sub["customer"])),
            billing_reason=reason,
            collection_method="charge_automatically",
            period_start=start,
            period_end=end,
            subtotal=total,
            total=total,
            amount_due=total,
            amount_paid=0,
            amount_remaining=total,
            attempt_count=0,
            attempted=False,
            next_payment_attempt=None,
            due_date=None,
            status_transitions={"finalized_at": now, "paid_at": None, "voided_at": None},
            parent={
                "type": "subscription_details",
                "subscription_details": {
                    "subscription": sub["id"],
                    "metadata": sub.get("metadata", {}),
                },
            },
            lines={"object": "list", "has_more": False, "data": lines, "url": ""},
            metadata={},
        )
        # Stripe's hosted page and PDF live on its domains; the fake's live under /dev/stripe.
        invoice["hosted_invoice_url"] = f"/dev/stripe/invoices/{invoice['id']}"
        invoice["invoice_pdf"] = f"/dev/stripe/invoices/{invoice['id']}/pdf"
        self.redis.zadd(self._invoice_index(sub["customer"]), {invoice["id"]: count})
        self._save(invoice)
        self._emit("invoice.finalized", invoice)
        return invoice

    def _settle(self, invoice: dict) -> dict:
        invoice.update(
            status="paid",
            amount_paid=invoice["amount_due"],
            amount_remaining=0,
            attempted=True,
            attempt_count=invoice["attempt_count"] + (invoice["amount_due"] > 0),
            next_payment_attempt=None,
        )
        invoice["status_transitions"]["paid_at"] = stamp(utcnow())
        self._save(invoice)
        sub = self.get("subscriptions", _subscription_of(invoice))
        if sub["status"] in ("past_due", "incomplete", "unpaid"):
            sub["status"] = "active"
            self._save(sub)
            self._emit("customer.subscription.updated", sub)
        self._emit("invoice.paid", invoice)
        return invoice

    def _fail(self, invoice: dict) -> dict:
        invoice.update(
            attempted=True,
            attempt_count=invoice["attempt_count"] + 1,
            next_payment_attempt=stamp(utcnow() + timedelta(days=RETRY_DAYS)),
        )
        self._save(invoice)
        sub = self.get("subscriptions", _subscription_of(invoice))
        if sub["status"] != "past_due":
            sub["status"] = "past_due"
            self._save(sub)
            self._emit("customer.subscription.updated", sub)
        self._emit("invoice.payment_failed", invoice)
        return invoice

    def _advance_period(self, sub: dict, end: int) -> None:
        """Start the subscription's next period at `end`; a trial ends into an active one."""
        for item in sub["items"]["data"]:
            item["current_period_start"] = end
            item["current_period_end"] = stamp(add_month(_moment(end)))
        if sub["status"] == "trialing":
            sub["status"], sub["trial_end"] = "active", min(sub["trial_end"] or end, end)
        self._save(sub)
        self._emit("customer.subscription.updated", sub)

    # Storage --------------------------------------------------------------------------------
    def _invoice_index(self, customer: str) -> str:
        return platform_key("stripe-fake", "invoices", customer)

    def _count(self, customer: str) -> int:
        """The customer's invoices so far, this one included: their order and their numbers."""
        return self.redis.incr(platform_key("stripe-fake", "invoice-number", customer))

    @staticmethod
    def _invoice_number(customer: str, count: int) -> str:
        """Stripe numbers a customer's invoices PREFIX-0001, PREFIX-0002, …"""
        prefix = customer.removeprefix("cus_")[:8].upper()
        return f"{prefix}-{count:04d}"

    def _emit(self, event_type: str, obj: dict) -> None:
        """An event about `obj` (the events mixin delivers them; without it, none are sent)."""


def _subscription_of(invoice: dict) -> str | None:
    """The subscription an invoice bills (Stripe moved it under `parent` in 2025)."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return details.get("subscription")


def _line(item: dict, amount: int, start: int, end: int) -> dict:
    price = item["price"]
    return {
        "id": "il_" + secrets.token_hex(12),
        "object": "line_item",
        "amount": amount,
        "currency": price["currency"],
        "description": f"{item.get('quantity', 1)} x {price.get('nickname') or 'subscription'}",
        "period": {"start": start, "end": end},
        "quantity": item.get("quantity", 1),
        "pricing": {"type": "price_details", "price_details": {"price": price["id"]}},
    }


def usage_line(item: dict, used: int, start: int, end: int) -> dict:
    """A metered item's line: the units used in the period (the amount is the price's to set)."""
    line = _line(item, 0, start, end)
    line.update(quantity=used, description=f"{used} text segments")
    return line


def _moment(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
