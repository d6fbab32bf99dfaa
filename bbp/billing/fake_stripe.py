"""A stand-in for Stripe's REST API behind the real SDK: `stripe.StripeClient(http_client=...)`.

It answers the v1 paths billing uses (products, prices, customers, subscriptions) with
Stripe-shaped JSON, keeps the objects in Redis under `platform_key("stripe-fake", ...)` so the
web, worker and scheduler processes of `make run` share them, and honors `Idempotency-Key` as
Stripe does: the same key returns the same response; reused with other parameters it is a 400
`idempotency_error`; while the first request is in flight it is a 409.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlsplit

from redis import Redis
from stripe import HTTPClient

from bbp.billing.fake_autopay import Autopay
from bbp.billing.fake_checkout import CheckoutSessions
from bbp.billing.fake_comps import Comps
from bbp.billing.fake_connect_accounts import ConnectAccounts
from bbp.billing.fake_disputes import Disputes
from bbp.billing.fake_events import Events
from bbp.billing.fake_invoices import Invoices
from bbp.billing.fake_lists import Indexes
from bbp.billing.fake_meters import Meters
from bbp.billing.fake_payouts import Payouts
from bbp.billing.fake_portal import PortalSessions
from bbp.billing.fake_previews import Previews
from bbp.billing.fake_refunds import Refunds
from bbp.billing.fake_resources import Resources, StripeFault, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

IDEMPOTENCY_SECONDS = 24 * 3600  # Stripe keeps a key's response for at least 24 hours


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


class FakeStripe(
    Autopay,
    Events,
    Comps,
    Meters,
    Invoices,
    Resources,
    Previews,
    PortalSessions,
    CheckoutSessions,
    ConnectAccounts,
    Refunds,  # refunds on connected accounts
    Disputes,
    Payouts,
    Indexes,
    HTTPClient,
):
    """Stripe's API for the resources the mixins declare, kept in Redis.

    A resource mixin declares `KINDS` ({kind: (id prefix, object name)}) and `ROUTES`
    ([(method, path regex, handler name)]); a handler takes the parsed parameters and the
    path's named groups (`id`, …) and returns the answer or raises `StripeFault`.
    """

    name = "bbp-fake"

    def __init__(self, redis: Redis):
        super().__init__()
        self.redis = redis
        # Requests this process answered (method, path, idempotency key): tests read them.
        # Long enough that a whole test session's calls stay: a test counting calls before and
        # after must not see an old one fall off the end (a few hundred kB at most).
        self.requests: deque[tuple[str, str, str | None]] = deque(maxlen=20_000)
        self._scope = threading.local()  # the connected account a request acts on (Connect)

    # Connect: a request with a Stripe-Account header sees only that account's objects ------
    @property
    def account(self) -> str | None:
        """The connected account this request acts on, or None for the platform's own."""
        return getattr(self._scope, "account", None)

    @contextmanager
    def acting_as(self, account: str | None) -> Iterator[None]:
        """Act on a connected account's objects (the fake's own pages and tests use this)."""
        before, self._scope.account = self.account, account
        try:
            yield
        finally:
            self._scope.account = before

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
            with self.acting_as(headers.get("Stripe-Account") or None):
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
        # Stripe keeps keys per account: the same key on two connected accounts is two requests.
        scoped = f"{self.account}:{key}" if self.account else key
        slot = platform_key(
            "stripe-fake", "idempotency", hashlib.sha256(scoped.encode()).hexdigest()
        )
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
    @classmethod
    def _kinds(cls) -> dict[str, tuple[str, str]]:
        """Every mixin's KINDS: a kind's id prefix and object name."""
        return {
            k: v
            for base in reversed(cls.__mro__)
            for k, v in base.__dict__.get("KINDS", {}).items()
        }

    def _key(self, object_id: str) -> str:
        # Events are kept in one place (each names its account); anything else under its own.
        if object_id.startswith("evt_") or self.account is None:
            return platform_key("stripe-fake", "object", object_id)
        return platform_key("stripe-fake", "account", self.account, "object", object_id)

    def _save(self, obj: dict) -> dict:
        self.redis.set(self._key(obj["id"]), json.dumps(obj))
        return obj

    def get(self, kind: str, object_id: str) -> dict:
        """A stored object of `kind`, or Stripe's resource_missing 404."""
        raw = self.redis.get(self._key(object_id)) if object_id else None
        obj = json.loads(raw) if raw else None
        name = self._kinds()[kind][1]
        if obj is None or obj["object"] != name:
            raise StripeFault(
                404,
                f"No such {name}: '{object_id}'",
                code="resource_missing",
                param="id",
            )
        return obj

    def _new(self, kind: str, **fields) -> dict:
        prefix, name = self._kinds()[kind]
        obj = {
            "id": f"{prefix}_{secrets.token_hex(12)}",
            "object": name,
            "created": stamp(utcnow()),
            "livemode": False,
            **fields,
        }
        return self._save(obj)

    # Routing ----------------------------------------------------------------------------
    def _route(self, method: str, path: str, params: dict) -> dict:
        """Find the handler a resource mixin declared for this method and path."""
        for verb, pattern, handler in self._routes():
            match = pattern.match(path)
            if verb == method and match:
                return getattr(self, handler)(params, **match.groupdict())
        raise StripeFault(404, f"Unrecognized request URL ({method.upper()}: {path}).")

    @classmethod
    def _routes(cls) -> list[tuple[str, re.Pattern, str]]:
        """Every mixin's ROUTES, compiled once per class."""
        if "_compiled" not in cls.__dict__:
            table = [
                (verb, re.compile(f"^{path}$"), handler)
                for base in reversed(cls.__mro__)
                for verb, path, handler in base.__dict__.get("ROUTES", ())
            ]
            cls._compiled = table
        return cls._compiled
