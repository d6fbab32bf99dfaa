"""The fake Stripe's invoice previews and the proration items a price change leaves pending
(a mixin of `FakeStripe`): `POST /v1/invoices/create_preview` as Stripe answers it."""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime

from bbp.billing.fake_proration import proration_lines
from bbp.billing.fake_resources import StripeFault, add_month, plan_item, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key


def metered(price: dict) -> bool:
    return (price.get("recurring") or {}).get("usage_type") == "metered"


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

    def prorations(self, sub: dict, old: dict, new: dict, at: int) -> list[dict]:
        """The credit and charge lines of moving the plan item from price `old` to `new` at `at`."""
        if sub["status"] == "trialing":
            return []  # a trial costs nothing, so there is no unused time to credit
        names = (self._product_name(old), self._product_name(new))
        return proration_lines(plan_item(sub), old, new, at, names)

    def swap_prices(self, sub: dict, changes: list) -> None:
        """Put each named item (the plan item when none is named) on its new price; a metered
        item takes metered prices only, and the plan item licensed ones."""
        for change in changes:
            if not isinstance(change, dict) or not change.get("price"):
                continue
            item = next(
                (i for i in sub["items"]["data"] if i["id"] == change.get("id")),
                plan_item(sub) if change.get("id") is None else None,
            )
            if item is None:
                raise StripeFault(400, "No such subscription item.", param="items")
            price = self.get("prices", change["price"])
            if metered(price) != metered(item["price"]):
                raise StripeFault(
                    400, "An item keeps its usage type: metered or licensed.", param="items"
                )
            item["price"] = price

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
        after = copy.deepcopy(sub)
        self.swap_prices(after, details.get("items") or [])
        old, new = plan_item(sub)["price"], plan_item(after)["price"]
        if sub["status"] == "canceled" or (sub["cancel_at_period_end"] and old["id"] == new["id"]):
            raise StripeFault(
                404,
                f"No upcoming invoices for customer: {customer['id']}",
                code="invoice_upcoming_none",
            )
        lines = [self._line(sub, p, proration=True) for p in self._pending_lines(sub["id"])]
        if new["id"] != old["id"]:
            at = self.proration_moment(plan_item(sub), details.get("proration_date"))
            if details.get("proration_behavior", "create_prorations") != "none":
                lines += [
                    self._line(sub, line, proration=True)
                    for line in self.prorations(sub, old, new, at)
                ]
        lines.append(self._line(after, self._next_period(plan_item(after), new), proration=False))
        lines += self._usage_so_far(after)
        return self._preview(customer, sub, lines)

    def _usage_so_far(self, sub: dict) -> list[dict]:
        """This period's metered texts, at the (previewed) metered price, as the invoice will
        bill them at the period's end."""
        item = plan_item(sub)
        start, end = item["current_period_start"], item["current_period_end"]
        usage_prices = {i["price"]["id"] for i in sub["items"]["data"] if metered(i["price"])}
        return [
            self._line(
                sub,
                {
                    "amount": line["amount"],
                    "description": line["description"],
                    "price": line["pricing"]["price_details"]["price"],
                    "period": line["period"],
                },
                proration=False,
            )
            for line in self._invoice_lines(sub, start, end)
            if line["pricing"]["price_details"]["price"] in usage_prices
        ]

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
        quantity = int(item.get("quantity") or 1)
        dollars = f"${price['unit_amount'] / 100:,.2f}"
        times = "\u00d7"  # the multiplication sign, as Stripe writes "1 x Pro ..."
        return {
            "amount": price["unit_amount"] * quantity,
            "description": f"{quantity} {times} {self._product_name(price)} (at {dollars} / month)",
            "price": price["id"],
            "period": {"start": start, "end": stamp(add_month(datetime.fromtimestamp(start, UTC)))},
        }

    def _line(self, sub: dict, line: dict, *, proration: bool) -> dict:
        item = next(
            (i for i in sub["items"]["data"] if i["price"]["id"] == line["price"]), plan_item(sub)
        )
        return {
            "id": "il_tmp_" + secrets.token_hex(8),
            "object": "line_item",
            "amount": line["amount"],
            "currency": sub["currency"],
            "description": line["description"],
            "period": line["period"],
            "quantity": item.get("quantity"),
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
        start = plan_item(sub)["current_period_end"]
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
