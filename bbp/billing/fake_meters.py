"""Billing Meters in the fake Stripe: meters, meter events and their summaries (a mixin of
`FakeStripe`), with Stripe's rules for events: an identifier is refused again for 24 hours, and
a timestamp must lie within the past 35 days and at most 5 minutes ahead.

Stripe aggregates events asynchronously, so its summaries lag behind what it accepted; the fake
holds an event out of the summaries for `meter_lag` after it arrives (zero unless a test or a
developer sets it on the fake) so that reconciliation's tolerance can be exercised.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from bbp.billing.fake_invoices import usage_line
from bbp.billing.fake_resources import ID, StripeFault, stamp
from bbp.kernel.clock import utcnow
from bbp.kernel.keys import platform_key

IDENTIFIER_SECONDS = 24 * 3600  # Stripe refuses a repeated identifier for at least a day
PAST_LIMIT = timedelta(days=35)
FUTURE_LIMIT = timedelta(minutes=5)
FORMULAS = ("sum", "count", "last")
WINDOWS = {"hour": 3600, "day": 86400}


def usage_amount(price: dict, used: int) -> int:
    """What `used` units cost on a per-unit or graduated price, rounded to the cent as Stripe
    rounds an invoice line (half up)."""
    if price.get("billing_scheme") != "tiered":
        total = Decimal(price["unit_amount_decimal"]) * used
    else:
        total, floor = Decimal(0), 0
        for tier in price["tiers"]:
            top = used if tier["up_to"] is None else min(used, tier["up_to"])
            if top > floor:
                total += Decimal(tier["unit_amount_decimal"] or 0) * (top - floor)
                total += Decimal(tier["flat_amount"] or 0)
            floor = tier["up_to"] or floor
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _int(params: dict, name: str) -> int:
    value = str(params.get(name, ""))
    if not value.lstrip("-").isdigit():
        raise StripeFault(400, f"Invalid integer: {name}.", param=name)
    return int(value)


class Meters:
    """Stripe's /v1/billing/meters, /meter_events and /event_summaries."""

    KINDS = {"meters": ("mtr", "billing.meter")}
    ROUTES = [
        ("post", "/v1/billing/meters", "_create_meter"),
        ("get", "/v1/billing/meters", "_list_meters"),
        ("get", f"/v1/billing/meters/{ID}", "_retrieve_meter"),
        ("get", f"/v1/billing/meters/{ID}/event_summaries", "_list_event_summaries"),
        ("post", "/v1/billing/meter_events", "_create_meter_event"),
    ]
    meter_lag = timedelta(0)  # how long summaries lag behind accepted events

    def _meter_index(self) -> str:
        return platform_key("stripe-fake", "meters")

    def _events_key(self, event_name: str) -> str:
        return platform_key("stripe-fake", "meter-events", event_name)

    def _create_meter(self, params: dict) -> dict:
        for name in ("display_name", "event_name"):
            if not params.get(name):
                raise StripeFault(400, f"Missing required param: {name}.", param=name)
        formula = (params.get("default_aggregation") or {}).get("formula")
        if formula not in FORMULAS:
            raise StripeFault(
                400, "Invalid default_aggregation[formula].", param="default_aggregation[formula]"
            )
        if any(m["event_name"] == params["event_name"] for m in self._meters("active")):
            raise StripeFault(
                400,
                f"An active meter with event_name {params['event_name']} already exists.",
                param="event_name",
            )
        mapping = params.get("customer_mapping") or {}
        values = params.get("value_settings") or {}
        meter = self._new(
            "meters",
            display_name=params["display_name"],
            event_name=params["event_name"],
            event_time_window=params.get("event_time_window"),
            default_aggregation={"formula": formula},
            customer_mapping={
                "type": mapping.get("type", "by_id"),
                "event_payload_key": mapping.get("event_payload_key", "stripe_customer_id"),
            },
            value_settings={"event_payload_key": values.get("event_payload_key", "value")},
            status="active",
            status_transitions={"deactivated_at": None},
            updated=stamp(utcnow()),
        )
        self.redis.rpush(self._meter_index(), meter["id"])
        return meter

    def _retrieve_meter(self, params: dict, id: str) -> dict:
        return self.get("meters", id)

    def _meters(self, status: str | None = None) -> list[dict]:
        ids = [raw.decode() for raw in self.redis.lrange(self._meter_index(), 0, -1)]
        meters = [self.get("meters", meter_id) for meter_id in ids]
        return [m for m in meters if status is None or m["status"] == status]

    def _list_meters(self, params: dict) -> dict:
        meters = list(reversed(self._meters(params.get("status"))))  # newest first, as Stripe
        return {"object": "list", "data": meters, "has_more": False, "url": "/v1/billing/meters"}

    def _create_meter_event(self, params: dict) -> dict:
        name, payload = params.get("event_name"), params.get("payload") or {}
        if not name:
            raise StripeFault(400, "Missing required param: event_name.", param="event_name")
        now = utcnow()
        moment = _int(params, "timestamp") if "timestamp" in params else stamp(now)
        if moment < stamp(now - PAST_LIMIT) or moment > stamp(now + FUTURE_LIMIT):
            raise StripeFault(
                400,
                "Timestamp must be within the past 35 calendar days or up to 5 minutes in "
                "the future.",
                param="timestamp",
            )
        meter = next((m for m in self._meters("active") if m["event_name"] == name), None)
        customer_key = meter["customer_mapping"]["event_payload_key"] if meter else None
        value_key = meter["value_settings"]["event_payload_key"] if meter else "value"
        if meter and not payload.get(customer_key):
            raise StripeFault(400, f"Missing payload[{customer_key}].", param="payload")
        if not str(payload.get(value_key, "")).isdigit():
            raise StripeFault(400, f"Invalid payload[{value_key}].", param="payload")
        identifier = params.get("identifier") or "idmp_" + secrets.token_hex(12)
        self._claim_identifier(identifier, now)
        event = {
            "object": "billing.meter_event",
            "created": stamp(now),
            "event_name": name,
            "identifier": identifier,
            "livemode": False,
            "payload": payload,
            "timestamp": moment,
        }
        self.redis.rpush(self._events_key(name), json.dumps(event))
        return event

    def _claim_identifier(self, identifier: str, now) -> None:
        """Refuse an identifier seen in the last 24 hours (by the app's clock, so tests can
        step past the window)."""
        slot = platform_key("stripe-fake", "meter-identifier", identifier)
        keep = int(PAST_LIMIT.total_seconds()) * 2
        if self.redis.set(slot, stamp(now), nx=True, ex=keep):
            return  # first seen: claimed atomically, as two concurrent senders need
        if stamp(now) - int(self.redis.get(slot) or 0) < IDENTIFIER_SECONDS:
            raise StripeFault(400, f"An event already exists with identifier {identifier}.")
        self.redis.set(slot, stamp(now), ex=keep)

    def _list_event_summaries(self, params: dict, id: str) -> dict:
        meter = self.get("meters", id)
        if not params.get("customer"):
            raise StripeFault(400, "Missing required param: customer.", param="customer")
        start, end = _int(params, "start_time"), _int(params, "end_time")
        window = params.get("value_grouping_window")
        step = WINDOWS.get(window, 60) if window else None
        if window and window not in WINDOWS:
            raise StripeFault(400, "Invalid value_grouping_window.", param="value_grouping_window")
        for name, value in (("start_time", start), ("end_time", end)):
            if value % (step or 60):
                raise StripeFault(
                    400, f"{name} must be aligned with {window or 'minute'} boundaries.", param=name
                )
        if end <= start:
            raise StripeFault(400, "end_time must be after start_time.", param="end_time")
        windows = (
            [(s, min(s + step, end)) for s in range(start, end, step)] if step else [(start, end)]
        )
        customer = params["customer"]
        values = self._aggregate(meter, customer, windows)
        data = [
            {
                "id": "mtrusg_" + hashlib.sha256(f"{id}{customer}{s}{e}".encode()).hexdigest(),
                "object": "billing.meter_event_summary",
                "aggregated_value": values[(s, e)],
                "start_time": s,
                "end_time": e,
                "livemode": False,
                "meter": id,
            }
            for s, e in reversed(windows)  # newest first, as Stripe lists them
        ]
        limit = int(params.get("limit") or 10)
        return {
            "object": "list",
            "data": data[:limit],
            "has_more": len(data) > limit,
            "url": f"/v1/billing/meters/{id}/event_summaries",
        }

    def _invoice_lines(self, sub: dict, start: int, end: int) -> list[dict]:
        """The licensed lines, then one usage line per metered item, priced by its tiers."""
        lines = super()._invoice_lines(sub, start, end)
        for item in sub["items"]["data"]:
            price = item["price"]
            if (price.get("recurring") or {}).get("usage_type") != "metered":
                continue
            meter = self.get("meters", price["recurring"]["meter"])
            used = self._aggregate(meter, sub["customer"], [(start, end)])[(start, end)]
            line = usage_line(item, used, start, end)
            line["amount"] = usage_amount(price, used)
            lines.append(line)
        return lines

    def _aggregate(self, meter: dict, customer: str, windows: list[tuple[int, int]]) -> dict:
        """Each window's aggregated value over the events Stripe has processed by now."""
        visible = stamp(utcnow() - self.meter_lag)
        customer_key = meter["customer_mapping"]["event_payload_key"]
        value_key = meter["value_settings"]["event_payload_key"]
        events = [
            json.loads(raw)
            for raw in self.redis.lrange(self._events_key(meter["event_name"]), 0, -1)
        ]
        mine = [
            e
            for e in events
            if e["payload"].get(customer_key) == customer and e["created"] <= visible
        ]
        formula = meter["default_aggregation"]["formula"]
        totals = {}
        for start, end in windows:
            inside = sorted(
                (e for e in mine if start <= e["timestamp"] < end), key=lambda e: e["timestamp"]
            )
            numbers = [int(e["payload"][value_key]) for e in inside]
            totals[(start, end)] = {
                "sum": sum(numbers),
                "count": len(numbers),
                "last": numbers[-1] if numbers else 0,
            }[formula]
        return totals
