"""Stripe webhook deliveries, the platform's and Connect's alike: verify, record the id, dispatch.

A delivery is refused (400, nothing changed) unless `Stripe-Signature` verifies with the
endpoint's secret (the official SDK checks the HMAC), was signed within five minutes of the app
clock, and the event's `livemode` matches the key's. The event's id is inserted into the
endpoint's table (`public.stripe_events`, `public.connect_events`) in the same transaction as its
processing: a concurrent delivery of the same event waits on that key and then finds it done; a
failed processing rolls back, so Stripe's retry processes it again (docs/billing.md, "Webhooks").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert

from bbp.billing import stripe_api
from bbp.billing.sdk import stripe
from bbp.billing.stripe_api import moment
from bbp.extensions import db
from bbp.kernel.clock import utcnow
from bbp.kernel.transactions import atomic

TOLERANCE_SECONDS = 300  # Stripe's default: an older signature is a replay
FIELDS = {"id": str, "type": str, "created": int, "livemode": bool, "data": dict}  # required

After = Callable[[], None] | None  # what may happen only once the event is committed
Dispatch = Callable[["stripe.Event"], After]
Route = Callable[["stripe.Event"], AbstractContextManager[dict]]


class Refused(Exception):
    """A delivery answered with a 400: nothing was changed."""


@contextmanager
def _platforms_own(event: stripe.Event) -> Iterator[dict]:
    """The platform's own events need no routing and record no more than their own fields; one
    that names a connected `account` belongs to the Connect endpoint, whichever secret it
    verified with (a Connect endpoint set up with this URL, or one secret for both)."""
    if getattr(event, "account", None) is not None:
        raise Refused("A connected account's event belongs to the Connect endpoint, not this one.")
    yield {}


def receive(
    payload: bytes,
    header: str | None,
    *,
    secret: str,
    model: type[db.Model],
    dispatch: Dispatch,
    route: Route = _platforms_own,
) -> str:
    """Verify one delivery with the endpoint's secret, then record its id in `model` and
    dispatch it, exactly once, inside what `route` opens (which yields the extra columns to
    record, or raises Refused): "processed", "duplicate", or raises Refused."""
    event = verified(payload, header, secret)
    with route(event) as columns:
        return _process_once(event, model, dispatch, columns)


def verified(payload: bytes, header: str | None, secret: str) -> stripe.Event:
    """The event, if Stripe signed this payload recently with `secret`, for the key's mode."""
    try:
        # The SDK checks the signature; its age is checked below against the app clock.
        event = stripe_api.client().construct_event(payload, header, secret, tolerance=0)
    except stripe.SignatureVerificationError:
        raise Refused("The Stripe-Signature header does not match this payload.") from None
    except (ValueError, TypeError, AttributeError):
        raise Refused("The body is not a Stripe event.") from None
    if _signed_at(header) < utcnow().timestamp() - TOLERANCE_SECONDS:
        raise Refused("The signature is too old to accept (a replayed delivery?).")
    fields = event.to_dict()
    about = fields.get("data", {}).get("object") if isinstance(fields.get("data"), dict) else None
    shaped = all(isinstance(fields.get(field), kind) for field, kind in FIELDS.items())
    if not shaped or not isinstance(about, dict) or not isinstance(about.get("id"), str):
        raise Refused("The body is not a Stripe event.")
    if event.livemode != stripe_api.livemode():
        mode = "live" if event.livemode else "test"
        raise Refused(f"A {mode}-mode event does not belong to this key's mode.")
    return event


def _signed_at(header: str | None) -> int:
    """The `t=` the SDK checked the signature with: the first item named exactly `t`, read as
    the SDK reads it (another reading would let a fresh `t` front an old signature)."""
    stamps = [item.split("=", 2) for item in (header or "").split(",")]
    first = next((item[1] for item in stamps if item[0] == "t" and len(item) > 1), "")
    return int(first) if first.isascii() and first.isdigit() else 0


def _process_once(event: stripe.Event, model, dispatch: Dispatch, columns: dict) -> str:
    """Process the event unless its id is already recorded; both in one transaction."""
    after = None
    with atomic:
        inserted = db.session.execute(
            insert(model)
            .values(
                id=event.id,
                type=event.type,
                created=moment(event.created),
                received_at=utcnow(),
                processed_at=utcnow(),
                **columns,
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(model.id)
        ).scalar()
        if inserted is None:  # done already (a concurrent delivery waited on the key above)
            return "duplicate"
        after = dispatch(event)
        db.session.execute(update(model).where(model.id == event.id).values(processed_at=utcnow()))
    if after is not None:  # an email or a receipt text, once the event is committed
        after()
    return "processed"
