"""The fake Stripe's invoice previews and the proration items a price change leaves pending
(a mixin of `FakeStripe`): `POST /v1/invoices/create_preview` as Stripe answers it."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from bbp.billing.fake_proration import proration_lines
from bbp.billing.fake_resources import StripeFault, add_month, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key


class Previews:
    """Upcoming invoices: pending items, the prorations of a previewed change, the next period."""

    KINDS = {"invoiceitems": ("ii", "invoiceitem")}
    ROUTES = [("post", r"/v1/invoices/create_preview", "_create_preview")]

    # A subscription update calls these ------------------------------------------------
    def proration_moment(self, item: dict, given: str | None) -> int:
        """The second a change is prorated from: the one given, which must fall in the period."""
        at = int(given) if given not in (None, "") else stamp(utcnow())
        if not item["current_period_start"] <= at <= item["current_period_end"]:
            raise StripeFault(
                400,
                "The proration_date must be within the subscription's current period.",
                param="proration_date",
            )
        return at

    def prorations(self, sub: dict, new_price: dict, at: int) -> list[dict]:
        """The credit and charge lines of moving the subscription to `new_price` at `at`."""
        item = sub["items"]["data"][0]
        if sub["status"] == "trialing":
            return []  # a trial costs nothing, so there is no unused time to credit
        names = (self._product_name(item["price"]), self._product_name(new_price))
        return proration_lines(item, item["price"], new_price, at, names)

    def add_pending(self, sub: dict, lines: list[dict]) -> None:
        """Keep the prorations as invoice items for the subscription's next invoice."""
        for line in lines:
            pending = self._new(
                "invoiceitems",
                customer=sub["customer"],
                subscription=sub["id"],
                amount=line["amount"],
                currency=sub["currency"],
                description=line["description"],
                period=line["period"],
                proration=True,
                pricing={"type": "price_details", "price_details": {"price": line["price"]}},
            )
            self.redis.rpush(self._pending_items_key(sub["id"]), pending["id"])

    def pending_items(self, subscription_id: str) -> list[dict]:
        """The invoice items waiting for the subscription's next invoice."""
        ids = self.redis.lrange(self._pending_items_key(subscription_id), 0, -1)
        return [
            self.get("invoiceitems", raw.decode() if isinstance(raw, bytes) else raw) for raw in ids
        ]

    def take_pending_items(self, sub: dict) -> list[dict]:
        """The pending items as lines of the invoice being issued; they are pending no more."""
        lines = [self._line(sub, p, proration=True) for p in self._pending_lines(sub["id"])]
        self.redis.delete(self._pending_items_key(sub["id"]))
        return lines

    def _pending_items_key(self, subscription_id: str) -> str:
        return platform_key("stripe-fake", "pending-items", subscription_id)

    def _product_name(self, price: dict) -> str:
        return self.get("products", price["product"])["name"]

    # POST /v1/invoices/create_preview ---------------------------------------------------
    def _create_preview(self, params: dict) -> dict:
        customer = self.get("customers", params.get("customer", ""))
        sub = self.get("subscriptions", params.get("subscription", ""))
        if sub["customer"] != customer["id"]:
            raise StripeFault(
                400, "The subscription does not belong to this customer.", param="subscription"
            )
        details = params.get("subscription_details") or {}
        item = sub["items"]["data"][0]
        price = self._previewed_price(item, details.get("items") or [])
        if sub["status"] == "canceled" or (sub["cancel_at_period_end"] and price is item["price"]):
            raise StripeFault(
                404,
                f"No upcoming invoices for customer: {customer['id']}",
                code="invoice_upcoming_none",
            )
        lines = [self._line(sub, p, proration=True) for p in self._pending_lines(sub["id"])]
        if price is not item["price"]:
            at = self.proration_moment(item, details.get("proration_date"))
            if details.get("proration_behavior", "create_prorations") != "none":
                lines += [
                    self._line(sub, line, proration=True)
                    for line in self.prorations(sub, price, at)
                ]
        lines.append(self._line(sub, self._next_period(item, price), proration=False))
        return self._preview(customer, sub, lines)

    def _previewed_price(self, item: dict, items: list) -> dict:
        """The item's price after the previewed change (the same dict when nothing changes)."""
        for change in items:
            if isinstance(change, dict) and change.get("price"):
                if change.get("id") not in (None, item["id"]):
                    raise StripeFault(400, "No such subscription item.", param="items")
                if change["price"] != item["price"]["id"]:
                    return self.get("prices", change["price"])
        return item["price"]

    def _pending_lines(self, subscription_id: str) -> list[dict]:
        return [
            {
                "amount": p["amount"],
                "description": p["description"],
                "price": p["pricing"]["price_details"]["price"],
                "period": p["period"],
            }
            for p in self.pending_items(subscription_id)
        ]

    def _next_period(self, item: dict, price: dict) -> dict:
        start = item["current_period_end"]
        quantity = int(item.get("quantity", 1))
        dollars = f"${price['unit_amount'] / 100:,.2f}"
        times = "\u00d7"  # the multiplication sign, as Stripe writes "1 x Pro ..."
        return {
            "amount": price["unit_amount"] * quantity,
            "description": f"{quantity} {times} {self._product_name(price)} (at {dollars} / month)",
            "price": price["id"],
            "period": {"start": start, "end": stamp(add_month(datetime.fromtimestamp(start, UTC)))},
        }

    def _line(self, sub: dict, line: dict, *, proration: bool) -> dict:
        item = sub["items"]["data"][0]
        return {
            "id": "il_tmp_" + secrets.token_hex(8),
            "object": "line_item",
            "amount": line["amount"],
            "currency": sub["currency"],
            "description": line["description"],
            "period": line["period"],
            "quantity": int(item.get("quantity", 1)),
            "livemode": False,
            "parent": {
                "type": "subscription_item_details",
                "subscription_item_details": {
                    "subscription": sub["id"],
                    "subscription_item": item["id"],
                    "proration": proration,
                },
            },
            "pricing": {"type": "price_details", "price_details": {"price": line["price"]}},
        }

    def _preview(self, customer: dict, sub: dict, lines: list[dict]) -> dict:
        total = sum(line["amount"] for line in lines)
        start = sub["items"]["data"][0]["current_period_end"]
        return {
            "id": "upcoming_in_" + secrets.token_hex(12),
            "object": "invoice",
            "created": stamp(utcnow()),
            "livemode": False,
            "customer": customer["id"],
            "currency": sub["currency"],
            "status": "draft",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {"subscription": sub["id"], "metadata": sub["metadata"]},
            },
            "subtotal": total,
            "total": total,
            "amount_due": max(total, 0),
            "amount_paid": 0,
            "amount_remaining": max(total, 0),
            "starting_balance": 0,
            "period_start": start,
            "period_end": start,
            "next_payment_attempt": start,
            "hosted_invoice_url": None,
            "invoice_pdf": None,
            "lines": {
                "object": "list",
                "data": lines,
                "has_more": False,
                "url": "/v1/invoices/upcoming/lines",
            },
        }
