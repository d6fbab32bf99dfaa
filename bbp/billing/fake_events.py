"""Events in the fake Stripe: each change the fake makes becomes a Stripe-shaped `event`, kept
(`GET /v1/events/{id}`) and queued for delivery to the app's webhook endpoint.

Deliveries wait in a Redis list in the order the events happened; `bbp.billing.fake_delivery`
posts them, signed as Stripe signs, to the real endpoint. Under `make run` each event also
queues a worker job (two seconds on) that delivers what is waiting; tests deliver by hand, in
any order.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta

from rq import Queue

from bbp.billing.fake_resources import ID, StripeFault
from bbp.billing.sdk import stripe
from bbp.kernel.keys import platform_key

DELIVERY_JOB = "bbp.billing.fake_delivery.deliver_job"
# The worker waits this long, so a console request that delivers its own events (a simulated
# payment) takes them first and shows their effect; anything else arrives moments later.
DELIVERY_DELAY = timedelta(seconds=2)


class Events:
    """The events mixin: `_emit` makes, keeps and queues an event about an object."""

    KINDS = {"events": ("evt", "event")}
    ROUTES = [("get", f"/v1/events/{ID}", "_retrieve_event")]
    deliver_by_worker = False  # make run: a worker job delivers each event as it happens

    def _retrieve_event(self, params: dict, id: str) -> dict:
        event = self.get("events", id)
        if event.get("account") != self.account:  # another account's event is not found
            raise StripeFault(404, f"No such event: '{id}'", code="resource_missing", param="id")
        return event

    def _emit(self, event_type: str, obj: dict) -> None:
        """An event about `obj` as it is now; an update names the fields it changed."""
        data: dict = {"object": copy.deepcopy(obj)}
        before = self.redis.get(self._snapshot_key(obj["id"]))
        if event_type.endswith(".updated") and before:
            data["previous_attributes"] = _changed(json.loads(before), obj)
        on_account = {"account": self.account} if self.account else {}  # a Connect event
        event = self._new(
            "events",
            type=event_type,
            api_version=stripe.api_version,
            data=data,
            pending_webhooks=1,
            request={"id": None, "idempotency_key": None},
            **on_account,
        )
        self.redis.set(self._snapshot_key(obj["id"]), json.dumps(obj))
        self.redis.rpush(self._pending_key(), event["id"])
        if self.deliver_by_worker:
            Queue("default", connection=self.redis).enqueue_in(
                DELIVERY_DELAY, DELIVERY_JOB, description="deliver the fake Stripe's events"
            )

    def warn_trial_end(self, subscription_id: str) -> dict:
        """Stripe's notice three days before a trial ends (the fake has no clock to send it)."""
        sub = self.get("subscriptions", subscription_id)
        if sub["status"] != "trialing":
            raise StripeFault(400, "The subscription is not in a trial.")
        self._emit("customer.subscription.trial_will_end", sub)
        return sub

    def pending_events(self) -> list[str]:
        """Events not yet delivered, oldest first."""
        return [_text(i) for i in self.redis.lrange(self._pending_key(), 0, -1)]

    def take_pending(self) -> list[str]:
        """Take every waiting event off the queue (a concurrent taker gets the rest)."""
        taken = []
        while (event_id := self.redis.lpop(self._pending_key())) is not None:
            taken.append(_text(event_id))
        return taken

    def _pending_key(self) -> str:
        return platform_key("stripe-fake", "pending-events")

    def _snapshot_key(self, object_id: str) -> str:
        return platform_key("stripe-fake", "last-emitted", self.account or "platform", object_id)


def _changed(before: dict, after: dict) -> dict:
    """Stripe's previous_attributes: the earlier value of each top-level field that changed."""
    return {
        key: before.get(key)
        for key in before.keys() | after.keys()
        if before.get(key) != after.get(key)
    }


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else value
