"""The objects the fake Stripe keeps: products, prices, customers and subscriptions, created
and changed as Stripe's API does (a mixin of `FakeStripe`, which stores and routes them)."""

from __future__ import annotations

import calendar
import re
import secrets
from datetime import datetime, timedelta

from bbp.kernel.clock import utcnow

INTERVALS = ("day", "week", "month", "year")
# What a price update may change: amounts, currency and interval are fixed once created.
PRICE_MUTABLE = {"active", "metadata", "nickname", "lookup_key", "tax_behavior"}


class StripeFault(Exception):
    """An error answer in Stripe's shape."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", **extra):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": kind, "message": message, **extra}}


def stamp(moment: datetime) -> int:
    """A moment as Stripe writes it: whole seconds since the epoch."""
    return int(moment.timestamp())


def add_month(moment: datetime) -> datetime:
    """One billing month later, on the same day or the month's last (Stripe's anchoring)."""
    year, month = (moment.year + moment.month // 12, moment.month % 12 + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


ID = r"(?P<id>[\w-]+)"


def _automatic_tax(params: dict, customer: dict) -> dict:
    """Stripe Tax needs the customer's location; the fake computes no tax (docs/billing.md)."""
    enabled = (params.get("automatic_tax") or {}).get("enabled") == "true"
    if enabled and not (customer.get("address") or {}).get("postal_code"):
        raise StripeFault(
            400,
            "The customer's location isn't recognized; automatic tax needs an address.",
            code="customer_tax_location_invalid",
        )
    return {"enabled": enabled, "liability": None, "disabled_reason": None}


def _amount(params: dict) -> str:
    """A per-unit price's amount in cents: `unit_amount`, or `unit_amount_decimal` (fractions)."""
    amount = params.get("unit_amount")
    if amount is not None:
        if not amount.isdigit():
            raise StripeFault(400, "Invalid integer: unit_amount.", param="unit_amount")
        return amount
    decimal = params.get("unit_amount_decimal")
    if decimal is None or not re.fullmatch(r"\d+(\.\d{1,12})?", decimal):
        raise StripeFault(400, "Invalid integer: unit_amount.", param="unit_amount")
    return decimal


def _metered(price: dict) -> bool:
    return (price.get("recurring") or {}).get("usage_type") == "metered"


def plan_item(sub: dict) -> dict:
    """The subscription's licensed (monthly plan) item; the other, if any, meters texts."""
    return next(i for i in sub["items"]["data"] if not _metered(i["price"]))


def _tiers(params: dict) -> list[dict]:
    """Graduated or volume tiers: ascending whole `up_to`, the last one `inf`."""
    if params.get("tiers_mode") not in ("graduated", "volume"):
        raise StripeFault(400, "Missing required param: tiers_mode.", param="tiers_mode")
    tiers, floor = params.get("tiers") or [], 0
    for index, tier in enumerate(tiers):
        up_to, last = tier.get("up_to", ""), index == len(tiers) - 1
        if (up_to == "inf") != last or (not last and (not up_to.isdigit() or int(up_to) <= floor)):
            raise StripeFault(
                400, "Tiers need ascending up_to values, the last one inf.", param="tiers"
            )
        floor = int(up_to) if not last else floor
    if not tiers:
        raise StripeFault(400, "Missing required param: tiers.", param="tiers")
    return [
        {
            "up_to": None if tier["up_to"] == "inf" else int(tier["up_to"]),
            "unit_amount": int(tier["unit_amount"]) if "unit_amount" in tier else None,
            "unit_amount_decimal": tier.get("unit_amount_decimal", tier.get("unit_amount")),
            "flat_amount": int(tier.get("flat_amount", 0)) or None,
            "flat_amount_decimal": tier.get("flat_amount"),
        }
        for tier in tiers
    ]


class Resources:
    """Stripe's rules for each kind of object; `get`, `_new` and `_save` come from the store."""

    KINDS = {
        "products": ("prod", "product"),
        "prices": ("price", "price"),
        "customers": ("cus", "customer"),
        "subscriptions": ("sub", "subscription"),
    }
    ROUTES = [
        *(("post", f"/v1/{kind}", f"_create_{kind}") for kind in KINDS),
        ("get", f"/v1/(?P<kind>{'|'.join(KINDS)})/{ID}", "_retrieve"),
        *(("post", f"/v1/{kind}/{ID}", f"_update_{kind}") for kind in KINDS),
        ("delete", f"/v1/subscriptions/{ID}", "_cancel"),
    ]

    def _retrieve(self, params: dict, kind: str, id: str) -> dict:
        return self.get(kind, id)

    def _create_products(self, params: dict) -> dict:
        if not params.get("name"):
            raise StripeFault(400, "Missing required param: name.", param="name")
        return self._new(
            "products",
            name=params["name"],
            active=params.get("active", "true") == "true",
            metadata=params.get("metadata", {}),
        )

    def _update_products(self, params: dict, id: str) -> dict:
        product = self.get("products", id)
        for field in ("name", "metadata"):
            if field in params:
                product[field] = params[field]
        if "active" in params:
            product["active"] = params["active"] == "true"
        return self._save(product)

    def _create_prices(self, params: dict) -> dict:
        product = self.get("products", params.get("product", ""))
        recurring = self._recurring(params.get("recurring"))
        tiered = params.get("billing_scheme") == "tiered"
        amount = None if tiered else _amount(params)
        return self._new(
            "prices",
            product=product["id"],
            unit_amount=int(amount) if amount and amount.isdigit() else None,
            unit_amount_decimal=amount,
            billing_scheme="tiered" if tiered else "per_unit",
            tiers_mode=params.get("tiers_mode") if tiered else None,
            tiers=_tiers(params) if tiered else None,
            currency=params.get("currency", "usd"),
            active=True,
            type="recurring" if recurring else "one_time",
            recurring=recurring,
            nickname=params.get("nickname"),
            metadata=params.get("metadata", {}),
        )

    def _recurring(self, recurring: dict | None) -> dict | None:
        """A price's recurring terms; a metered price must name an existing meter."""
        if recurring is None:
            return None
        if recurring.get("interval") not in INTERVALS:
            raise StripeFault(400, "Invalid recurring[interval].", param="recurring[interval]")
        usage = recurring.get("usage_type", "licensed")
        if usage not in ("licensed", "metered"):
            raise StripeFault(400, "Invalid recurring[usage_type].", param="recurring[usage_type]")
        meter = recurring.get("meter")
        if usage == "metered":
            if not meter:
                raise StripeFault(
                    400, "A metered price must be backed by a meter.", param="recurring[meter]"
                )
            self.get("meters", meter)
        return {
            "interval": recurring["interval"],
            "interval_count": 1,
            "usage_type": usage,
            "meter": meter if usage == "metered" else None,
            "trial_period_days": None,
        }

    def _item_prices(self, items: list) -> list[dict]:
        """Each item's price: active, one item per price, one currency and interval, and no
        quantity on a metered price (as Stripe checks them)."""
        if not items or not all(isinstance(item, dict) and "price" in item for item in items):
            raise StripeFault(400, "Each item needs a price.", param="items")
        prices = [self.get("prices", item["price"]) for item in items]
        for item, price in zip(items, prices, strict=True):
            if not price["active"]:
                raise StripeFault(
                    400, f"The price specified is inactive: {price['id']}", param="items"
                )
            if _metered(price) and "quantity" in item:
                raise StripeFault(
                    400,
                    "Quantity should not be specified where usage_type is `metered`.",
                    param="items",
                )
        if len({price["id"] for price in prices}) != len(prices):
            raise StripeFault(
                400, "A subscription cannot have the same price twice.", param="items"
            )
        terms = {(p["currency"], (p["recurring"] or {}).get("interval")) for p in prices}
        if len(terms) != 1:
            raise StripeFault(
                400, "Prices on a subscription must share a currency and interval.", param="items"
            )
        return prices

    def _update_prices(self, params: dict, id: str) -> dict:
        price = self.get("prices", id)
        fixed = sorted(set(params) - PRICE_MUTABLE)
        if fixed:
            raise StripeFault(400, f"Received unknown parameter: {fixed[0]}", param=fixed[0])
        for field in ("nickname", "metadata", "lookup_key", "tax_behavior"):
            if field in params:
                price[field] = params[field]
        if "active" in params:
            price["active"] = params["active"] == "true"
        return self._save(price)

    def _create_customers(self, params: dict) -> dict:
        return self._new(
            "customers",
            name=params.get("name"),
            email=params.get("email"),
            address=params.get("address"),
            metadata=params.get("metadata", {}),
            deleted=False,
        )

    def _update_customers(self, params: dict, id: str) -> dict:
        customer = self.get("customers", id)
        for field in ("name", "email", "address", "metadata"):
            if field in params:
                customer[field] = params[field]
        return self._save(customer)

    def _create_subscriptions(self, params: dict) -> dict:
        customer = self.get("customers", params.get("customer", ""))
        items = params.get("items") or []
        prices = self._item_prices(items)
        now = utcnow()
        days = int(params.get("trial_period_days") or 0)
        trial_end = now + timedelta(days=days) if days else None
        if trial_end is None and params.get("payment_behavior") != "default_incomplete":
            raise StripeFault(
                400,
                "This customer has no attached payment source or default payment method.",
                code="resource_missing",
            )
        period_end = trial_end or add_month(now)
        sub = self._new(
            "subscriptions",
            customer=customer["id"],
            status="trialing" if trial_end else "incomplete",
            currency=prices[0]["currency"],
            start_date=stamp(now),
            billing_cycle_anchor=stamp(period_end),
            trial_start=stamp(now) if trial_end else None,
            trial_end=stamp(trial_end) if trial_end else None,
            cancel_at_period_end=False,
            automatic_tax=_automatic_tax(params, customer),
            cancel_at=None,
            canceled_at=None,
            ended_at=None,
            metadata=params.get("metadata", {}),
        )
        sub["items"] = {
            "object": "list",
            "has_more": False,
            "url": f"/v1/subscription_items?subscription={sub['id']}",
            "data": [
                {
                    "id": "si_" + secrets.token_hex(7),
                    "object": "subscription_item",
                    "subscription": sub["id"],
                    "price": price,
                    # A metered item has no quantity: its usage comes from the meter.
                    "quantity": None if _metered(price) else int(item.get("quantity", 1)),
                    "current_period_start": stamp(now),
                    "current_period_end": stamp(period_end),
                }
                for item, price in zip(items, prices, strict=True)
            ],
        }
        self._save(sub)
        self._emit("customer.subscription.created", sub)
        if sub["status"] == "incomplete":
            # No trial: Stripe bills the first period at once and the subscription waits, as
            # `incomplete`, until that invoice is paid (fake_invoices.py).
            sub["latest_invoice"] = self.first_invoice(sub)["id"]
            self._save(sub)
        return sub

    def _update_subscriptions(self, params: dict, id: str) -> dict:
        sub = self.get("subscriptions", id)
        if sub["status"] == "canceled" and set(params) - {"metadata"}:
            raise StripeFault(
                400, "A canceled subscription can only update its metadata.", param="status"
            )
        if "metadata" in params:
            sub["metadata"] = {**sub["metadata"], **params["metadata"]}
        if "cancel_at_period_end" in params:
            at_end = params["cancel_at_period_end"] == "true"
            sub["cancel_at_period_end"] = at_end
            sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"] if at_end else None
            sub["canceled_at"] = stamp(utcnow()) if at_end else None
        self._change_price(sub, params)
        self._save(sub)
        self._emit("customer.subscription.updated", sub)
        return sub

    def _change_price(self, sub: dict, params: dict) -> None:
        """Move items to other prices; the plan item's change is prorated, and the prorations
        wait for the next invoice as Stripe's default `create_prorations` leaves them (`none`
        skips them). A metered item bills its usage at the period's end: nothing to prorate."""
        changes = [c for c in params.get("items") or [] if isinstance(c, dict) and "price" in c]
        if not changes:
            return
        old = plan_item(sub)["price"]
        at = self.proration_moment(plan_item(sub), params.get("proration_date"))
        behavior = params.get("proration_behavior", "create_prorations")
        if behavior not in ("create_prorations", "none"):  # always_invoice: not faked
            raise StripeFault(
                400, "The fake takes create_prorations or none.", param="proration_behavior"
            )
        self.swap_prices(sub, changes)
        new = plan_item(sub)["price"]
        if new["id"] != old["id"] and behavior != "none":
            self.add_pending(sub, self.prorations(sub, old, new, at))

    def _cancel(self, params: dict, id: str) -> dict:
        sub = self.get("subscriptions", id)
        if sub["status"] == "canceled":
            raise StripeFault(
                400,
                f"No such subscription: '{sub['id']}'; it has been canceled.",
                code="resource_missing",
            )
        now = stamp(utcnow())
        sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at_period_end=False)
        self._save(sub)
        self._emit("customer.subscription.deleted", sub)
        return sub
