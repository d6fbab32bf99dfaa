"""A stand-in for Stripe's REST API behind the real SDK: `stripe.StripeClient(http_client=...)`.

It answers the v1 paths billing uses (products, prices, customers, subscriptions) with
Stripe-shaped JSON, keeps the objects in Redis under `platform_key("stripe-fake", ...)` so the
web, worker and scheduler processes of `make run` share them, and honors `Idempotency-Key` as
Stripe does: the same key returns the same response; reused with other parameters it is a 400
`idempotency_error`; while the first request is in flight it is a 409.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import secrets
from collections import deque
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

from redis import Redis
from stripe import HTTPClient

from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

IDEMPOTENCY_SECONDS = 24 * 3600  # Stripe keeps a key's response for at least 24 hours
PATH = re.compile(r"^/v1/(?P<kind>products|prices|customers|subscriptions)(?:/(?P<id>[\w-]+))?$")
PREFIXES = {"products": "prod", "prices": "price", "customers": "cus", "subscriptions": "sub"}
OBJECT_NAMES = {
    "products": "product",
    "prices": "price",
    "customers": "customer",
    "subscriptions": "subscription",
}
INTERVALS = ("day", "week", "month", "year")
# What a price update may change: amounts, currency and interval are fixed once created.
PRICE_MUTABLE = {"active", "metadata", "nickname", "lookup_key", "tax_behavior"}


class StripeFault(Exception):
    """An error answer in Stripe's shape."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", **extra):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": kind, "message": message, **extra}}


def parse_form(body: str) -> dict:
    """Stripe's form encoding (`items[0][price]=…`, `metadata[k]=v`) back into nested values."""
    tree: dict = {}
    for key, value in parse_qsl(body or "", keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(tree)


def _lists(node):
    """Turn {"0": a, "1": b} into [a, b], as Stripe reads indexed parameters."""
    if not isinstance(node, dict):
        return node
    node = {key: _lists(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def add_month(moment: datetime) -> datetime:
    """One billing month later, on the same day or the month's last (Stripe's anchoring)."""
    year, month = (moment.year + moment.month // 12, moment.month % 12 + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


class FakeStripe(HTTPClient):
    """Stripe's API for products, prices, customers and subscriptions, kept in Redis."""

    name = "bbp-fake"

    def __init__(self, redis: Redis):
        super().__init__()
        self.redis = redis
        # Requests this process answered (method, path, idempotency key): tests read them.
        self.requests: deque[tuple[str, str, str | None]] = deque(maxlen=500)

    # The SDK calls these ----------------------------------------------------------------
    def request(self, method, url, headers, post_data=None, *, _usage=None):
        """Answer one API call as (body, status, headers)."""
        headers = dict(headers or {})
        parts = urlsplit(url)
        key = headers.get("Idempotency-Key")
        self.requests.append((method.upper(), parts.path, key))
        body = post_data if method == "post" else parts.query
        params = parse_form(body.decode() if isinstance(body, bytes) else body or "")
        try:
            if not headers.get("Authorization", "").startswith("Bearer "):
                raise StripeFault(401, "You did not provide an API key.")
            if key and method in ("post", "delete"):
                status, answer = self._once(key, method, parts.path, params)
            else:
                status, answer = 200, self._route(method, parts.path, params)
        except StripeFault as fault:
            status, answer = fault.status, fault.body
        return json.dumps(answer), status, {"Request-Id": "req_" + secrets.token_hex(7)}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        raise NotImplementedError("the fake Stripe answers no streaming calls")

    def close(self):
        """Nothing to close: the Redis client belongs to the app."""

    # Idempotency ------------------------------------------------------------------------
    def _once(self, key: str, method: str, path: str, params: dict) -> tuple[int, dict]:
        """Run a mutating call once per key; a repeat gets the first answer back."""
        slot = platform_key("stripe-fake", "idempotency", hashlib.sha256(key.encode()).hexdigest())
        fingerprint = hashlib.sha256(json.dumps([method, path, params]).encode()).hexdigest()
        if not self.redis.set(slot, json.dumps({"pending": True}), nx=True, ex=60):
            kept = json.loads(self.redis.get(slot) or "{}")
            if kept.get("pending"):
                raise StripeFault(
                    409,
                    "There is currently another in-progress request using this Idempotent Key.",
                    "idempotency_error",
                )
            if kept["fingerprint"] != fingerprint:
                raise StripeFault(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                    "idempotency_error",
                )
            return kept["status"], kept["answer"]
        try:
            status, answer = 200, self._route(method, path, params)
        except StripeFault as fault:
            if fault.status >= 500:
                self.redis.delete(slot)
                raise
            status, answer = fault.status, fault.body
        except Exception:
            self.redis.delete(slot)  # no answer was given: the key may be used again
            raise
        kept = {"fingerprint": fingerprint, "status": status, "answer": answer}
        self.redis.set(slot, json.dumps(kept), ex=IDEMPOTENCY_SECONDS)
        return status, answer

    # Storage ----------------------------------------------------------------------------
    def _key(self, object_id: str) -> str:
        return platform_key("stripe-fake", "object", object_id)

    def _save(self, obj: dict) -> dict:
        self.redis.set(self._key(obj["id"]), json.dumps(obj))
        return obj

    def get(self, kind: str, object_id: str) -> dict:
        """A stored object of `kind`, or Stripe's resource_missing 404."""
        raw = self.redis.get(self._key(object_id)) if object_id else None
        obj = json.loads(raw) if raw else None
        if obj is None or obj["object"] != OBJECT_NAMES[kind]:
            raise StripeFault(
                404,
                f"No such {OBJECT_NAMES[kind]}: '{object_id}'",
                code="resource_missing",
                param="id",
            )
        return obj

    def _new(self, kind: str, **fields) -> dict:
        obj = {
            "id": f"{PREFIXES[kind]}_{secrets.token_hex(12)}",
            "object": OBJECT_NAMES[kind],
            "created": _stamp(utcnow()),
            "livemode": False,
            **fields,
        }
        return self._save(obj)

    # Routing ----------------------------------------------------------------------------
    def _route(self, method: str, path: str, params: dict) -> dict:
        match = PATH.match(path)
        if match is None:
            raise StripeFault(404, f"Unrecognized request URL ({method.upper()}: {path}).")
        kind, object_id = match["kind"], match["id"]
        if object_id is None:
            if method != "post":
                raise StripeFault(404, f"The fake Stripe does not list {kind}.")
            return getattr(self, f"_create_{kind}")(params)
        if method == "get":
            return self.get(kind, object_id)
        if method == "post":
            return getattr(self, f"_update_{kind}")(self.get(kind, object_id), params)
        if method == "delete" and kind == "subscriptions":
            return self._cancel(self.get(kind, object_id))
        raise StripeFault(404, f"Unrecognized request URL ({method.upper()}: {path}).")

    def _create_products(self, params: dict) -> dict:
        if not params.get("name"):
            raise StripeFault(400, "Missing required param: name.", param="name")
        return self._new(
            "products",
            name=params["name"],
            active=params.get("active", "true") == "true",
            metadata=params.get("metadata", {}),
        )

    def _update_products(self, product: dict, params: dict) -> dict:
        for field in ("name", "metadata"):
            if field in params:
                product[field] = params[field]
        if "active" in params:
            product["active"] = params["active"] == "true"
        return self._save(product)

    def _create_prices(self, params: dict) -> dict:
        product = self.get("products", params.get("product", ""))
        amount = params.get("unit_amount")
        if amount is None or not amount.isdigit():
            raise StripeFault(400, "Invalid integer: unit_amount.", param="unit_amount")
        recurring = params.get("recurring")
        if recurring is not None and recurring.get("interval") not in INTERVALS:
            raise StripeFault(400, "Invalid recurring[interval].", param="recurring[interval]")
        return self._new(
            "prices",
            product=product["id"],
            unit_amount=int(amount),
            unit_amount_decimal=amount,
            currency=params.get("currency", "usd"),
            active=True,
            type="recurring" if recurring else "one_time",
            recurring=(
                {"interval": recurring["interval"], "interval_count": 1, "usage_type": "licensed"}
                if recurring
                else None
            ),
            nickname=params.get("nickname"),
            metadata=params.get("metadata", {}),
        )

    def _update_prices(self, price: dict, params: dict) -> dict:
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
            metadata=params.get("metadata", {}),
            deleted=False,
        )

    def _update_customers(self, customer: dict, params: dict) -> dict:
        for field in ("name", "email", "metadata"):
            if field in params:
                customer[field] = params[field]
        return self._save(customer)

    def _create_subscriptions(self, params: dict) -> dict:
        customer = self.get("customers", params.get("customer", ""))
        items = params.get("items") or []
        if len(items) != 1 or not isinstance(items[0], dict) or "price" not in items[0]:
            raise StripeFault(400, "The fake takes exactly one item with a price.", param="items")
        price = self.get("prices", items[0]["price"])
        if not price["active"]:
            raise StripeFault(400, f"The price specified is inactive: {price['id']}", param="items")
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
            currency=price["currency"],
            start_date=_stamp(now),
            billing_cycle_anchor=_stamp(period_end),
            trial_start=_stamp(now) if trial_end else None,
            trial_end=_stamp(trial_end) if trial_end else None,
            cancel_at_period_end=False,
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
                    "quantity": int(items[0].get("quantity", 1)),
                    "current_period_start": _stamp(now),
                    "current_period_end": _stamp(period_end),
                }
            ],
        }
        return self._save(sub)

    def _update_subscriptions(self, sub: dict, params: dict) -> dict:
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
            sub["canceled_at"] = _stamp(utcnow()) if at_end else None
        for item in params.get("items") or []:
            if "price" in item:
                sub["items"]["data"][0]["price"] = self.get("prices", item["price"])
        return self._save(sub)

    def _cancel(self, sub: dict) -> dict:
        if sub["status"] == "canceled":
            raise StripeFault(
                400,
                f"No such subscription: '{sub['id']}'; it has been canceled.",
                code="resource_missing",
            )
        now = _stamp(utcnow())
        sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at_period_end=False)
        return self._save(sub)
