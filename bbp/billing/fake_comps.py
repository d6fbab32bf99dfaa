"""The fake Stripe's coupons, subscription discounts and trial changes (a mixin of `FakeStripe`).

The console comps an agency with a 100%-off coupon applied as a subscription discount and
extends a trial with `trial_end`; this mixin answers those calls as Stripe does. It goes before
`Resources` in `FakeStripe`'s bases: its `_update_subscriptions` handles `trial_end` and
`discounts`, then hands the other parameters on to the next mixin's; its `_invoice_lines` takes
a running percent-off discount off each line the invoices mixin bills (the line shows it in
`discount_amounts`; the fake keeps no separate pre-discount subtotal).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bbp.billing.fake_resources import ID, StripeFault, add_month, stamp
from bbp.kernel.clock import utcnow

DURATIONS = ("once", "repeating", "forever")
TRIAL_LIMIT = timedelta(days=730)  # Stripe: a trial ends at most two years ahead


class Comps:
    """Coupons (create with an id of our choosing, retrieve) and what a subscription update
    does with `trial_end` and `discounts`."""

    KINDS = {"coupons": ("coupon", "coupon"), "discounts": ("di", "discount")}
    ROUTES = [
        ("post", "/v1/coupons", "_create_coupons"),
        ("get", f"/v1/coupons/{ID}", "_retrieve_coupon"),
    ]

    def _create_coupons(self, params: dict) -> dict:
        duration = params.get("duration", "once")
        if duration not in DURATIONS:
            raise StripeFault(400, "Invalid duration.", param="duration")
        months = params.get("duration_in_months")
        if (duration == "repeating") != (months is not None):
            raise StripeFault(
                400,
                "duration_in_months is required with, and only with, duration=repeating.",
                param="duration_in_months",
            )
        percent = params.get("percent_off")
        if percent is None or not 0 < float(percent) <= 100:
            raise StripeFault(
                400, "percent_off must be above 0 and at most 100.", param="percent_off"
            )
        wanted = params.get("id")
        if wanted and self.redis.exists(self._key(wanted)):
            raise StripeFault(
                400, "Coupon already exists.", code="resource_already_exists", param="id"
            )
        return self._new(
            "coupons",
            **({"id": wanted} if wanted else {}),
            name=params.get("name"),
            percent_off=float(percent),
            amount_off=None,
            currency=None,
            duration=duration,
            duration_in_months=int(months) if months is not None else None,
            max_redemptions=None,
            redeem_by=None,
            times_redeemed=0,
            valid=True,
            metadata=params.get("metadata", {}),
        )

    def _retrieve_coupon(self, params: dict, id: str) -> dict:
        return self.get("coupons", id)

    def _retrieve(self, params: dict, kind: str, id: str) -> dict:
        obj = super()._retrieve(params, kind=kind, id=id)
        if kind == "subscriptions" and "discounts" in (params.get("expand") or []):
            obj = {**obj, "discounts": [self.get("discounts", d) for d in obj.get("discounts", [])]}
        return obj

    def _update_subscriptions(self, params: dict, id: str) -> dict:
        rest = {k: v for k, v in params.items() if k not in ("trial_end", "discounts", "expand")}
        if "trial_end" in params or "discounts" in params:
            sub = self.get("subscriptions", id)
            if sub["status"] == "canceled":
                raise StripeFault(
                    400, "A canceled subscription can only update its metadata.", param="status"
                )
            if "trial_end" in params:
                self._extend_trial(sub, params["trial_end"])
            if "discounts" in params:
                self._discount(sub, params["discounts"] or [])
            self._save(sub)
        sub = super()._update_subscriptions(rest, id=id)
        if "discounts" in (params.get("expand") or []):
            sub = {**sub, "discounts": [self.get("discounts", d) for d in sub.get("discounts", [])]}
        return sub

    def _extend_trial(self, sub: dict, value: str) -> None:
        """Move the trial's end (and the billing anchor with it), as `trial_end=<ts>` does."""
        now = utcnow()
        end = datetime.fromtimestamp(int(value), UTC) if value.isdigit() else None
        if end is None or not now < end <= now + TRIAL_LIMIT:
            raise StripeFault(
                400,
                "Invalid timestamp: must be an integer Unix timestamp in the future, "
                "at most 730 days ahead.",
                param="trial_end",
            )
        sub.update(status="trialing", trial_end=int(value), billing_cycle_anchor=int(value))
        sub["trial_start"] = sub.get("trial_start") or stamp(now)
        sub["items"]["data"][0]["current_period_end"] = int(value)

    def _discount(self, sub: dict, wanted: list) -> None:
        """Replace the subscription's discounts with one per coupon named."""
        made = []
        for entry in wanted:
            coupon = self.get("coupons", (entry or {}).get("coupon", ""))
            start = utcnow()
            end = start
            for _ in range(coupon["duration_in_months"] or 0):
                end = add_month(end)
            discount = self._new(
                "discounts",
                source={"type": "coupon", "coupon": coupon["id"]},
                customer=sub["customer"],
                subscription=sub["id"],
                subscription_item=None,
                checkout_session=None,
                invoice=None,
                invoice_item=None,
                promotion_code=None,
                start=stamp(start),
                end=stamp(end) if coupon["duration"] == "repeating" else None,
            )
            coupon["times_redeemed"] += 1
            self._save(coupon)
            made.append(discount["id"])
        sub["discounts"] = made

    def _invoice_lines(self, sub: dict, start: int, end: int) -> list[dict]:
        lines = super()._invoice_lines(sub, start, end)
        now = stamp(utcnow())
        for discount_id in sub.get("discounts", []):
            discount = self.get("discounts", discount_id)
            if discount["end"] is not None and discount["end"] <= now:
                continue
            coupon = self.get("coupons", discount["source"]["coupon"])
            for line in lines:
                off = round(line["amount"] * coupon["percent_off"] / 100)
                line["amount"] -= off
                line.setdefault("discount_amounts", []).append(
                    {"amount": off, "discount": discount_id}
                )
        return lines
